// End to end: the demo runs a district at high speed — the controller in this process, each cart its own
// `loa unit run --sim` process talking MQTT and HTTP — and the district's records are checked against the carts' own.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDemo, type DemoRun } from '../../cli/demo/demo.js';
import { CartStore } from '../../device/store/index.js';
import { SqliteDb } from '../../lib/sqlite.js';
import { runLoa } from '../support/cli.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';


const loaBin = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'loa.js');
const built = existsSync(loaBin);
if (!built) console.warn('[skip] dist/ is not built (npm test builds it first): the end-to-end demo test is skipped.');

interface PlayRow {
  unit_id: string;
  record: number;
  clip: string;
  seconds: number;
}

describe.skipIf(!built)('the demo, end to end', () => {
  it('every cart syncs and reports; every play is stored once; the offline cart delivers its backlog; nothing unapproved plays; the report agrees', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'loa-e2e-'));
    const lines: string[] = [];
    const run: DemoRun = await startDemo({ dataDir, carts: 3, speed: 120, durationS: 45, liveEveryMs: 0, out: (l) => lines.push(l), loaBin, lang: 'vi' });
    await run.stopped;
    expect(lines.join('\n')).toMatch(/mất kết nối[\s\S]*có kết nối trở lại[\s\S]*mọi xe đã tắt rơ-le/);

    const db = await SqliteDb.open(join(dataDir, 'controller', 'controller.db'));
    try {
      const latest = await db.get<{ v: number }>('SELECT max(version) AS v FROM content_manifests');
      const states = await db.all<{ unit_id: string; manifest_version: number | null }>('SELECT unit_id, manifest_version FROM unit_state');
      expect(states.map((s) => s.unit_id).sort()).toEqual(run.carts.map((c) => c.name).sort());
      for (const s of states) expect(s.manifest_version, s.unit_id).toBe(latest?.v);
      const hellos = await db.all<{ unit_id: string }>('SELECT DISTINCT unit_id FROM hellos');
      expect(hellos).toHaveLength(run.carts.length);
      // The board's pages have something to show: per team one confirmed activity and one waiting.
      const activities = await db.all<{ status: string; n: number }>('SELECT status, count(*) AS n FROM board_activities GROUP BY status ORDER BY status');
      expect(activities).toEqual([{ status: 'confirmed', n: run.carts.length }, { status: 'submitted', n: run.carts.length }]);

      const districtPlays = await db.all<PlayRow>('SELECT unit_id, record, clip, seconds FROM plays ORDER BY unit_id, record');
      let cartSeconds = 0;
      let cartPlays = 0;
      let cartAmplifier = 0;
      for (const cart of run.carts) {
        const store = await CartStore.open({ path: join(cart.dataDir, 'cart.db') });
        const own = await store.playsSince(0);
        const runtime = await store.runtimeCounters();
        await store.close();
        // The amplifier counter runs on the same sped-up clock as the plays' lengths: the amplifier is on for every
        // clip (and its warm-up and tail), so the cart's amplifier hours are at least its broadcast hours.
        const ownSeconds = own.reduce((s, p) => s + p.seconds, 0);
        expect(runtime.amplifierS, `${cart.name} amplifier seconds`).toBeGreaterThanOrEqual(Math.floor(ownSeconds) - 1);
        expect(runtime.amplifierS, `${cart.name} amplifier seconds`).toBeLessThanOrEqual(runtime.uptimeS);
        cartAmplifier += runtime.amplifierS;
        const theirs = districtPlays.filter((p) => p.unit_id === cart.name);
        // Every play the cart recorded is at the district exactly once (the primary key makes "once"; the count
        // and the record numbers make "every").
        expect(theirs.map((p) => p.record), cart.name).toEqual(own.map((p) => p.record).sort((a, b) => a - b));
        cartSeconds += own.reduce((s, p) => s + p.seconds, 0);
        cartPlays += own.length;
        expect(own.length, `${cart.name} played`).toBeGreaterThan(0);
      }
      // The cart that lost its link recorded while away and delivered it all later: the equality above covers
      // "all"; these records reached the district well after they were made.
      const late = await db.all<{ n: number }>(
        "SELECT count(*) AS n FROM records WHERE unit_id = ? AND type = 'play' AND server_time - device_time >= 5",
        [run.offlineCart],
      );
      expect(late[0]!.n, 'plays of the offline cart delivered late').toBeGreaterThan(0);
      // A clip that was never approved never sounded, anywhere.
      expect(districtPlays.filter((p) => p.clip === run.unapprovedClip)).toEqual([]);
      expect(new Set(districtPlays.map((p) => p.clip)).size).toBeGreaterThan(0);
      for (const p of districtPlays) expect(run.approvedClips).toContain(p.clip);

      // The district's reports show the carts' own totals: the month (Vietnam time) of every play, added up, since a
      // demo that runs across a month end has plays in two months.
      const starts = await db.all<{ start: number }>('SELECT start FROM plays');
      const months = [...new Set(starts.map((p) => new Date((p.start + 7 * 3600) * 1000).toISOString().slice(0, 7)))];
      const totals = { plays: 0, broadcastSeconds: 0, amplifierSeconds: 0 };
      for (const month of months) {
        const r = await runLoa(['report', '--period', month, '--format', 'json', '--data', join(dataDir, 'controller')]);
        expect(r.code, r.stderr).toBe(0);
        const t = (JSON.parse(r.stdout) as { totals: typeof totals }).totals;
        for (const k of ['plays', 'broadcastSeconds', 'amplifierSeconds'] as const) totals[k] += t[k];
      }
      expect(totals.plays).toBe(cartPlays);
      expect(totals.broadcastSeconds).toBeCloseTo(cartSeconds, 1);
      // The district's amplifier hours come from the carts' counters (sampled once a minute, so at most theirs).
      expect(totals.amplifierSeconds).toBeLessThanOrEqual(cartAmplifier);
    } finally {
      await db.close();
    }
  }, 240_000);
});
