/**
 * Controller users' roles and the check every guarded action makes. The operating board's approvers (police, youth
 * union) approve content; submitters (departments, communes) submit it; technicians provision carts; viewers read;
 * admins do everything.
 */
export const ROLES = ['admin', 'approver', 'submitter', 'viewer', 'technician'] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting: what the workflow and the audit trail need of a user. */
export interface Actor {
  name: string;
  role: Role;
}

export type UserErrorCode =
  | 'unknown-user'
  | 'bad-password'
  | 'bad-session'
  | 'session-expired'
  | 'forbidden'
  | 'user-exists'
  | 'bad-field'
  /** Too many failed logins: wait `retryAfterSeconds`. */
  | 'throttled'
  /** Too many password checks waiting: try again in a moment. */
  | 'busy';

export class UserError extends Error {
  readonly code: UserErrorCode;
  /** For `throttled` and `busy`: when to try again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: UserErrorCode, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Throws `UserError('forbidden')` unless `actor` has one of `roles` (admin always passes). `action` names what was
 * refused, in the message.
 */
export function requireRole(actor: Actor, roles: readonly Role[], action: string): void {
  if (actor.role === 'admin' || roles.includes(actor.role)) return;
  throw new UserError(
    'forbidden',
    `Người dùng "${actor.name}" (vai trò ${actor.role}) không được ${action}: cần vai trò ${roles.join(' / ')} hoặc admin ` +
      `(user "${actor.name}" with role ${actor.role} may not ${action}: needs ${roles.join(' / ')} or admin).`,
  );
}
