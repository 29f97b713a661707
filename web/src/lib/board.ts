/**
 * The operating board's data as the console reads it from the API (activities, training, reviews, reward proposals),
 * and the pure helpers of its three pages. The shapes mirror controller/board/types.ts (the console bundle holds no
 * controller code; test/web/board.test.ts checks at compile time that the two still agree).
 */
import { fmtTime, vnDay } from './format.js';
import type { Role } from './types.js';

export const ACTIVITY_KINDS = ['oral', 'meeting', 'leaflets', 'police-tip', 'training', 'other'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];
export const ACTIVITY_STATUSES = ['submitted', 'returned', 'confirmed', 'withdrawn'] as const;
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];

/** Largest photo the API takes, bytes; most photos per activity. */
export const MAX_PHOTO_BYTES = 5_000_000;
export const MAX_PHOTOS = 10;

export interface ActivityPhoto {
  sha256: string;
  type: string;
  size: number;
}

export interface ActivityRecord {
  id: number;
  kind: ActivityKind;
  at: number;
  communeId: string;
  communeName: string;
  place: string;
  lat: number | null;
  lon: number | null;
  teamId: string;
  teamName: string;
  members: { id: number; name: string }[];
  peopleReached: number;
  note: string;
  submitter: string;
  submittedAt: number;
  status: ActivityStatus;
  decidedBy: string | null;
  decidedAt: number | null;
  reason: string | null;
  photos: ActivityPhoto[];
}

export interface ActivityAuditEntry {
  time: number;
  actor: string;
  actorRole: string;
  action: 'submit' | 'resubmit' | 'confirm' | 'return' | 'withdraw' | 'add-photo';
  from: ActivityStatus | null;
  to: ActivityStatus;
  detail: string | null;
}

export interface TrainingRecord {
  id: number;
  memberId: number;
  memberName: string;
  teamId: string;
  course: string;
  day: string;
  recordedBy: string;
  recordedAt: number;
}

/** `GET /api/teams` and `GET /api/members` items. */
export interface TeamItem {
  id: string;
  name: string;
  communeId: string;
  communeName: string;
}
export interface MemberItem {
  id: number;
  name: string;
  role: string;
  teamId: string;
}

export const REVIEW_SECTIONS = ['situation', 'results', 'shortcomings', 'causes', 'lessons', 'directions', 'proposals'] as const;
export type ReviewSection = (typeof REVIEW_SECTIONS)[number];
export type ReviewSections = Record<ReviewSection, string>;

export interface Compared {
  value: number;
  previous: number;
  deltaPrevious: number;
  percentPrevious: number | null;
  lastYear: number;
  deltaLastYear: number;
  percentLastYear: number | null;
}

/** The figures of a review, in the order the table shows them (the controller's ReviewFigureSet). */
export const REVIEW_FIGURES = [
  'units',
  'broadcastHours',
  'plays',
  'sessions',
  'km',
  'activeUnitDays',
  'communesReached',
  'faults',
  'offlineDays',
  'activities',
  'peopleReached',
  'membersTakingPart',
  'membersTrained',
  'policeTips',
] as const;
export type ReviewFigure = (typeof REVIEW_FIGURES)[number];
export type ReviewFigureSet = Record<ReviewFigure, Compared>;

/** Figures written with one decimal; the others are counts. */
const DECIMAL_FIGURES: ReadonlySet<ReviewFigure> = new Set(['broadcastHours', 'km']);
export const figureDecimals = (f: ReviewFigure): number => (DECIMAL_FIGURES.has(f) ? 1 : 0);

export interface ActivityFigures {
  activities: number;
  byKind: Record<ActivityKind, { activities: number; peopleReached: number }>;
  peopleReached: number;
  membersTakingPart: number;
  membersTrained: number;
  awaitingConfirmation: number;
}

export interface LateNote {
  period: string;
  finalisedAt: number;
  plays: number;
  broadcastHours: number;
  activities: number;
  peopleReached: number;
}

export interface ReviewCommuneRow {
  communeId: string;
  name: string;
  code: string | null;
  figures: ReviewFigureSet;
}

export interface ReviewData {
  period: string;
  previousPeriod: string;
  lastYearPeriod: string;
  commune: string | null;
  communeName: string | null;
  computedAt: number;
  totals: ReviewFigureSet;
  communes: ReviewCommuneRow[];
  activityTotals: ActivityFigures;
  regroupedAcrossMerger: boolean;
  lateNotes: LateNote[];
}

export interface ReviewVersion {
  version: number;
  savedBy: string;
  savedAt: number;
}

export interface ReviewRecord {
  id: number;
  period: string;
  commune: string | null;
  status: 'draft' | 'final';
  createdBy: string;
  createdAt: number;
  finalisedBy: string | null;
  finalisedAt: number | null;
  version: number;
  sections: ReviewSections;
  versions: ReviewVersion[];
  data: ReviewData;
}

export interface RewardCriteria {
  minHours: number | null;
  minActiveRatio: number | null;
  minCommunesReached: number | null;
  minActivities: number | null;
  noFaults: boolean;
  topRanks: number | null;
  minMemberActivities: number;
}

export interface RewardFigures {
  rank: number | null;
  score: number;
  broadcastHours: number;
  activeDays: number;
  daysElapsed: number;
  communesReached: number;
  activities: number;
  peopleReached: number;
  faults: number;
}

export interface RewardCandidate {
  kind: 'team' | 'member';
  id: string;
  name: string;
  teamId: string;
  teamName: string;
  communeName: string;
  figures: RewardFigures;
  reasons: { vi: string; en: string }[];
  source: 'criteria' | 'board';
  removed: { reason: string; by: string; at: number } | null;
  added: { reason: string; by: string; at: number } | null;
}

export interface RewardProposal {
  period: string;
  criteria: RewardCriteria;
  computedAt: number;
  candidates: RewardCandidate[];
}

/** `GET /api/rewards/criteria`. */
export interface CriteriaAnswer {
  criteria: RewardCriteria;
  setBy: string | null;
  setAt: number | null;
}

/** The activity form as the page holds it: every field as typed. */
export interface ActivityForm {
  kind: ActivityKind;
  date: string;
  time: string;
  commune: string;
  team: string;
  place: string;
  lat: string;
  lon: string;
  members: readonly number[];
  peopleReached: string;
  note: string;
}

/** The body of `POST /api/activities` (routes.md). */
export interface ActivityBody {
  kind: ActivityKind;
  date: string;
  time: string;
  commune: string;
  team: string;
  place?: string;
  lat?: number;
  lon?: number;
  members: number[];
  peopleReached: number;
  note?: string;
}

/** What is wrong with a form, as an i18n key (the page says it before the API would). */
export type FormProblem = 'board.problem.date' | 'board.problem.time' | 'board.problem.team' | 'board.problem.people' | 'board.problem.point';

const decimal = (s: string): number | null => {
  const v = Number(s.trim().replace(',', '.'));
  return s.trim() === '' || !Number.isFinite(v) ? null : v;
};

/**
 * The API body of an activity form, or the first problem with it. A point on the map is both coordinates or
 * neither; a comma is taken as the decimal point (a Vietnamese keyboard's habit).
 */
export function activityBody(f: ActivityForm): { body: ActivityBody } | { problem: FormProblem } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(f.date)) return { problem: 'board.problem.date' };
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(f.time)) return { problem: 'board.problem.time' };
  if (f.commune === '' || f.team === '') return { problem: 'board.problem.team' };
  const people = f.peopleReached.trim();
  if (!/^\d{1,7}$/.test(people)) return { problem: 'board.problem.people' };
  const lat = decimal(f.lat);
  const lon = decimal(f.lon);
  const anyPoint = f.lat.trim() !== '' || f.lon.trim() !== '';
  if (anyPoint && (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180)) return { problem: 'board.problem.point' };
  return {
    body: {
      kind: f.kind,
      date: f.date,
      time: f.time,
      commune: f.commune,
      team: f.team,
      ...(f.place.trim() ? { place: f.place.trim() } : {}),
      ...(anyPoint ? { lat: lat!, lon: lon! } : {}),
      members: [...f.members],
      peopleReached: Number(people),
      ...(f.note.trim() ? { note: f.note.trim() } : {}),
    },
  };
}

/** The form filled in with a recorded activity (to correct a returned one): its time as the Vietnam day and HH:MM. */
export function activityFormOf(a: ActivityRecord): ActivityForm {
  return {
    kind: a.kind,
    date: vnDay(a.at * 1000),
    time: fmtTime(a.at, 'en'),
    commune: a.communeId,
    team: a.teamId,
    place: a.place,
    lat: a.lat === null ? '' : String(a.lat),
    lon: a.lon === null ? '' : String(a.lon),
    members: a.members.map((m) => m.id),
    peopleReached: String(a.peopleReached),
    note: a.note,
  };
}

/** The Content-Type to upload a photo with, from what the browser says or the extension; null: not accepted. */
export function imageTypeOf(file: { name: string; type: string }): 'image/jpeg' | 'image/png' | 'image/webp' | null {
  const t = file.type.toLowerCase();
  if (t === 'image/jpeg' || /\.jpe?g$/i.test(file.name)) return 'image/jpeg';
  if (t === 'image/png' || /\.png$/i.test(file.name)) return 'image/png';
  if (t === 'image/webp' || /\.webp$/i.test(file.name)) return 'image/webp';
  return null;
}

/** The query of `GET /api/activities` for the list's filters (empty ones left out). */
export function activitiesQuery(filter: { period: string; commune: string; status: ActivityStatus | '' }): string {
  const q = new URLSearchParams();
  if (filter.period) q.set('period', filter.period);
  if (filter.commune) q.set('commune', filter.commune);
  if (filter.status) q.set('status', filter.status);
  return q.toString();
}

/** The communes the teams belong to, by name, once each: the list's and the form's commune choices. */
export function communesOfTeams(teams: readonly TeamItem[]): [id: string, name: string][] {
  const seen = new Map<string, string>();
  for (const t of teams) if (!seen.has(t.communeId)) seen.set(t.communeId, t.communeName);
  return [...seen].sort((a, b) => a[1].localeCompare(b[1], 'vi'));
}

export type ActivityStep = 'confirm' | 'return' | 'withdraw' | 'resubmit';

/**
 * The steps the console offers on an activity, as the activity log allows them: an approver confirms or returns one
 * awaiting a decision (one they did not record themselves), and withdraws any not yet withdrawn (a confirmed one with a reason); a submitter withdraws
 * only their own, before a decision; a returned one is corrected and resubmitted by whoever recorded it.
 */
export function activitySteps(role: Role, userName: string, a: { status: ActivityStatus; submitter: string }): ActivityStep[] {
  if (role === 'approver' || role === 'admin') {
    // Four eyes: whoever recorded an activity does not decide on it.
    if (a.status === 'submitted') return a.submitter === userName ? ['withdraw'] : ['confirm', 'return', 'withdraw'];
    // Only its submitter corrects and resubmits a returned activity (an approver who recorded it, too).
    if (a.status === 'returned') return a.submitter === userName ? ['resubmit', 'withdraw'] : ['withdraw'];
    return a.status === 'withdrawn' ? [] : ['withdraw'];
  }
  if (role !== 'submitter' || a.submitter !== userName) return [];
  if (a.status === 'returned') return ['resubmit', 'withdraw'];
  return a.status === 'submitted' ? ['withdraw'] : [];
}

/** Photos are added before a decision, by the activity's submitter or an approver. */
export function mayAddPhotos(role: Role, userName: string, a: { status: ActivityStatus; submitter: string }): boolean {
  if (a.status !== 'submitted' && a.status !== 'returned') return false;
  return role === 'approver' || role === 'admin' || (role === 'submitter' && a.submitter === userName);
}

/** "HD-12": how an activity is named to people. */
export const activityLabel = (id: number): string => `HD-${id}`;

/** The photo route of an activity's photo (also its thumbnail: the browser scales it down). */
export const photoPath = (activityId: number, sha256: string): string => `/api/activities/${activityId}/photos/${encodeURIComponent(sha256)}`;

/** The sections an approver changed from the saved text: what `POST /api/reviews/:id/versions` is sent. */
export function changedSections(saved: ReviewSections, edited: ReviewSections): Partial<ReviewSections> {
  const out: Partial<ReviewSections> = {};
  for (const s of REVIEW_SECTIONS) if (edited[s] !== saved[s]) out[s] = edited[s];
  return out;
}

/** "+12", "−3", "0": a difference with its sign (a true minus sign, which screen readers say). */
export function signed(n: number, format: (v: number) => string): string {
  if (n === 0) return format(0);
  return `${n > 0 ? '+' : '−'}${format(Math.abs(n))}`;
}

/** "+12,5 %" or "—" when there was nothing to compare with. */
export function percentText(p: number | null, format: (v: number) => string): string {
  return p === null ? '—' : `${signed(p, format)} %`;
}

/** A review's document: `GET /api/reviews/:id/document`. */
export const reviewDocPath = (id: number, format: 'docx' | 'html', lang: 'vi' | 'en'): string => `/api/reviews/${id}/document?format=${format}&lang=${lang}`;

/** The proposal's document: `GET /api/rewards/document`. */
export const rewardsDocPath = (period: string, format: 'csv' | 'docx', lang: 'vi' | 'en'): string =>
  `/api/rewards/document?period=${encodeURIComponent(period)}&format=${format}&lang=${lang}`;

/** A period id's parts (2026-11 → month 11, 2026-Q4 → quarter 4, 2026-H2 → half 2, 2026 → year); null for anything else. */
export function parsePeriodId(period: string): { kind: 'month' | 'quarter' | 'half' | 'year'; year: number; index: number } | null {
  const m = /^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4])|-H([12]))?$/.exec(period);
  if (!m) return null;
  const year = Number(m[1]);
  if (m[2]) return { kind: 'month', year, index: Number(m[2]) };
  if (m[3]) return { kind: 'quarter', year, index: Number(m[3]) };
  if (m[4]) return { kind: 'half', year, index: Number(m[4]) };
  return { kind: 'year', year, index: 1 };
}

export interface TeamGroup {
  /** The team's own line; null when only members of the team are on the list (added by the board). */
  team: RewardCandidate | null;
  teamId: string;
  teamName: string;
  members: RewardCandidate[];
}

/**
 * The proposal as the page lists it: each team with its members under it, teams by their thi đua rank (unranked
 * last, then by name); proposed lines before removed ones within a team.
 */
export function groupCandidates(candidates: readonly RewardCandidate[]): TeamGroup[] {
  const groups = new Map<string, TeamGroup>();
  const groupOf = (c: RewardCandidate): TeamGroup => {
    let g = groups.get(c.teamId);
    if (g === undefined) groups.set(c.teamId, (g = { team: null, teamId: c.teamId, teamName: c.teamName, members: [] }));
    return g;
  };
  for (const c of candidates) {
    if (c.kind === 'team') groupOf(c).team = c;
    else groupOf(c).members.push(c);
  }
  const rank = (g: TeamGroup): number => g.team?.figures.rank ?? Number.POSITIVE_INFINITY;
  for (const g of groups.values()) g.members.sort((a, b) => Number(a.removed !== null) - Number(b.removed !== null) || a.name.localeCompare(b.name, 'vi'));
  return [...groups.values()].sort((a, b) => rank(a) - rank(b) || a.teamName.localeCompare(b.teamName, 'vi'));
}

/** The criteria form's fields as typed (empty = the criterion is not applied). */
export type CriteriaForm = Record<Exclude<keyof RewardCriteria, 'noFaults'>, string> & { noFaults: boolean };

export function criteriaForm(c: RewardCriteria): CriteriaForm {
  const s = (v: number | null): string => (v === null ? '' : String(v));
  return {
    minHours: s(c.minHours),
    minActiveRatio: s(c.minActiveRatio),
    minCommunesReached: s(c.minCommunesReached),
    minActivities: s(c.minActivities),
    topRanks: s(c.topRanks),
    minMemberActivities: String(c.minMemberActivities),
    noFaults: c.noFaults,
  };
}

/** The criteria of a filled-in form, or the name of the first field that is not a number ≥ 0 (a ratio: ≤ 1). */
export function criteriaOfForm(f: CriteriaForm): { criteria: RewardCriteria } | { field: keyof RewardCriteria } {
  const read = (field: Exclude<keyof RewardCriteria, 'noFaults'>, max = Infinity): number | null | undefined => {
    const v = decimal(f[field]);
    if (f[field].trim() === '') return null;
    return v === null || v < 0 || v > max ? undefined : v;
  };
  const fields = ['minHours', 'minActiveRatio', 'minCommunesReached', 'minActivities', 'topRanks', 'minMemberActivities'] as const;
  const values: Partial<Record<(typeof fields)[number], number | null>> = {};
  for (const field of fields) {
    const v = read(field, field === 'minActiveRatio' ? 1 : Infinity);
    if (v === undefined || (field === 'minMemberActivities' && v === null)) return { field };
    values[field] = v;
  }
  return {
    criteria: {
      minHours: values.minHours ?? null,
      minActiveRatio: values.minActiveRatio ?? null,
      minCommunesReached: values.minCommunesReached ?? null,
      minActivities: values.minActivities ?? null,
      noFaults: f.noFaults,
      topRanks: values.topRanks ?? null,
      minMemberActivities: values.minMemberActivities ?? 0,
    },
  };
}
