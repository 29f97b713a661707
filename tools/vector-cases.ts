/**
 * The inputs of the published test vectors in protocol/vectors/ (SPEC.md §8), as values: tools/vector-files.ts
 * encodes them into the `frame-*`, `signed-*` and `summary-*` files. Keys are public test keys: never use them on a
 * real cart. The unit key is the bytes 00..1f; the district key is RFC 8032's first Ed25519 test key, the other key
 * its second.
 */
import { createHash } from 'node:crypto';
import { privateKeyFromSeed, signObject, type FixContext, type Frame, type Manifest, type ReplayState, type SignedBody } from '../protocol/index.js';
import type { SummaryHeader, SummaryReceipt } from '../protocol/summary.js';

export const TEST_UNIT_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
export const TEST_DISTRICT_SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
export const TEST_DISTRICT_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
/** RFC 8032 section 7.1 TEST 2: the key that is NOT the district's, for the vectors a cart must refuse. */
export const TEST_OTHER_SEED = Buffer.from('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', 'hex');
export const TEST_OTHER_PUBLIC = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c';

/** 2026-11-29 08:00:00 +07:00 */
const T = 1_795_914_000;

/** The district origin of the vectors' fixes (Triệu Sơn), and the receiver clock they are read with. */
export const TEST_FIX_CONTEXT = { origin: { lat: 19.82, lon: 105.6 }, now: T + 5 };
const head = { kind: 'unit' as const, unit: 7, boot: 42, seq: 1000 };

export const liveTelemetry = {
  type: 'telemetry' as const,
  batteryMv: 12_650,
  batteryMa: -850,
  solarMv: 18_200,
  solarMa: 420,
  soc: 78,
  state: { amplifierOn: true, relayOn: true, player: 'playing' as const },
  volume: 60,
};

export const liveFix = {
  type: 'fix' as const,
  time: T,
  lat: 19.8795123,
  lon: 105.6012345,
  speed: 1.2,
  course: 87,
  hdop: 0.9,
  satellites: 11,
  quality: 'gps' as const,
};

export const frameCases: Record<string, Frame> = {
  hello: {
    ...head,
    seq: 0,
    messages: [{ type: 'hello', record: 500, firmware: '0.1.0', manifestVersion: 12, capabilities: ['relay', 'buttons', 'audio', 'volume', 'gnss', 'power-board', 'mqtt'], bootTime: { time: T, source: 'gnss' } }],
  },
  'telemetry-full': {
    ...head,
    messages: [{ ...liveTelemetry, runtime: { uptimeS: 3600, amplifierS: 1200, audioS: 1100 }, faults: ['gnss'], outboxDepth: 3, sync: { manifestVersion: 12, clipsMissing: 0, bytesToGo: 0 } }],
  },
  'telemetry-and-fix': { ...head, messages: [liveTelemetry, liveFix] },
  // The energy group (SPEC 0x02 bit 11): 1 h 20 min left at the current volume, charging, health learned; then one
  // not charging, with a capped forecast and health not learned yet.
  'telemetry-energy': {
    ...head,
    messages: [
      { ...liveTelemetry, energy: { minutesLeft: 80, minutesLeftNoSun: 55, reserveMinutes: 15, minutesToFull: 130, healthPercent: 86 } },
      { type: 'telemetry', energy: { minutesLeft: 1440, minutesLeftNoSun: 300, reserveMinutes: 0, minutesToFull: null, healthPercent: null } },
    ],
  },
  'fix-no-hdop': { ...head, messages: [{ ...liveFix, hdop: undefined, quality: 'none', satellites: 0, speed: 0, course: 0 }] },
  play: {
    ...head,
    messages: [
      { type: 'play', record: 501, start: { time: T + 60, source: 'gnss' }, clip: 'c-0042', manifestVersion: 12, seconds: 93.4, outcome: 'completed', trigger: 'button', volume: 60, where: { lat: 19.8795123, lon: 105.6012345 } },
      { type: 'play', record: 502, start: { time: T + 200, source: 'estimated' }, clip: 'c-0043', manifestVersion: 12, seconds: 12, outcome: 'blocked', trigger: 'schedule', volume: 40 },
    ],
  },
  event: {
    ...head,
    messages: [{ type: 'event', record: 503, at: { time: T + 300, source: 'system' }, kind: 'block', code: 'quiet-zone', detail: 'Trường THCS Dân Lực: âm lượng giới hạn 30 %' }],
  },
  track: {
    ...head,
    messages: [
      {
        type: 'track',
        record: 504,
        source: 'gnss',
        points: [
          { time: T, lat: 19.8795123, lon: 105.6012345 },
          { time: T + 30, lat: 19.8797, lon: 105.6015 },
          { time: T + 60, lat: 19.88, lon: 105.6019 },
        ],
      },
    ],
  },
  'command-result': {
    ...head,
    messages: [{ type: 'command-result', record: 505, at: { time: T + 400, source: 'gnss' }, counter: 17, status: 'expired', detail: 'expired 2026-11-29T01:05:00Z' }],
  },
  'ack-down': { kind: 'district', unit: 7, boot: 3, seq: 77, messages: [{ type: 'ack', ranges: [[500, 505], [510, 510]] }] },
  'unknown-type-skipped': {
    ...head,
    messages: [{ type: 'unknown', code: 0x7e, payload: Buffer.from('0102030405', 'hex') }, liveTelemetry],
  },
  'telemetry-batch-10': {
    ...head,
    messages: Array.from({ length: 10 }, (_, i) => ({ ...liveTelemetry, batteryMv: 12_650 - i * 3, batteryMa: -850 - i })),
  },
  'unknown-bits': {
    ...head,
    messages: [
      { type: 'hello', record: 506, firmware: '0.3.0', manifestVersion: 12, capabilities: ['relay', 'gnss', 'bit9'], bootTime: { time: T, source: 'system' } },
      { type: 'telemetry', faults: ['gnss', 'bit12'] },
    ],
  },
  'varint-5-bytes': {
    kind: 'unit',
    unit: 7,
    boot: 0xffff_ffff,
    seq: 2 ** 28,
    messages: [{ type: 'event', record: 4_000_000_000, at: { time: T, source: 'gnss' }, kind: 'info', code: 'big', detail: '' }],
  },
  'wrong-direction': { ...head, messages: [{ type: 'ack', ranges: [[1, 2]] }, liveTelemetry] },
  'track-across-180': {
    ...head,
    messages: [{ type: 'track', record: 507, source: 'gnss', points: [{ time: T, lat: -16.5, lon: 179.9999 }, { time: T + 60, lat: -16.5, lon: -179.9999 }] }],
  },
};

/** What a frame vector shows, beyond its messages: the `what` line of its file (SPEC §1, §2.1, §4). */
export const frameNotes: Record<string, string> = {
  'unknown-bits': 'a capability bit (9) and a fault bit (12) past their tables, kept as bit<n>',
  'varint-5-bytes': 'boot 2^32−1, seq 2^28 and record 4,000,000,000: varints of 5 bytes',
  'track-across-180': 'a track step across ±180°: Δlongitude wraps modulo 2^32, a 5-byte svarint',
  'wrong-direction': 'an ack (district → unit) in a unit\'s frame: decoded, then skipped by the district',
  'fix-time-wraps': 'two fixes read at a receiver clock where the 16-bit time wraps: 3 s before it, and 1 s after it',
  'fix-no-origin': 'a fix from a cart without a district origin: offsets from 0, 0, 5 bytes each',
  'replay-window-edge': 'seq 1000 when the highest accepted is 1063: 63 below, the lowest the replay window takes',
  'boot-0': 'boot 0, seq 0 at a receiver in the start state: accepted',
};

/** The low 16 bits of the fix time wrap here, 9 h 36 min after T. */
const WRAP = Math.ceil(T / 65_536) * 65_536;

/** The replay state a receiver starts from (SPEC §2.1): the first frame is accepted whatever its (boot, seq). */
export const START_REPLAY_STATE: ReplayState = { boot: 0, top: -1, seen: '0' };

/**
 * Frames read with their own context: a fix with another origin or receiver clock than TEST_FIX_CONTEXT's, or a
 * receiver whose replay state (SPEC §2.1) is given and accepts the frame.
 */
export const contextCases: Record<string, { frame: Frame; context?: FixContext; replayState?: ReplayState }> = {
  // Two fixes read at WRAP: one 3 s before it (low bits 65533), one 1 s after it (low bits 1, the sender's clock ahead).
  'fix-time-wraps': { frame: { ...head, messages: [{ ...liveFix, time: WRAP - 3 }, { ...liveFix, time: WRAP + 1 }] }, context: { origin: TEST_FIX_CONTEXT.origin, now: WRAP } },
  'fix-no-origin': { frame: { ...head, messages: [liveFix] }, context: { origin: { lat: 0, lon: 0 }, now: T + 5 } },
  'replay-window-edge': { frame: { ...head, messages: [liveTelemetry] }, replayState: { boot: 42, top: 1063, seen: '1' } },
  'boot-0': { frame: { ...head, boot: 0, seq: 0, messages: [liveTelemetry] }, replayState: START_REPLAY_STATE },
};

const manifest: Manifest = {
  district: 'trieu-son',
  version: 12,
  issued: T,
  expires: T + 30 * 86_400,
  targets: [{ kind: 'district', id: 'trieu-son' }],
  clips: [
    { id: 'c-0042', sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', size: 1_440_044, durationMs: 45_000, priority: 'ordinary', title: 'Phòng chống lừa đảo qua mạng', validFrom: 0, validUntil: 0, targets: [] },
    { id: 'c-0043', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', size: 44, durationMs: 0, priority: 'emergency', title: 'Cảnh báo bão số 5', validFrom: T, validUntil: T + 86_400, targets: [{ kind: 'commune', id: 'dan-luc' }] },
  ],
};

/** SHA-256 and size of an object as the district key signs it (Ed25519 is deterministic, so this is exact). */
function hashOf(body: SignedBody): { sha256: string; size: number } {
  const bytes = signObject(body, privateKeyFromSeed(TEST_DISTRICT_SEED));
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

export const signedCases: Record<string, SignedBody> = {
  'command-set-volume': { type: 'command', command: { unit: 7, counter: 17, issued: T, expires: T + 300, action: 'set-volume', volume: 55 } },
  'command-play-clip': { type: 'command', command: { unit: 7, counter: 18, issued: T, expires: T + 300, action: 'play-clip', clip: 'c-0042' } },
  'command-set-config': {
    type: 'command',
    command: { unit: 7, counter: 19, issued: T, expires: T + 300, action: 'set-config', version: 3, document: '{"player":{"initialVolume":55}}' },
  },
  'command-update': { type: 'command', command: { unit: 7, counter: 20, issued: T, expires: T + 86_400, action: 'update', version: '0.2.0', rollback: false } },
  'command-stop': { type: 'command', command: { unit: 7, counter: 21, issued: T, expires: T + 300, action: 'stop' } },
  'command-sync-now': { type: 'command', command: { unit: 7, counter: 22, issued: T, expires: T + 300, action: 'sync-now' } },
  'command-reboot': { type: 'command', command: { unit: 7, counter: 23, issued: T, expires: T + 300, action: 'reboot' } },
  manifest: { type: 'manifest', manifest },
  // The announcement of the manifest above: its SHA-256 and size are those of signed-manifest's bytes.
  announcement: { type: 'announcement', announcement: { district: 'trieu-son', version: manifest.version, ...hashOf({ type: 'manifest', manifest }) } },
  // Targets of every kind: the manifest's for one team and one cart, a clip's for one other cart.
  'manifest-targets': {
    type: 'manifest',
    manifest: {
      ...manifest,
      version: 13,
      targets: [{ kind: 'team', id: 'to-dan-luc' }, { kind: 'unit', id: 'dan-luc-01' }],
      clips: [manifest.clips[0]!, { ...manifest.clips[1]!, targets: [{ kind: 'unit', id: 'dan-luc-02' }] }],
    },
  },
  'key-rotation': { type: 'key-rotation', rotation: { district: 'trieu-son', newKey: TEST_OTHER_PUBLIC, issued: T } },
};

/**
 * Signed summaries (SPEC.md "Signed summaries"): a small day body and a registry body of an area, as
 * controller/province/area-summary.ts makes them (the protocol only requires JSON), and a receipt.
 */
export const summaryCases: Record<string, { header: SummaryHeader; body: unknown }> = {
  day: {
    header: { area: 'trieu-son', kind: 'day', day: '2026-11-28', version: 2, madeAt: T },
    body: {
      format: 'loa-day-1',
      day: '2026-11-28',
      method: 'v3 gap=600 speed=8.333333333333334 ahead=86400',
      plays: 3,
      tables: {
        report_plays: [['dan-luc-01', 3, 275.4, 1795860990.4]],
        report_clips: [['dan-luc-01', 'c-0042', 2, 186.8], ['dan-luc-01', 'c-0043', 1, 88.6]],
        report_sessions: [['dan-luc-01', 1795854600, 501]],
        report_cells: [['dan-luc-01', 19879, 105601, 19.8795123, 19.8799, 105.6012345, 105.6019]],
        report_track: [['dan-luc-01', 3, 412.5, 499, 504, 13]],
        report_amplifier: [['dan-luc-01', 1260, 130]],
        report_soc: [['dan-luc-01', 77, 60], ['dan-luc-01', 78, 70]],
        report_online: [['dan-luc-01']],
        report_left_out: [],
        report_energy: [['dan-luc-01', 130, 80, 96.5, 0, 86]],
      },
      faults: [['dan-luc-01', 'gnss', 1]],
    },
  },
  registry: {
    header: { area: 'trieu-son', kind: 'registry', day: null, version: 1, madeAt: T },
    body: {
      format: 'loa-registry-1',
      tables: {
        communes: { columns: ['id', 'name', 'lat', 'lon', 'code'], rows: [['dan-luc', 'Xã Dân Lực', 19.88, 105.6, null]] },
        teams: { columns: ['id', 'commune_id', 'name'], rows: [['to-dan-luc', 'dan-luc', 'Tổ tuyên truyền xã Dân Lực']] },
        units: { columns: ['id', 'number', 'commune_id', 'team_id', 'provisioned_at', 'retired'], rows: [['dan-luc-01', 7, 'dan-luc', 'to-dan-luc', T - 86_400 * 90, 0]] },
      },
    },
  },
};

export const receiptCase: SummaryReceipt = { area: 'trieu-son', registry: 1, days: { '2026-11-27': 1, '2026-11-28': 2 } };
