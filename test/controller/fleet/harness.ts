// A small district for the controller tests: a real SQLite file in a temp folder, the registry with two communes,
// three carts, and a test cart that speaks the protocol over mqtt.js.
import type { KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { SqliteDb } from '../../../lib/sqlite.js';
import {
  decodeFrame,
  encodeFrame,
  openSigned,
  publicKeyFromRaw,
  STATUS_OFFLINE,
  STATUS_ONLINE,
  unitTopic,
  type Command,
  type Message,
} from '../../../protocol/index.js';
import { openControllerDb } from '../../../controller/db/database.js';
import { DistrictFramer } from '../../../controller/fleet/district-frames.js';
import { FleetRegistry, type Unit } from '../../../controller/fleet/registry.js';
import { TEST_DISTRICT_PUBLIC } from '../../../tools/vector-cases.js';

export { sleep, until } from '../../support/wait.js';

export const DISTRICT = 'yen-dinh';
/** 2026-11-29 08:00:00 +07:00 */
export const T = 1_795_914_000;
export const CONTROLLER = { username: 'loa_controller', password: 'controller-secret-1' };

export interface Fleet {
  dir: string;
  db: SqliteDb;
  registry: FleetRegistry;
  framer: DistrictFramer;
  carts: Record<'a' | 'b' | 'c', { unit: Unit; password: string }>;
  close(): Promise<void>;
}

export async function makeFleet(): Promise<Fleet> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-ctl-'));
  const db = await openControllerDb(join(dir, 'controller.db'));
  const registry = new FleetRegistry({ db });
  await registry.addCommune({ id: 'dan-luc', name: 'Xã Dân Lực' });
  await registry.addCommune({ id: 'dinh-tan', name: 'Xã Định Tân' });
  await registry.addTeam({ id: 'dan-luc-ttt', commune: 'dan-luc', name: 'Tổ tuyên truyền Dân Lực' });
  await registry.addTeam({ id: 'dinh-tan-ttt', commune: 'dinh-tan', name: 'Tổ tuyên truyền Định Tân' });
  const a = await registry.addUnit({ id: 'dan-luc-01', commune: 'dan-luc', team: 'dan-luc-ttt', profile: 'pi-zero-2w' });
  const b = await registry.addUnit({ id: 'dan-luc-02', commune: 'dan-luc', team: 'dan-luc-ttt', profile: 'pi-zero-2w' });
  const c = await registry.addUnit({ id: 'dinh-tan-01', commune: 'dinh-tan', team: 'dinh-tan-ttt', profile: 'pi-4' });
  return {
    dir,
    db,
    registry,
    framer: new DistrictFramer({ boot: 5 }),
    carts: { a, b, c },
    async close() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function controllerClient(url: string, clientId = `controller-${Math.random().toString(16).slice(2, 8)}`): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 4, clientId, ...CONTROLLER, reconnectPeriod: 0, connectTimeout: 3000 });
}

/** The district a test cart speaks to, and the district key it opens signed commands with. */
export interface CartDistrict {
  district: string;
  districtPublicKeyHex: string;
}

/**
 * A cart as the tests need it: frames tagged with its key (fixes from its registered origin), acks and commands read
 * from its down topic.
 */
export class TestCart {
  readonly acked = new Set<number>();
  readonly ackFrames: [number, number][][] = [];
  seq = 0;
  #record = 0;
  readonly #district: string;
  readonly #districtKey: KeyObject;
  readonly #signedCommands: Buffer[] = [];

  private constructor(
    readonly client: MqttClient,
    readonly unit: Unit,
    district: CartDistrict,
  ) {
    this.#district = district.district;
    this.#districtKey = publicKeyFromRaw(Buffer.from(district.districtPublicKeyHex, 'hex'));
    client.on('message', (_topic, payload) => {
      for (const m of decodeFrame(payload, unit.key).messages) {
        if (m.type === 'ack') {
          this.ackFrames.push(m.ranges);
          for (const [first, last] of m.ranges) for (let n = first; n <= last; n++) this.acked.add(n);
        } else if (m.type === 'command') {
          this.#signedCommands.push(Buffer.from(m.signed));
        }
      }
    });
  }

  /** Connects as `cart`, online with a will like a real cart's; by default to this district with the published test key. */
  static async connect(
    url: string,
    cart: { unit: Unit; password: string },
    { district = DISTRICT, districtPublicKeyHex = TEST_DISTRICT_PUBLIC }: Partial<CartDistrict> = {},
  ): Promise<TestCart> {
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      clientId: cart.unit.id,
      username: cart.unit.id,
      password: cart.password,
      reconnectPeriod: 0,
      connectTimeout: 3000,
      will: { topic: unitTopic(district, cart.unit.id, 'status'), payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true },
    });
    await client.subscribeAsync(unitTopic(district, cart.unit.id, 'down'), { qos: 1 });
    await client.publishAsync(unitTopic(district, cart.unit.id, 'status'), STATUS_ONLINE, { qos: 1, retain: true });
    return new TestCart(client, cart.unit, { district, districtPublicKeyHex });
  }

  /**
   * The commands received so far. They are opened here, where a test reads them, not as they arrive: a command signed
   * by another key then fails the test that reads it instead of throwing inside the MQTT client.
   */
  get commands(): Command[] {
    return this.#signedCommands.flatMap((signed) => {
      const { body } = openSigned(signed, [this.#districtKey]);
      return body.type === 'command' ? [body.command] : [];
    });
  }

  /** The next record number. */
  nextRecord(): number {
    return ++this.#record;
  }

  frame(messages: Message[], key: Buffer = this.unit.key): Buffer {
    return encodeFrame({ kind: 'unit', unit: this.unit.number, boot: 1, seq: this.seq++, messages }, key, { origin: this.unit.origin });
  }

  async send(messages: Message[], key?: Buffer): Promise<void> {
    await this.client.publishAsync(unitTopic(this.#district, this.unit.id, 'up'), this.frame(messages, key), { qos: 1 });
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

export function play(record: number, start = T + record * 60): Message {
  return { type: 'play', record, start: { time: start, source: 'gnss' }, clip: 'c-0042', manifestVersion: 3, seconds: 93.4, outcome: 'completed', trigger: 'button', volume: 60 };
}

export async function count(db: SqliteDb, sql: string, params: (string | number)[] = []): Promise<number> {
  const row = await db.exclusive(() => db.get<{ n: number }>(sql, params));
  return row?.n ?? 0;
}

export async function counter(db: SqliteDb, name: string): Promise<number> {
  return count(db, 'SELECT coalesce(sum(count), 0) AS n FROM ingest_counters WHERE name = ?', [name]);
}
