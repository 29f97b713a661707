// The province roll-up for real on loopback (issue 17): a hub Mosquitto with the hub (ProvinceHub, in-process) and
// its MQTT service; five areas, each with its own generated fleet and SummaryPublisher. Areas 1–4 publish to their
// own Mosquitto, bridged to the hub's (area 3 through a link that is cut for a while, its Mosquitto restarted
// during the cut); area 5 is a controller on the embedded broker, whose publisher sends straight to the hub's
// broker. Late records change days already summarised in two areas (one behind the cut): the uncut one's version 2
// arrives at once, the cut one's when the link comes back. Then the hub's report of every area equals the area's
// own, the province's additive figures are the exact sums, and forged, misdirected and replayed summaries are
// refused, counted, and change nothing. The clock is fixed (15 November 2025, 02:00 in Vietnam), whatever the
// machine's date.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkCut } from '../../cli/demo/link-cut.js';
import { openControllerDb } from '../../controller/db/database.js';
import { emptyBatch, writeBatch } from '../../controller/fleet/ingest-batch.js';
import type { SealedOut } from '../../controller/province/area-summary.js';
import { HUB_USER } from '../../controller/province/bridge-conf.js';
import { ProvinceHub } from '../../controller/province/hub.js';
import { HubService } from '../../controller/province/hub-service.js';
import { SummaryPublisher } from '../../controller/province/publisher.js';
import { round } from '../../controller/reports/aggregate.js';
import { computeReport } from '../../controller/reports/compute.js';
import { generateFleet } from '../../controller/reports/generate.js';
import { dayStart, parsePeriod, vnDay, type Period } from '../../controller/reports/period.js';
import type { Figures, Report } from '../../controller/reports/report.js';
import type { SqliteDb } from '../../lib/sqlite.js';
import { encodeMessage, type DurableRecord } from '../../protocol/index.js';
import { rawPublicKey } from '../../protocol/signed.js';
import { sealSummary, summaryTopic } from '../../protocol/summary.js';
import type { RunningMosquitto } from '../support/mosquitto.js';
import { missing } from '../support/tools.js';
import { sleep, until } from '../support/wait.js';
import { areaPassword, client, controllerAccount, HUB_PASSWORD, startAreaBroker, startHubBroker } from './brokers.js';

const october = parsePeriod('2025-10');
const quarter = parsePeriod('2025-Q4');
const GENERATED = { start: october.start, end: dayStart(vnDay(october.start) + 45) }; // 1 Oct – 14 Nov
const NOW = GENERATED.end + 2 * 3600; // 14 November is over by the rollup's settling hour
const clock = (): number => NOW;
/** Registered at the hub's broker (it has an account) but not at the hub: its summaries are an unknown area's. */
const STRANGER = 'khu-la';

interface Area {
  id: string;
  key: KeyObject;
  db: SqliteDb;
  broker: RunningMosquitto | null;
  client: MqttClient | null;
  publisher: SummaryPublisher;
  /** Every summary its publisher sent, by topic and version. */
  sent: SealedOut[];
}

let dir: string;
let hubBroker: RunningMosquitto;
let hub: ProvinceHub;
let service: HubService;
let link: LinkCut;
const areas: Area[] = [];
const started = performance.now();

const ids = [1, 2, 3, 4, 5].map((i) => `khu-${i}`);
const CUT = 'khu-3';
const EMBEDDED = 'khu-5';

async function makeArea(i: number): Promise<Area> {
  const id = ids[i]!;
  const adir = join(dir, id);
  await mkdir(adir, { recursive: true });
  const db = await openControllerDb(join(adir, 'controller.db'));
  await generateFleet(db, { units: 3 + (i % 2), unitsPerCommune: 2, ...GENERATED, seed: 100 + i, idPrefix: `k${i + 1}-`, codeBase: 16_000 + 100 * i });
  const { privateKey } = generateKeyPairSync('ed25519');
  await hub.addArea({ id, name: `Khu vực ${i + 1}`, provinceCode: '38', publicKey: rawPublicKey(privateKey).toString('hex') });
  let broker: RunningMosquitto | null = null;
  let own: MqttClient | null = null;
  const common = { db, area: id, key: () => privateKey, intervalSeconds: 3600, now: clock, windowDays: 62 };
  let publisher: SummaryPublisher;
  if (id === EMBEDDED) {
    publisher = new SummaryPublisher({ ...common, hub: { url: hubBroker.url, username: id, password: areaPassword(id), caFile: null } });
  } else {
    broker = await startAreaBroker(adir, id, id === CUT ? link.port : hubBroker.port);
    own = await client(broker.url, { ...controllerAccount, clientId: `loa-controller-${id}` });
    publisher = new SummaryPublisher({ ...common, client: own });
  }
  const area: Area = { id, key: privateKey, db, broker, client: own, publisher, sent: [] };
  publisher.on('published', ({ out }) => area.sent.push(...out));
  publisher.on('failed', (err) => console.error(`${id}: ${err.message}`));
  return area;
}

/** What the hub holds of an area, as its receipt says: `registry` and `YYYY-MM-DD` → version. */
async function held(id: string): Promise<Map<string, number>> {
  const r = await hub.receipt(id);
  return new Map([['registry', r.registry], ...Object.entries(r.days)]);
}

/** The newest version of each summary an area sent. */
function latestSent(a: Area): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of a.sent) m.set(s.day ?? 'registry', Math.max(s.version, m.get(s.day ?? 'registry') ?? 0));
  return m;
}

async function hubHoldsAllSent(a: Area): Promise<boolean> {
  const h = await held(a.id);
  return [...latestSent(a)].every(([k, v]) => h.get(k) === v);
}

/** Records as ingest stores them (records and their rows in one transaction, `server_time` = now). */
async function late(db: SqliteDb, day: number): Promise<void> {
  const unit = (await db.get<{ id: string; last: number }>('SELECT unit_id id, max(record) last FROM records GROUP BY unit_id ORDER BY unit_id LIMIT 1'))!;
  const clip = (await db.get<{ clip: string }>('SELECT clip FROM plays WHERE unit_id = ? LIMIT 1', [unit.id]))!.clip;
  const at = dayStart(day) + 9 * 3600;
  const records: DurableRecord[] = [
    { type: 'play', record: unit.last + 1, start: { time: at, source: 'gnss' }, clip, manifestVersion: 1, seconds: 61.5, outcome: 'completed', trigger: 'button', volume: 70, where: { lat: 19.93, lon: 105.88 } },
    { type: 'event', record: unit.last + 2, at: { time: at + 30, source: 'gnss' }, kind: 'fault', code: 'audio', detail: 'fault audio' },
  ];
  const batch = emptyBatch();
  batch.frames.push({ unitId: unit.id, boot: 99, serverTime: NOW, records: records.map((message) => ({ message, bytes: encodeMessage(message) })), live: [] });
  await db.transaction(() => writeBatch(db, batch));
}

const dayText = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
const LATE_DAY = vnDay(october.start) + 14; // 15 October, summarised in the first pass

describe.skipIf(missing('mosquitto'))('five areas bridged to a province hub over real Mosquittos', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-bridges-'));
    hubBroker = await startHubBroker(join(dir, 'hub-broker'), [...ids, STRANGER]);
    link = new LinkCut('127.0.0.1', hubBroker.port);
    await link.start();
    hub = await ProvinceHub.open({ dataDir: join(dir, 'hub'), clock });
    service = new HubService({ hub, broker: { url: hubBroker.url, username: HUB_USER, password: HUB_PASSWORD }, receiptDelayMs: 200, clientId: 'loa-hub-test' });
    await service.start();
    for (let i = 0; i < ids.length; i++) areas.push(await makeArea(i));
  }, 60_000);

  afterAll(async () => {
    for (const a of areas) {
      await a.publisher.stop();
      await a.client?.endAsync(true);
      await a.broker?.stop();
      await a.db.close();
    }
    await service?.stop();
    await hub?.close();
    await link?.stop();
    await hubBroker?.stop();
    await rm(dir, { recursive: true, force: true });
    console.log(`[bridges] wall time ${Math.round(performance.now() - started)} ms`);
  });

  const area = (id: string): Area => areas.find((a) => a.id === id)!;

  it('brings every summarised day of every area to the hub', async () => {
    for (const a of areas) await a.publisher.start();
    for (const a of areas) await a.publisher.pass(); // after the first pass that start() began
    for (const a of areas) {
      const days = a.sent.filter((s) => s.kind === 'day');
      expect(days.length, a.id).toBeGreaterThanOrEqual(40);
      expect(days.every((s) => s.version === 1)).toBe(true);
    }
    await until(async () => (await Promise.all(areas.map(hubHoldsAllSent))).every(Boolean), 'the hub to hold every area\'s summaries', 20_000, 50);
  }, 30_000);

  it("holds back the cut area's correction until its link comes back, and takes the other at once", async () => {
    link.cut();
    await late(area('khu-1').db, LATE_DAY);
    await late(area(CUT).db, LATE_DAY + 5);
    const one = await area('khu-1').publisher.pass();
    const cut = await area(CUT).publisher.pass();
    expect(one.map((s) => [s.day, s.version])).toEqual([[dayText(LATE_DAY), 2]]);
    expect(cut.map((s) => [s.day, s.version])).toEqual([[dayText(LATE_DAY + 5), 2]]);
    await until(async () => (await held('khu-1')).get(dayText(LATE_DAY)) === 2, 'version 2 of khu-1 at the hub', 5000, 20);
    await sleep(500);
    expect((await held(CUT)).get(dayText(LATE_DAY + 5))).toBe(1);
    // The cut area's Mosquitto restarts meanwhile: the bridge's queue is saved at exit and read back.
    await area(CUT).broker!.restart();
    link.restore();
    await until(async () => (await held(CUT)).get(dayText(LATE_DAY + 5)) === 2, `version 2 of ${CUT} after the link came back`, 10_000, 50);
  }, 20_000);

  let areaReports: Map<string, Map<string, Report>>;

  it('reports every area as the area reports itself, for a whole month and the quarter', async () => {
    areaReports = new Map();
    for (const period of [october, quarter]) {
      const own = new Map<string, Report>();
      for (const a of areas) {
        const mine = await computeReport(a.db, { period, now: NOW, clock });
        expect(mine.totals.plays, `${a.id} ${period.id}`).toBeGreaterThan(0);
        expect(without(await hub.areaReport(a.id, { period, now: NOW })), `${a.id} ${period.id}`).toEqual(without(mine));
        own.set(a.id, mine);
      }
      areaReports.set(period.id, own);
    }
  }, 30_000);

  it("sums the province's additive figures exactly", async () => {
    for (const period of [october, quarter]) {
      const own = [...areaReports.get(period.id)!.values()];
      const p = await hub.provinceReport({ period, now: NOW });
      expect(p.areas.map((a) => a.areaId)).toEqual(ids);
      expectSums(p.totals, own.map((r) => r.totals));
      expect(p.ranking.length).toBe(own.reduce((n, r) => n + r.ranking.length, 0));
    }
  });

  it('refuses and counts a forged, an unknown, a misdirected and a replayed summary, and changes nothing', async () => {
    const before = await hub.provinceReport({ period: quarter, now: NOW });
    const one = area('khu-1');
    const two = area('khu-2');
    const day = dayText(LATE_DAY);
    // Signed by another area's key, on khu-1's own topic, through khu-1's bridge.
    const forged = sealSummary({ area: one.id, kind: 'day', day, version: 9, madeAt: NOW }, { day }, two.key);
    await one.client!.publishAsync(summaryTopic(one.id, 'day', day), forged, { qos: 1 });
    // khu-2's real summary on khu-1's topic.
    const theirs = two.sent.find((s) => s.kind === 'day')!;
    await one.client!.publishAsync(summaryTopic(one.id, 'day', theirs.day!), theirs.bytes, { qos: 1 });
    // Version 1 of the day khu-1 corrected, sent again.
    const v1 = one.sent.find((s) => s.day === day && s.version === 1)!;
    await one.client!.publishAsync(v1.topic, v1.bytes, { qos: 1 });
    // An area with an account at the broker that the hub does not know.
    const { privateKey } = generateKeyPairSync('ed25519');
    const stranger = await client(hubBroker.url, { username: STRANGER, password: areaPassword(STRANGER), clientId: `loa-area-${STRANGER}` });
    await stranger.publishAsync(summaryTopic(STRANGER, 'day', day), sealSummary({ area: STRANGER, kind: 'day', day, version: 1, madeAt: NOW }, { day }, privateKey), { qos: 1 });
    await stranger.endAsync();

    const want = [
      ['khu-1', 'bad-signature'],
      ['khu-1', 'area-mismatch'],
      ['khu-1', 'older'],
      [STRANGER, 'unknown-area'],
    ];
    const counted = async (): Promise<boolean> => {
      const c = await hub.counters();
      return want.every(([a, o]) => c.some((x) => x.area === a && x.outcome === o && x.n >= 1));
    };
    await until(counted, `the hub to count ${want.map((w) => w.join(' ')).join(', ')}: ${JSON.stringify(await hub.counters())}`, 10_000, 50);
    const after = await hub.provinceReport({ period: quarter, now: NOW });
    expect(withoutTimes(after)).toEqual(withoutTimes(before));
    for (const a of areas) expect(without(await hub.areaReport(a.id, { period: quarter, now: NOW }))).toEqual(without(areaReports.get(quarter.id)!.get(a.id)!));
  }, 20_000);
});

const without = (r: Report): Omit<Report, 'generatedAt'> => {
  const { generatedAt: _t, ...rest } = r;
  return rest;
};
const withoutTimes = (p: { generatedAt: number; areas: { report: Report }[] }): unknown => ({ ...p, generatedAt: 0, areas: p.areas.map((a) => ({ ...a, report: without(a.report) })) });

/** Each additive figure of `total` is the sum of the areas' (decimals as printed, H5's province-report.ts). */
function expectSums(total: Figures, parts: readonly Figures[]): void {
  const sum = (pick: (f: Figures) => number): number => parts.reduce((n, f) => n + pick(f), 0);
  const whole: [string, (f: Figures) => number][] = [
    ['units', (f) => f.units],
    ['sessions', (f) => f.sessions],
    ['plays', (f) => f.plays],
    ['distinctClips', (f) => f.distinctClips],
    ['activeUnitDays', (f) => f.activeUnitDays],
    ['areasReached', (f) => f.areasReached],
    ['offlineDays', (f) => f.offlineDays],
    ['daysCounted', (f) => f.daysCounted],
    ['faults', (f) => f.faults],
    ['amplifierEstimatedUnits', (f) => f.amplifierEstimatedUnits],
    ['battery.samples', (f) => f.battery.samples],
    ['battery.daysBelow30', (f) => f.battery.daysBelow30],
    ['energy.days', (f) => f.energy.days],
    ['energy.reserveDays', (f) => f.energy.reserveDays],
  ];
  for (const [name, pick] of whole) expect(pick(total), name).toBe(sum(pick));
  expect(total.broadcastSeconds).toBe(round(sum((f) => f.broadcastSeconds), 1));
  expect(total.amplifierSeconds).toBe(round(sum((f) => f.amplifierSeconds), 1));
  expect(total.km).toBe(round(sum((f) => f.km), 2));
  expect(total.communesReached.length).toBe(sum((f) => f.communesReached.length));
  expect(total.plays).toBeGreaterThan(0);
}
