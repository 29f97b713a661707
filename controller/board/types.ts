/**
 * The shapes the operating board module hands to the API, the CLI and the console: activities, training records,
 * reviews and reward proposals. Plain data (JSON as it is); the services that make them are in activities.ts,
 * training.ts, reviews.ts and rewards.ts.
 */
import type { Actor } from '../users/roles.js';

/** Oral propaganda (tuyên truyền miệng), a meeting, leaflets, a tip passed to the police, training of members, other. */
export const ACTIVITY_KINDS = ['oral', 'meeting', 'leaflets', 'police-tip', 'training', 'other'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/**
 *   submitted ──confirm──► confirmed ──withdraw (an approver, with a reason)──► withdrawn
 *       │ └──return (with a reason)──► returned ──resubmit (its submitter)──► submitted
 *       └──withdraw (its submitter before a decision, or an approver)──► withdrawn
 */
export const ACTIVITY_STATUSES = ['submitted', 'returned', 'confirmed', 'withdrawn'] as const;
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];

/** Largest photo, bytes. */
export const MAX_PHOTO_BYTES = 5_000_000;
/** Most photos per activity. */
export const MAX_PHOTOS = 10;

/** What a submitter says about an activity (API body, CLI options, console form). */
export interface ActivityInput {
  kind: ActivityKind;
  /** When it took place, Unix seconds. */
  at: number;
  commune: string;
  /** Village / hamlet, free text (at most 200 characters). */
  place?: string;
  /** Optional point on the map, WGS84. */
  lat?: number | null;
  lon?: number | null;
  team: string;
  /** Member ids present; each must belong to the team. */
  members?: number[];
  peopleReached: number;
  /** At most 2000 characters. */
  note?: string;
}

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
  /** The last return reason. */
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

export interface ActivityFilter {
  status?: ActivityStatus;
  commune?: string;
  team?: string;
  /** [from, until) on `at`, Unix seconds. */
  from?: number;
  until?: number;
}

/** A member's training course. */
export interface TrainingRecord {
  id: number;
  memberId: number;
  memberName: string;
  teamId: string;
  course: string;
  /** YYYY-MM-DD. */
  day: string;
  recordedBy: string;
  recordedAt: number;
}

/** The narrative sections of a review, in the order of the document. */
export const REVIEW_SECTIONS = ['situation', 'results', 'shortcomings', 'causes', 'lessons', 'directions', 'proposals'] as const;
export type ReviewSection = (typeof REVIEW_SECTIONS)[number];
export type ReviewSections = Record<ReviewSection, string>;

/** A figure of a review beside the same figure of the previous period and of the same period a year before. */
export interface Compared {
  value: number;
  previous: number;
  /** value − previous */
  deltaPrevious: number;
  /** % change from previous, one decimal; null when previous is 0. */
  percentPrevious: number | null;
  lastYear: number;
  deltaLastYear: number;
  percentLastYear: number | null;
}

export interface ActivityFigures {
  /** Confirmed activities that took place in the period. */
  activities: number;
  byKind: Record<ActivityKind, { activities: number; peopleReached: number }>;
  peopleReached: number;
  /** Distinct members present at a confirmed activity. */
  membersTakingPart: number;
  /** Members with a training record dated in the period. */
  membersTrained: number;
  /** Activities recorded but not confirmed (submitted or returned) at the time of computing: not counted above. */
  awaitingConfirmation: number;
}

/** The figures of a review for one scope (the area, or a commune), each compared. */
export interface ReviewFigureSet {
  /** From the carts (reports/compute.ts), over the scope's carts. */
  units: Compared;
  broadcastHours: Compared;
  plays: Compared;
  sessions: Compared;
  km: Compared;
  activeUnitDays: Compared;
  communesReached: Compared;
  faults: Compared;
  offlineDays: Compared;
  /** From the activity log and the training records. */
  activities: Compared;
  peopleReached: Compared;
  membersTakingPart: Compared;
  membersTrained: Compared;
  policeTips: Compared;
}

/** The late records of a finalised earlier review: what arrived or was confirmed after it was signed. */
export interface LateNote {
  /** The earlier review's period. */
  period: string;
  finalisedAt: number;
  /** What the earlier period's figures say now minus what the signed review (or the last note about it) said. */
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

/** Everything a review's document is made of but its narrative. */
export interface ReviewData {
  period: string;
  /** The previous period and the same period a year before, as period ids. */
  previousPeriod: string;
  lastYearPeriod: string;
  commune: string | null;
  communeName: string | null;
  computedAt: number;
  totals: ReviewFigureSet;
  communes: ReviewCommuneRow[];
  activityTotals: ActivityFigures;
  /** True when the comparisons regrouped earlier periods onto today's communes (a merger in between). */
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
  /** The newest saved version's number and text. */
  version: number;
  sections: ReviewSections;
  versions: ReviewVersion[];
  /** A draft: computed now; a final review: as frozen when it was finalised. */
  data: ReviewData;
}

/** A review without its text and figures, as listed. */
export type ReviewSummary = Omit<ReviewRecord, 'sections' | 'versions' | 'data'>;

/** What makes a team (and its members) a candidate for a reward; a criterion left null is not applied. */
export interface RewardCriteria {
  /** Broadcast hours in the period, at least. */
  minHours: number | null;
  /** Active days ÷ days elapsed, at least (0–1). */
  minActiveRatio: number | null;
  /** Communes reached by the team's carts, at least. */
  minCommunesReached: number | null;
  /** Confirmed activities of the team, at least. */
  minActivities: number | null;
  /** No cart fault reported in the period. */
  noFaults: boolean;
  /** The first N of the thi đua ranking only (null = any rank). */
  topRanks: number | null;
  /** A member is proposed with the team when present at this many of its confirmed activities. */
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
  /** Team id, or member id as text. */
  id: string;
  name: string;
  teamId: string;
  teamName: string;
  communeName: string;
  figures: RewardFigures;
  /** Why: the criteria met, as sentences in Vietnamese and English. */
  reasons: { vi: string; en: string }[];
  /** 'criteria': proposed by the criteria; 'board': added by the board. */
  source: 'criteria' | 'board';
  /** Removed by the board (kept in the list with the reason, not proposed). */
  removed: { reason: string; by: string; at: number } | null;
  added: { reason: string; by: string; at: number } | null;
}

export interface RewardProposal {
  period: string;
  criteria: RewardCriteria;
  computedAt: number;
  candidates: RewardCandidate[];
}

export type { Actor };
