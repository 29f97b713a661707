/**
 * The shapes the console reads from the controller's API. Where the controller has the type, it is imported as a
 * type only (erased by the build: the web bundle holds no controller code, it only speaks HTTP to it), so that the
 * two cannot drift apart; the others are written here as controller/api/openapi.ts describes them.
 */

export type Role = 'admin' | 'approver' | 'submitter' | 'viewer' | 'technician';
export type Lang = 'vi' | 'en';

export interface SessionUser {
  name: string;
  role: Role;
  displayName: string;
}

/** `GET /api/units` item, also the `units` / `unit` events of `GET /api/live`: the controller's own type (erased at build). */
export type { UnitView as Unit } from '../../../controller/api/fleet-routes.js';
/** `GET /api/plays` and `GET /api/events` items. */
export type { PlayRow as Play, EventRow as UnitEvent } from '../../../controller/api/queries.js';
/** `GET /api/commands` item; `state` is `no-answer` for a command still `sent` after its expiry. */
export type { CommandRow } from '../../../controller/fleet/commands.js';
/** `GET /api/content` items and a clip's audit trail (`GET /api/content/:id`). */
export type { ClipRecord as Clip, AuditEntry } from '../../../controller/content/library.js';




export const CLIP_STATUSES = ['submitted', 'changes-requested', 'approved', 'rejected', 'withdrawn'] as const;
export type ClipStatus = (typeof CLIP_STATUSES)[number];
export const PRIORITIES = ['emergency', 'priority', 'ordinary'] as const;
export type Priority = (typeof PRIORITIES)[number];



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
