/**
 * What each role may do, as the API's guards say (controller/api/guard.ts; admin may do everything). The console
 * shows only what the user may do; the API still checks every request.
 */
import type { Role } from './types.js';

export type Capability =
  /** Units, tracks, events, commands sent (UNIT_READERS). */
  | 'units'
  /** Plays and reports (READERS). */
  | 'plays'
  | 'reports'
  /** The content list and a clip's audit trail (CONTENT_READERS). */
  | 'content'
  /** Upload or speak a new clip (the workflow's submit). */
  | 'submit'
  /** Approve, reject, request changes, publish the playlist; send any command (APPROVERS). */
  | 'approve'
  /** Send sync-now / reboot (COMMAND_SENDERS). */
  | 'maintain'
  | 'users'
  /** The board's activity log, training records, teams and members (R in the board's routes). */
  | 'activities'
  /** The board's reviews and reward proposals (V in the board's routes); writing them is 'approve'. */
  | 'reviews';

const GRANTS: Record<Capability, readonly Role[]> = {
  units: ['viewer', 'approver', 'technician'],
  plays: ['viewer', 'approver'],
  reports: ['viewer', 'approver'],
  content: ['viewer', 'approver', 'submitter'],
  submit: ['approver', 'submitter'],
  approve: ['approver'],
  maintain: ['approver', 'technician'],
  users: [],
  activities: ['viewer', 'approver', 'submitter'],
  reviews: ['viewer', 'approver'],
};

export function can(role: Role, what: Capability): boolean {
  return role === 'admin' || GRANTS[what].includes(role);
}

/** The command actions a role may send from the console (a technician: only looking after the cart). */
export function commandActionsFor(role: Role): readonly ('set-volume' | 'stop' | 'play-clip' | 'sync-now')[] {
  if (can(role, 'approve')) return ['set-volume', 'stop', 'play-clip', 'sync-now'];
  if (can(role, 'maintain')) return ['sync-now'];
  return [];
}

/**
 * May this user withdraw the clip? An approver always (approved ones included); a submitter only their own, before
 * a decision (the workflow's rule).
 */
export function canWithdraw(role: Role, userName: string, clip: { status: string; submitter: string }): boolean {
  if (!['approved', 'submitted', 'changes-requested'].includes(clip.status)) return false;
  if (can(role, 'approve')) return true;
  return role === 'submitter' && clip.submitter === userName && clip.status !== 'approved';
}
