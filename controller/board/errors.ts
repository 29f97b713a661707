/**
 * The operating board module's domain errors (activities, training records, reviews, reward proposals). Every message
 * is for a person at the CLI or in the console: Vietnamese first, the English in brackets (content/errors.ts `both`),
 * and it says what to do next. The API maps the codes to HTTP statuses (api/guard.ts).
 */
export type BoardErrorCode =
  /** A field is missing or out of range: 400. */
  | 'bad-field'
  /** No such activity, review, member, team, commune or photo: 404. */
  | 'unknown-activity'
  | 'unknown-review'
  | 'unknown-member'
  | 'unknown-team'
  | 'unknown-commune'
  | 'unknown-photo'
  /** The step does not fit the record's status (confirming a confirmed activity, editing a final review): 409. */
  | 'bad-status'
  /** The actor may not take this step on this record (returning one's own activity): 403. */
  | 'not-allowed'
  /** A photo is not a JPEG/PNG/WebP or is too large: 415 / 413. */
  | 'not-photo'
  | 'photo-too-large'
  /** A saved version was made from an older one than the newest (two people editing at once): 409. */
  | 'stale-version';

export class BoardError extends Error {
  readonly code: BoardErrorCode;

  constructor(code: BoardErrorCode, message: string) {
    super(message);
    this.name = 'BoardError';
    this.code = code;
  }
}
