// Builds an uplink with in-memory storage and the published test keys, and collects what it hands the cart.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { privateKeyFromSeed, type Announcement, type Command, type CommandResult } from '../../../protocol/index.js';
import { TEST_DISTRICT_SEED, TEST_UNIT_KEY } from '../../../tools/vector-cases.js';
import { Uplink, type UplinkOptions } from '../../../device/link/uplink.js';
import type { LinkTransport } from '../../../device/link/transport.js';
import { FakeDistrict } from './fake-district.js';
import { gnssStamp, MemoryOutbox, MemoryUplinkState } from './memory-store.js';

export { until } from '../../support/wait.js';

export const DISTRICT = 'thach-thanh';
export const UNIT = { number: 7, name: 'xe-loa-07' };
/** The district origin of the test cart's bundle: the fake district reads its fixes from the same one. */
export const ORIGIN = { lat: 19.82, lon: 105.6 };
export const districtKey = privateKeyFromSeed(TEST_DISTRICT_SEED);
export const districtPublic = createPublicKey(districtKey);
export const strangerKey = generateKeyPairSync('ed25519').privateKey;

export interface Harness {
  uplink: Uplink;
  outbox: MemoryOutbox;
  state: MemoryUplinkState;
  obeyed: Command[];
  results: Omit<CommandResult, 'record'>[];
  announcements: Announcement[];
}

export function makeUplink(transport: LinkTransport, overrides: Partial<UplinkOptions> = {}): Harness {
  const outbox = new MemoryOutbox();
  const state = new MemoryUplinkState();
  const obeyed: Command[] = [];
  const results: Omit<CommandResult, 'record'>[] = [];
  const announcements: Announcement[] = [];
  const uplink = new Uplink({
    transport,
    unit: UNIT,
    district: DISTRICT,
    unitKey: TEST_UNIT_KEY,
    boot: 5,
    districtKeys: [districtPublic],
    origin: ORIGIN,
    outbox,
    state,
    onCommand: (cmd) => {
      obeyed.push(cmd);
      return Promise.resolve({ status: 'ok', detail: `did ${cmd.action}` });
    },
    recordResult: (r) => {
      // As the cart does: the result becomes a durable record in the outbox.
      results.push(r);
      outbox.add((record) => ({ ...r, record }));
      return Promise.resolve();
    },
    onAnnouncement: (a) => announcements.push(a),
    stamp: gnssStamp,
    ...overrides,
  });
  return { uplink, outbox, state, obeyed, results, announcements };
}

export function makeDistrict(send: (bytes: Buffer) => Promise<void>, ackDelayMs = 0): FakeDistrict {
  return new FakeDistrict({ unitKey: TEST_UNIT_KEY, unit: UNIT.number, origin: ORIGIN, signingKey: districtKey, send, ackDelayMs });
}
