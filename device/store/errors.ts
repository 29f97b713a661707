/**
 * The ways the cart's store can refuse to work. Argument mistakes are `RangeError`/`TypeError`; everything a caller
 * may want to tell apart is a {@link StoreError} with a `code`.
 */
export type StoreErrorCode =
  | 'closed' // the store was closed; open a new one
  | 'schema-too-new' // the database was written by a newer program than this one
  | 'bad-setting' // a stored setting is not valid JSON
  | 'bad-boot-counter' // boot-counter.json exists but cannot be read as a counter
  | 'bad-file'; // a JSON file exists but is not valid JSON

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
