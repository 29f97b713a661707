/** Backups of the controller's data folder (backup.ts), their schedule (schedule.ts) and the sealed secrets (seal.ts). */
export { BACKUP_PREFIX, listBackups, makeBackup, pruneBackups, restoreBackup, RESTORE_BOOT_MARGIN, type BackupOptions, type BackupResult, type BackupStep, type RestoreOptions, type RestoreResult } from './backup.js';
export { BackupError, type BackupErrorCode } from './errors.js';
export { BackupSchedule, msUntilHour, type BackupScheduleOptions } from './schedule.js';
export { SCRYPT_COST, seal, unseal } from './seal.js';
