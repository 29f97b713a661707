// The area's SummaryPublisher and the hub's HubService through a real hub Mosquitto: summaries lost with the broker
// (it restarted without persistence while the hub service was away) come back because the hub's receipt says what
// it lacks; and the controller started with `summary.enabled` and the hub's broker (the embedded-broker path)
// publishes its signed registry there by itself.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../controller/app/config.js';
import { DistrictController } from '../../controller/app/controller.js';
import { openControllerDb } from '../../controller/db/database.js';
import { emptyBatch, writeBatch } from '../../controller/fleet/ingest-batch.js';
import { HUB_USER } from '../../controller/province/bridge-conf.js';
import { ProvinceHub } from '../../controller/province/hub.js';
import { HubService } from '../../controller/province/hub-service.js';
import { SummaryPublisher } from '../../controller/province/publisher.js';
import { generateFleet } from '../../controller/reports/generate.js';
import { dayStart, parsePeriod, vnDay } from '../../controller/reports/period.js';
import type { SqliteDb } from '../../lib/sqlite.js';
import { encodeMessage, type DurableRecord } from '../../protocol/index.js';
import { publicKeyFromRaw, rawPublicKey } from '../../protocol/signed.js';
import { openSummary, summaryTopic } from '../../protocol/summary.js';
import type { RunningMosquitto } from '../support/mosquitto.js';
import { missing } from '../support/tools.js';
import { sleep, until } from '../support/wait.js';
import { areaPassword, client, HUB_PASSWORD, hubAccount, startHubBroker } from './brokers.js';

const AREA = 'khu-1';
const START = parsePeriod('2025-10').start;
const END = dayStart(vnDay(START) + 10);
const NOW = END + 2 * 3600;
const clock = (): number => NOW;

describe.skipIf(missing('mosquitto'))('summaries sent to the hub', () => {
  let dir: string;
  let broker: RunningMosquitto;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-publisher-'));
    broker = await startHubBroker(join(dir, 'broker'), [AREA], { persist: false });
    stops.push(() => broker.stop());
  });

  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
    await rm(dir, { recursive: true, force: true });
  });

  it('re-sends what the hub lacks when its receipt says so', async () => {
    const db: SqliteDb = await openControllerDb(join(dir, 'area.db'));
    stops.push(() => db.close());
    await generateFleet(db, { units: 2, unitsPerCommune: 2, start: START, end: END, seed: 7 });
    const { privateKey } = generateKeyPairSync('ed25519');
    const hub = await ProvinceHub.open({ dataDir: join(dir, 'hub'), clock });
    stops.push(() => hub.close());
    await hub.addArea({ id: AREA, name: 'Khu 1', publicKey: rawPublicKey(privateKey).toString('hex') });
    const hubBroker = { url: broker.url, username: HUB_USER, password: HUB_PASSWORD };
    let service = new HubService({ hub, broker: hubBroker, receiptDelayMs: 100, clientId: 'loa-hub-test' });
    await service.start();
    // The hub service goes away, its session stays at the broker: what the area sends now waits there for it.
    await service.stop();

    const publisher = new SummaryPublisher({ db, area: AREA, key: () => privateKey, hub: { ...hubBroker, username: AREA, password: areaPassword(AREA), caFile: null }, intervalSeconds: 3600, now: clock, resendAfterMs: 0 });
    const sent: string[] = [];
    publisher.on('published', ({ reason, out }) => sent.push(...out.map((s) => `${reason} ${s.day ?? 'registry'} v${s.version}`)));
    await publisher.start();
    stops.push(() => publisher.stop());
    const first = await publisher.pass().then(() => sent.filter((s) => s.startsWith('pass ')));
    expect(first.length).toBeGreaterThanOrEqual(10);
    // Given to the broker (a moment for the acknowledgements), then lost with it: it restarts with nothing on disk.
    await sleep(300);
    await broker.restart();
    service = new HubService({ hub, broker: hubBroker, receiptDelayMs: 100, clientId: 'loa-hub-test' });
    await service.start();
    stops.push(() => service.stop());
    expect((await hub.receipt(AREA)).days).toEqual({});

    // A late play corrects one day: that one summary reaches the hub, whose receipt then asks for all the rest.
    const unit = (await db.get<{ id: string; last: number }>('SELECT unit_id id, max(record) last FROM records GROUP BY unit_id ORDER BY unit_id LIMIT 1'))!;
    const clip = (await db.get<{ clip: string }>('SELECT clip FROM plays WHERE unit_id = ? LIMIT 1', [unit.id]))!.clip;
    const at = dayStart(vnDay(START) + 4) + 9 * 3600;
    const play: DurableRecord = { type: 'play', record: unit.last + 1, start: { time: at, source: 'gnss' }, clip, manifestVersion: 1, seconds: 30, outcome: 'completed', trigger: 'button', volume: 70, where: { lat: 19.9, lon: 105.9 } };
    const batch = emptyBatch();
    batch.frames.push({ unitId: unit.id, boot: 99, serverTime: NOW, records: [{ message: play, bytes: encodeMessage(play) }], live: [] });
    await db.transaction(() => writeBatch(db, batch));
    await until(() => publisher.pass().then(() => sent.some((s) => s.startsWith('pass ') && s.endsWith(' v2'))), 'the corrected day', 5000, 100);

    await until(async () => Object.keys((await hub.receipt(AREA)).days).length >= first.length - 1, `the hub to hold every day again (sent: ${sent.join(', ')})`, 15_000, 50);
    const receipt = await hub.receipt(AREA);
    expect(receipt.registry).toBe(1);
    expect(Object.values(receipt.days).filter((v) => v === 2)).toHaveLength(1);
    expect(sent.some((s) => s.startsWith('receipt '))).toBe(true);
    // Nothing refused: a re-sent summary the hub got meanwhile is a duplicate, counted and harmless.
    expect((await hub.counters()).filter((c) => c.outcome !== 'duplicate' && c.outcome !== 'stored')).toEqual([]);
  }, 30_000);

  it('is a feature of the controller: on the embedded broker it publishes straight to the hub', async () => {
    const config = validateControllerConfig({
      district: { id: AREA, name: 'Khu 1', origin: { lat: 19.9, lon: 105.9 } },
      dataDir: join(dir, 'data'),
      broker: { embedded: { port: 0 } },
      http: { port: 0 },
      summary: { enabled: true, hub: { url: broker.url, username: AREA, password: areaPassword(AREA) }, intervalSeconds: 600 },
    });
    const controller = new DistrictController({ config, clock: () => NOW * 1000 });
    await controller.start();
    stops.push(() => controller.stop());
    expect(controller.features).toContainEqual({ name: 'province-summaries', ok: true });

    const hubClient = await client(broker.url, { ...hubAccount, clientId: 'hub-reader' });
    stops.push(() => hubClient.endAsync(true));
    const got: Buffer[] = [];
    hubClient.on('message', (_t, payload) => got.push(payload));
    await hubClient.subscribeAsync(summaryTopic(AREA, 'registry'), { qos: 1 });
    await until(() => got.length > 0, 'the retained registry summary at the hub', 10_000);
    const key = publicKeyFromRaw(Buffer.from(controller.districtPublicKeyHex, 'hex'));
    const opened = openSummary(got[0]!, (a) => (a === AREA ? [key] : undefined));
    expect([opened.area, opened.kind, opened.version]).toEqual([AREA, 'registry', 1]);
  }, 30_000);
});
