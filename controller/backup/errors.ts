/** Why a backup or a restore did not happen. */
export type BackupErrorCode = 'no-database' | 'no-passphrase' | 'wrong-passphrase' | 'damaged' | 'not-a-backup' | 'target-not-empty' | 'exists';

export class BackupError extends Error {
  readonly code: BackupErrorCode;

  constructor(code: BackupErrorCode, message: string) {
    super(message);
    this.name = 'BackupError';
    this.code = code;
  }
}
