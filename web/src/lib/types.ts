/**
 * The shapes the console reads from the controller's API, as controller/api/openapi.ts describes them (the web
 * bundle does not import controller code: it is a separate program that only speaks HTTP to it).
 */

export type Role = 'admin' | 'approver' | 'submitter' | 'viewer' | 'technician';
export type Lang = 'vi' | 'en';

export interface SessionUser {
  name: string;
  role: Role;
  displayName: string;
}

/** `GET /api/units` item, also the `units` / `unit` events of `GET /api/live`. */
export interface Unit {
  id: string;
  number: number;
  commune: string;
  communeName: string;
  team: string;
  teamName: string;
  profile: string;
  firmware: string | null;
  provisionedAt: number;
  online: boolean;
  /** Unix seconds. */
  lastSeen: number | null;
  position: { time: number; lat: number; lon: number; quality: string | null; speed: number | null } | null;
  battery: { mv: number | null; ma: number | null; soc: number | null; solarMv: number | null; solarMa: number | null };
  playerState: string | null;
  amplifierOn: boolean | null;
  volume: number | null;
  faults: string[];
  manifestVersion: number | null;
  clipsMissing: number | null;
  outboxDepth: number | null;
}

export interface Play {
  unitId: string;
  record: number;
  clip: string;
  manifestVersion: number;
  start: number;
  timeSource: string;
  seconds: number;
  outcome: string;
  trigger: string;
  volume: number;
  lat: number | null;
  lon: number | null;
}

export interface UnitEvent {
  unitId: string;
  record: number;
  time: number;
  timeSource: string;
  kind: string;
  code: string;
  detail: string;
}

export interface CommandRow {
  unitId: string;
  counter: number;
  action: string;
  args: Record<string, unknown>;
  issued: number;
  expires: number;
  issuedBy: string | null;
  status: string;
  detail: string | null;
  resultTime: number | null;
  /** `no-answer` for a command still `sent` after its expiry. */
  state: string;
}

export const CLIP_STATUSES = ['submitted', 'changes-requested', 'approved', 'rejected', 'withdrawn'] as const;
export type ClipStatus = (typeof CLIP_STATUSES)[number];
export const PRIORITIES = ['emergency', 'priority', 'ordinary'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Clip {
  id: string;
  sha256: string;
  size: number;
  durationMs: number;
  title: string;
  summary?: string;
  category?: string;
  requestedPriority: Priority;
  approvedPriority: Priority | null;
  targets?: { kind: string; id: string }[];
  validFrom?: number;
  validUntil?: number;
  source?: string;
  submitter: string;
  submittedAt?: number;
  status: ClipStatus;
  approver: string | null;
  decidedAt?: number | null;
  note: string | null;
}

export interface AuditEntry {
  clipId: string;
  time: number;
  actor: string;
  actorRole: string;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  detail: string | null;
  via?: string | null;
}

export interface Figures {
  units: number;
  broadcastSeconds: number;
  amplifierSeconds: number;
  sessions: number;
  plays: number;
  distinctClips: number;
  km: number;
  activeDays: number;
  offlineDays: number;
  faults: number;
}

export interface ReportJson {
  periodLabel: string;
  commune: string | null;
  generatedAt: number;
  communes: { communeId: string; name: string; totals: Figures }[];
  totals: Figures;
  ranking: { rank: number; teamName: string; communeName: string; broadcastSeconds: number; activeDays: number; daysElapsed: number; score: number }[];
  notes: { code: string; text: string }[];
}
