/**
 * The content module's domain errors. Every message is for a person at the CLI or in the dashboard: Vietnamese
 * first, the English in brackets, and it says what to do next.
 */
export type ContentErrorCode =
  // audio
  | 'not-audio'
  | 'damaged-audio'
  | 'unsupported-audio'
  | 'too-long'
  | 'too-large'
  | 'silent'
  | 'no-sox'
  | 'no-mp3'
  | 'no-espeak'
  | 'audio-failed'
  | 'bad-text'
  // district key
  | 'key-permissions'
  | 'key-owner'
  | 'key-corrupt'
  | 'key-not-started'
  // library and workflow
  | 'bad-field'
  | 'unknown-clip'
  | 'bad-status'
  | 'not-allowed'
  | 'unknown-user'
  // manifests
  | 'no-manifest';

export class ContentError extends Error {
  readonly code: ContentErrorCode;

  constructor(code: ContentErrorCode, message: string) {
    super(message);
    this.name = 'ContentError';
    this.code = code;
  }
}

/** `vi (en)`: the message form used across the controller. */
export function both(vi: string, en: string): string {
  return `${vi} (${en})`;
}
