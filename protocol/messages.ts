/**
 * The messages of Loa protocol v1 as values. Byte layouts are in SPEC.md; the codec is in codec.ts.
 *
 * Units: times are Unix seconds (UTC); positions are degrees (carried as 1e-7° integers); speeds m/s (carried as
 * 0.1 m/s); electrical values mV and mA; durations of plays in seconds (carried as 0.1 s).
 */

/** Where a record's time came from (DESIGN.md: the cart may have no network time). */
export const TIME_SOURCES = ['unknown', 'system', 'gnss', 'estimated'] as const;
export type TimeSource = (typeof TIME_SOURCES)[number];

export interface Stamp {
  /** Unix seconds, UTC. */
  time: number;
  source: TimeSource;
}

export const PLAYER_STATES = ['idle', 'warming', 'playing', 'paused', 'cooling', 'blocked'] as const;
export type PlayerState = (typeof PLAYER_STATES)[number];

export const PRIORITIES = ['emergency', 'priority', 'ordinary'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** GGA fix quality, NMEA numbering. */
export const FIX_QUALITIES = ['none', 'gps', 'dgps', 'pps', 'rtk', 'float-rtk', 'estimated', 'manual', 'simulated'] as const;
export type FixQuality = (typeof FIX_QUALITIES)[number];

export const PLAY_OUTCOMES = ['completed', 'stopped', 'next', 'interrupted', 'blocked', 'failed', 'power-lost'] as const;
export type PlayOutcome = (typeof PLAY_OUTCOMES)[number];

export const PLAY_TRIGGERS = ['button', 'schedule', 'remote', 'emergency'] as const;
export type PlayTrigger = (typeof PLAY_TRIGGERS)[number];

export const EVENT_KINDS = [
  'info',
  'button',
  'fault',
  'block',
  'low-battery',
  'rejected-signature',
  'rejected-clip',
  'manifest',
  'link',
  'power',
  'storage',
  'update',
  'config',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const COMMAND_STATUSES = ['ok', 'failed', 'bad-signature', 'expired', 'replay', 'unknown-action', 'refused'] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

/** Capability bits a cart announces in its hello (bit n = index n). */
export const CAPABILITIES = ['relay', 'buttons', 'audio', 'volume', 'gnss', 'power-board', 'serial-link', 'mqtt', 'status-led'] as const;

/** Fault flag bits in telemetry (bit n = index n). Unknown bits decode as `bit<n>`. */
export const FAULTS = [
  'relay-mismatch',
  'audio',
  'gnss',
  'power-board',
  'storage',
  'low-battery',
  'no-manifest',
  'clock',
  'link',
  'over-temperature',
] as const;

/** Sent once per boot. A durable record. */
export interface Hello {
  type: 'hello';
  record: number;
  firmware: string;
  manifestVersion: number;
  /** Capability names, from CAPABILITIES; unknown bits decode as `bit<n>`. */
  capabilities: string[];
  bootTime: Stamp;
}

/** Live, latest-wins. Every group is optional: a cart sends what changed, and everything now and then. */
export interface Telemetry {
  type: 'telemetry';
  batteryMv?: number;
  /** Positive while charging. */
  batteryMa?: number;
  solarMv?: number;
  solarMa?: number;
  /** State of charge, %. */
  soc?: number;
  state?: { amplifierOn: boolean; relayOn: boolean; player: PlayerState };
  /** Volume, %. */
  volume?: number;
  runtime?: { uptimeS: number; amplifierS: number; audioS: number };
  /** Fault names, from FAULTS. */
  faults?: string[];
  outboxDepth?: number;
  sync?: { manifestVersion: number; clipsMissing: number; bytesToGo: number };
  /** The cart's energy forecast (device/energy): whole minutes, each at most {@link ENERGY_MINUTES_CAP}. */
  energy?: TelemetryEnergy;
}

/** Minutes in the energy group stop here: 1440 reads "a day or more". */
export const ENERGY_MINUTES_CAP = 1440;

/** The energy group of a telemetry message (SPEC.md, 0x02 bit 11). */
export interface TelemetryEnergy {
  /** Ordinary broadcast minutes left at the cart's current volume before the emergency reserve, with today's expected sun. */
  minutesLeft: number;
  /** The same from the battery alone (at night, under rain). */
  minutesLeftNoSun: number;
  /** Emergency minutes at the reserve volume the battery holds above the cut-off. */
  reserveMinutes: number;
  /** Minutes to a full battery at the current sun; null when not charging. */
  minutesToFull: number | null;
  /** Learned capacity as a % of the nominal one (0–254); null until learned. */
  healthPercent: number | null;
}

/**
 * Live GNSS fix, latest-wins. On the wire the time is only its low 16 bits and the position an offset from the
 * district origin (`FixContext`), so a fix must reach the receiver within 9 h of its time: a cart sends only fresh
 * fixes.
 */
export interface Fix {
  type: 'fix';
  /** Unix seconds, GNSS UTC. */
  time: number;
  lat: number;
  lon: number;
  /** m/s, 0.1 m/s steps, at most 6553.5. */
  speed: number;
  /** Degrees true, 0–359, whole degrees. */
  course: number;
  /** Undefined when the receiver gave none. */
  hdop?: number;
  satellites: number;
  quality: FixQuality;
}

export interface Position {
  lat: number;
  lon: number;
}

/** One play of a clip. A durable record. */
export interface PlayRecord {
  type: 'play';
  record: number;
  start: Stamp;
  clip: string;
  manifestVersion: number;
  /** Seconds of audio played, 0.1 s steps. */
  seconds: number;
  outcome: PlayOutcome;
  trigger: PlayTrigger;
  volume: number;
  where?: Position;
}

/** Something that happened: a button, a fault, a block, a refused signature… A durable record. */
export interface EventRecord {
  type: 'event';
  record: number;
  at: Stamp;
  kind: EventKind;
  /** A short machine-readable code, e.g. `quiet-zone`. */
  code: string;
  detail: string;
}

/** A thinned piece of the GNSS track. A durable record. */
export interface TrackRecord {
  type: 'track';
  record: number;
  source: TimeSource;
  points: { time: number; lat: number; lon: number }[];
}

/** The receiver has committed these durable records (inclusive ranges of record numbers). */
export interface Ack {
  type: 'ack';
  ranges: [number, number][];
}

/** A signed command inside a district frame; verify it with `openSigned`. */
export interface CommandMessage {
  type: 'command';
  signed: Buffer;
}

/** What became of a command. A durable record. */
export interface CommandResult {
  type: 'command-result';
  record: number;
  at: Stamp;
  counter: number;
  status: CommandStatus;
  detail: string;
}

/** A message type this code does not know: kept as bytes so it can be skipped or forwarded. */
export interface UnknownMessage {
  type: 'unknown';
  code: number;
  payload: Buffer;
}

export type Message =
  | Hello
  | Telemetry
  | Fix
  | PlayRecord
  | EventRecord
  | TrackRecord
  | Ack
  | CommandMessage
  | CommandResult
  | UnknownMessage;

export type MessageType = Message['type'];

/** Records that are resent until acknowledged. */
export type DurableRecord = Hello | PlayRecord | EventRecord | TrackRecord | CommandResult;

export function isDurable(m: Message): m is DurableRecord {
  return m.type === 'hello' || m.type === 'play' || m.type === 'event' || m.type === 'track' || m.type === 'command-result';
}
