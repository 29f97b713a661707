// The updater against a real HTTP server with real release bundles: a good release is downloaded, unpacked, put on
// trial and switched to; the download resumes after cuts and keeps to the day's byte budget; and every TUF-style
// attack (a foreign key, an altered manifest, a replayed or older release, another architecture, a payload swapped
// or endless, a release too new to replace this one) is refused with a durable `update` / `refused` event.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Updater, type UpdaterOptions } from '../../../device/update/updater.js';
import { currentVersion, readState, releaseArch, switchCurrent, updateState } from '../../../device/update/releases.js';
import { verifyInstalledRelease } from '../../../device/update/unpack.js';
import { MAX_MANIFEST_BYTES, openReleaseManifest, publicKeyFromRaw, type Command } from '../../../protocol/index.js';
import { until } from '../../support/wait.js';
import { buildRelease, newReleaseKey, startReleaseServer, type ReleaseServer, type ServedRelease } from './release-server.js';

const arch = releaseArch(process.arch) ?? 'amd64';
const other = arch === 'amd64' ? 'arm64' : 'amd64';
const key = newReleaseKey();
const stranger = newReleaseKey();
let server: ReleaseServer;
/** 0.2.0 with 300 KiB of incompressible bytes, so that cuts and budgets fall inside it. */
let big: ServedRelease;

beforeAll(async () => {
  server = await startReleaseServer();
  big = await buildRelease({ version: '0.2.0', arch, key: key.key, files: { 'dist/cli/main.js': 'export async function main() { return 0; }\n', 'dist/blob.bin': randomBytes(300 * 1024) } });
}, 60_000);
afterAll(async () => server.close());

const dirs: string[] = [];
afterEach(async () => {
  server.releases.clear();
  server.cutAfter = null;
  server.extraBytes = 0;
  server.ignoreRange = false;
  server.bytesPerSecond = null;
  server.payloadBytesSent = 0;
  server.requests.length = 0;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

interface Rig {
  updater: Updater;
  dir: string;
  events: string[];
  restarts: number;
}

/** The updater of a cart running 0.1.0 (schema 2) on `r`'s folder, fetching from the test server, quick retries. */
function baseOptions(r: Rig): UpdaterOptions {
  return {
    releasesDir: r.dir,
    databaseFile: join(r.dir, 'cart.db'),
    contentUrl: server.url,
    releaseKeys: () => [publicKeyFromRaw(Buffer.from(key.publicHex, 'hex'))],
    running: { version: '0.1.0', release: false },
    arch,
    schema: { version: 2, readsUpTo: 2 },
    event: async (code, detail) => void r.events.push(`${code} ${detail}`),
    restart: () => r.restarts++,
    retryMs: 20,
    budgetPollMs: 20,
  };
}

async function rig(over: Partial<UpdaterOptions> = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-updater-'));
  dirs.push(dir);
  const r: Rig = { dir, events: [], restarts: 0, updater: undefined as unknown as Updater };
  r.updater = new Updater({ ...baseOptions(r), timeouts: { connectMs: 2000, idleMs: 2000 }, ...over });
  return r;
}

function command(version: string, rollback = false): Command & { action: 'update' } {
  return { unit: 1, counter: 5, issued: 0, expires: 0, action: 'update', version, rollback };
}

async function run(r: Rig, version: string, rollback = false): Promise<{ status: string; detail: string }> {
  const answer = await r.updater.update(command(version, rollback));
  await r.updater.job;
  return answer;
}

describe('installing a release', () => {
  it('downloads, unpacks and verifies it, writes the trial, switches current and restarts', async () => {
    server.releases.set(`0.2.0/${arch}`, big);
    const r = await rig();
    expect(await run(r, '0.2.0')).toEqual({ status: 'ok', detail: 'downloading 0.2.0' });
    expect(r.events).toEqual(['installed 0.2.0']);
    expect(r.restarts).toBe(1);
    expect(await currentVersion(r.dir)).toBe('0.2.0');
    expect((await readState(r.dir)).trial).toEqual({ version: '0.2.0', previous: null, attempts: 0 });
    await verifyInstalledRelease(join(r.dir, '0.2.0'), openReleaseManifest(big.manifest, big.signature, r.updater ? [publicKeyFromRaw(Buffer.from(key.publicHex, 'hex'))] : []));
    expect(existsSync(join(r.dir, 'downloads', `0.2.0-${arch}`))).toBe(false);
  });

  it('marks the database for a backup when the release writes a schema this version cannot read', async () => {
    server.releases.set(`0.3.0/${arch}`, await buildRelease({ version: '0.3.0', arch, key: key.key, schema: { reads: [1, 2], writes: 3 } }));
    const r = await rig();
    await run(r, '0.3.0');
    expect((await readState(r.dir)).trial?.database).toEqual({ path: join(r.dir, 'cart.db'), backup: join(r.dir, 'cart-before-0.3.0.db'), backedUp: false });
  });

  it('keeps at most three releases: the current one, the running one and the one asked for', async () => {
    server.releases.set(`0.3.0/${arch}`, await buildRelease({ version: '0.3.0', arch, key: key.key }));
    const r = await rig({ running: { version: '0.2.0', release: true } });
    for (const v of ['0.1.5', '0.2.0']) await mkdir(join(r.dir, v, 'dist'), { recursive: true });
    await writeFile(join(r.dir, 'cart-before-0.2.0.db'), 'x');
    await switchCurrent(r.dir, '0.2.0');
    await run(r, '0.3.0');
    expect((await readdir(r.dir)).sort()).toEqual(['0.2.0', '0.3.0', 'cart-before-0.2.0.db', 'current', 'downloads', 'staging', 'state.json']);
  });

  it('resumes a download cut again and again, never fetching a byte twice', async () => {
    server.releases.set(`0.2.0/${arch}`, big);
    server.cutAfter = Math.ceil(big.payload.length / 5);
    const r = await rig();
    await run(r, '0.2.0');
    expect(r.events).toEqual(['installed 0.2.0']);
    expect(server.payloadBytesSent).toBe(big.payload.length);
    expect(server.requests.filter((q) => q.includes('payload')).length).toBeGreaterThanOrEqual(5);
  });

  it('keeps to the day’s byte budget, durably, and resumes the next day', async () => {
    server.releases.set(`0.2.0/${arch}`, big);
    let now = Date.UTC(2026, 5, 1, 3, 0);
    const perDay = Math.ceil(big.payload.length / 3);
    const first = await rig({ bytesPerDay: perDay, now: () => now });
    await first.updater.update(command('0.2.0'));
    await until(async () => (await readState(first.dir)).budget.bytes >= perDay, 'the budget spent', 10_000, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.payloadBytesSent).toBe(perDay);
    // A restart the same day does not bring a fresh budget.
    await first.updater.stop();
    const second = new Updater({ ...optionsOf(first, perDay, () => now) });
    void second.update(command('0.2.0'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.payloadBytesSent).toBe(perDay);
    now += 24 * 3600_000;
    await until(() => server.payloadBytesSent >= 2 * perDay, 'the second day', 10_000, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.payloadBytesSent).toBe(2 * perDay);
    now += 24 * 3600_000;
    await second.job;
    expect(await currentVersion(first.dir)).toBe('0.2.0');
    expect(server.payloadBytesSent).toBe(big.payload.length);
  });
});

/** The options of a rig's updater again (same folder), as a restarted program would build them. */
function optionsOf(r: Rig, perDay: number, now: () => number): UpdaterOptions {
  return { ...baseOptions(r), bytesPerDay: perDay, now };
}

describe('attacks on releases, each refused with an event', () => {
  const refusedCode = (r: Rig): string | undefined => /^refused [^:]+: ([a-z-]+):/u.exec(r.events.at(-1) ?? '')?.[1];

  it.each([
    ['signed by a key that is not pinned (a stolen district key)', 'unknown-key', async () => server.releases.set(`0.2.0/${arch}`, await buildRelease({ version: '0.2.0', arch, key: stranger.key }))],
    [
      'an altered manifest',
      'bad-signature',
      async () => {
        const r = await buildRelease({ version: '0.2.0', arch, key: key.key });
        server.releases.set(`0.2.0/${arch}`, { ...r, manifest: Buffer.from(r.manifest.toString('utf8').replace('"replaces": "0.0.0"', '"replaces": "0.0.1"')) });
      },
    ],
    ['an older release replayed under a new version (freeze / rollback)', 'bad-manifest', async () => server.releases.set(`0.2.0/${arch}`, await buildRelease({ version: '0.1.5', arch, key: key.key }))],
    ['another architecture', 'wrong-arch', async () => server.releases.set(`0.2.0/${arch}`, await buildRelease({ version: '0.2.0', arch: other, key: key.key }))],
    ['one that replaces only a later version', 'too-old', async () => server.releases.set(`0.2.0/${arch}`, await buildRelease({ version: '0.2.0', arch, key: key.key, replaces: '0.1.5' }))],
    ['one that cannot read this database', 'schema', async () => server.releases.set(`0.2.0/${arch}`, await buildRelease({ version: '0.2.0', arch, key: key.key, schema: { reads: [3, 3], writes: 3 } }))],
    ['a payload swapped for another (mix and match)', 'too-large', async () => server.releases.set(`0.2.0/${arch}`, { ...(await buildRelease({ version: '0.2.0', arch, key: key.key })), payload: big.payload })],
    [
      'a payload altered in one byte',
      'payload-hash',
      async () => {
        const r = await buildRelease({ version: '0.2.0', arch, key: key.key });
        const payload = Buffer.from(r.payload);
        payload[payload.length - 10]! ^= 1;
        server.releases.set(`0.2.0/${arch}`, { ...r, payload });
      },
    ],
    [
      'endless data',
      'too-large',
      async () => {
        server.releases.set(`0.2.0/${arch}`, await buildRelease({ version: '0.2.0', arch, key: key.key }));
        server.extraBytes = 1024 * 1024;
        server.ignoreRange = true;
      },
    ],
    [
      'an endless release.json',
      'too-large',
      async () => {
        const r = await buildRelease({ version: '0.2.0', arch, key: key.key });
        server.releases.set(`0.2.0/${arch}`, { ...r, manifest: Buffer.alloc(MAX_MANIFEST_BYTES + 1, 32) });
      },
    ],
  ])('%s: %s', async (_name, code, serve) => {
    await serve();
    const r = await rig();
    expect(await run(r, '0.2.0')).toMatchObject({ status: 'ok' });
    expect(refusedCode(r)).toBe(code);
    expect(r.events).toHaveLength(1);
    expect(await currentVersion(r.dir)).toBeNull();
    expect((await readState(r.dir)).trial).toBeNull();
    expect(r.restarts).toBe(0);
  });

  it('refuses the version running now and an older one, unless a signed rollback order allows the older', async () => {
    server.releases.set(`0.2.0/${arch}`, await buildRelease({ version: '0.2.0', arch, key: key.key }));
    server.releases.set(`0.3.0/${arch}`, await buildRelease({ version: '0.3.0', arch, key: key.key }));
    const r = await rig({ running: { version: '0.3.0', release: true } });
    await run(r, '0.3.0');
    await run(r, '0.2.0');
    expect(r.events.map((e) => /^refused [^:]+: ([a-z-]+):/u.exec(e)?.[1])).toEqual(['not-newer', 'not-newer']);
    await run(r, '0.2.0', true);
    expect(r.events.at(-1)).toBe('installed 0.2.0');
    expect((await readState(r.dir)).trial).toMatchObject({ version: '0.2.0', previous: '0.3.0' });
  });

  it('answers at once with a refusal when no release key is pinned, or a trial is running', async () => {
    const none = await rig({ releaseKeys: () => [] });
    expect(await none.updater.update(command('0.2.0'))).toMatchObject({ status: 'refused', detail: expect.stringMatching(/^unknown-key: no release key is pinned/u) });
    const busy = await rig();
    await updateState(busy.dir, (s) => (s.trial = { version: '0.1.9', previous: null, attempts: 1 }));
    expect(await busy.updater.update(command('0.2.0'))).toMatchObject({ status: 'refused', detail: expect.stringMatching(/^busy: release 0.1.9 is on trial/u) });
    expect([...none.events, ...busy.events].map((e) => e.split(':')[0])).toEqual(['refused 0.2.0', 'refused 0.2.0']);
  });
});
