/** The cart's durable store: SQLite database, outbox, durable files and the boot counter. */
export { CartStore, type CartStoreOptions, type CartStoreEventMap, type OverflowInfo } from './store.js';
export type { OutboxEntry, OutboxSource } from '../link/outbox-source.js';
export type { DurableRecordInput, TrackPoint, PowerSample } from './records.js';
export type { RetentionOptions, PruneResult } from './queries.js';
export type { PlaySoFar, StoredCheckpoint } from './checkpoints.js';
export { RUNTIME_COUNTERS, type CartSettings, type SettingKey, type RuntimeCounterName, type RuntimeCounters } from './settings.js';
export { readJsonFile, nextBootCounter, raiseBootCounterTo, BOOT_COUNTER_FILE } from './durable-file.js';
export { StoreError, type StoreErrorCode } from './errors.js';
