/**
 * What the ingest found wrong with a unit's frames that only a person can put right: kept in `unit_alerts` (one row
 * per unit and kind: first and last time, how many, the latest detail) and logged. Both kinds are a cart whose
 * counters went back (SPEC.md 2.1 and 3), typically one provisioned into an empty data folder (a new SD card) with a
 * bundle that did not carry the district's high-water marks:
 *
 * - `boot-went-back`: an authentic frame of a boot at or below one the district has seen. It is dropped as a replay,
 *   so none of its records is stored or acknowledged.
 * - `record-reused`: a record number the district already stored with other content. The record is not stored
 *   (the stored one stays) and not acknowledged.
 *
 * The remedy for both: issue the unit a fresh bundle (`loa controller unit bundle <id>`, which carries the marks) and
 * provision the cart with it.
 *
 * A third kind, `rate-limited`, is a cart sending more than its share (ingest-flow.ts): `count` is its frames dropped.
 */
import type { SqliteDb } from '../../lib/sqlite.js';

export type UnitAlertCode = 'boot-went-back' | 'record-reused' | 'rate-limited';

/** One occurrence, or several of the same unit and kind merged (`count`, the latest `time` and `detail`). */
export interface UnitAlert {
  unitId: string;
  code: UnitAlertCode;
  /** Unix seconds, server time. */
  time: number;
  count: number;
  /** Vietnamese, then English in parentheses: what happened and what to do. */
  detail: string;
}

/** A stored alert. */
export interface UnitAlertRow {
  unitId: string;
  code: UnitAlertCode;
  firstTime: number;
  lastTime: number;
  count: number;
  detail: string;
}

const remedy = (unitId: string): { vi: string; en: string } => ({
  vi: `Hãy cấp lại gói cho xe (loa controller unit bundle ${unitId}) rồi cấp phát lại xe bằng gói mới.`,
  en: `Issue the cart a fresh bundle (loa controller unit bundle ${unitId}) and provision it again with that bundle.`,
});

/** A frame of boot `frame.boot` (seq `frame.seq`) when the district has seen boot `seen.boot` up to seq `seen.top`. */
export function bootWentBack(unitId: string, time: number, frame: { boot: number; seq: number }, seen: { boot: number; top: number }): UnitAlert {
  const fix = remedy(unitId);
  return {
    unitId,
    code: 'boot-went-back',
    time,
    count: 1,
    detail:
      `Xe ${unitId} gửi khung số ${frame.seq} của lần khởi động ${frame.boot}, trong khi huyện đã nhận tới khung ${seen.top} của lần khởi động ${seen.boot}: ` +
      `bộ đếm khởi động của xe đã lùi lại (cấp phát lại vào thư mục dữ liệu trống?). Khung bị bỏ, bản ghi trong đó không được lưu cũng không được xác nhận. ${fix.vi} ` +
      `(cart ${unitId} sends frame ${frame.seq} of boot ${frame.boot}, but the district has seen boot ${seen.boot} up to frame ${seen.top}: ` +
      `the cart's boot counter went back (provisioned again into an empty data folder?). The frame is dropped; its records are neither stored nor acknowledged. ${fix.en})`,
  };
}

/** Record `record` (of `type`) came with content other than the stored record of that number (of `storedType`). */
export function recordReused(unitId: string, time: number, record: number, type: string, storedType: string): UnitAlert {
  const fix = remedy(unitId);
  return {
    unitId,
    code: 'record-reused',
    time,
    count: 1,
    detail:
      `Xe ${unitId} gửi bản ghi số ${record} (${type}) khác với bản ghi số ${record} (${storedType}) huyện đã lưu: số bản ghi bị dùng lại. ` +
      `Bản ghi mới không được lưu cũng không được xác nhận. ${fix.vi} ` +
      `(cart ${unitId} sent record ${record} (${type}), which differs from the record ${record} (${storedType}) the district stored: a record number was reused. ` +
      `The new record is neither stored nor acknowledged. ${fix.en})`,
  };
}

/** A frame of `unitId` dropped because the unit sent more than its limit (or filled its share of the ingest queue). */
export function rateLimited(unitId: string, time: number): UnitAlert {
  return {
    unitId,
    code: 'rate-limited',
    time,
    count: 1,
    detail:
      `Xe ${unitId} gửi quá nhiều khung, vượt giới hạn của một xe; phần vượt bị bỏ: số liệu trực tiếp (trạng thái, vị trí) bị mất, bản ghi không được xác nhận nên xe sẽ gửi lại. ` +
      `Hãy kiểm tra cấu hình (link.telemetryPeriodMs) và phần mềm của xe. ` +
      `(cart ${unitId} sends more frames than a cart's limit; the excess is dropped: live data (state, position) is lost, records are not acknowledged and the cart sends them again. ` +
      `Check the cart's configuration (link.telemetryPeriodMs) and software.)`,
  };
}

/** Adds `alert` to `into`, merged with one of the same unit and kind (counts add up, the latest detail wins). */
export function mergeAlert(into: Map<string, UnitAlert>, alert: UnitAlert): void {
  const key = `${alert.unitId}|${alert.code}`;
  const known = into.get(key);
  into.set(key, known ? { ...alert, count: known.count + alert.count, time: Math.max(known.time, alert.time) } : alert);
}

/** Stores the alerts; call inside a transaction. */
export async function writeAlerts(db: SqliteDb, alerts: Iterable<UnitAlert>): Promise<void> {
  for (const a of alerts) {
    await db.run(
      `INSERT INTO unit_alerts (unit_id, code, first_time, last_time, count, detail) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (unit_id, code) DO UPDATE SET last_time = max(last_time, excluded.last_time), count = count + excluded.count, detail = excluded.detail`,
      [a.unitId, a.code, a.time, a.time, a.count, a.detail],
    );
  }
}

/** The stored alerts, latest first; of one unit when given. */
export async function listUnitAlerts(db: SqliteDb, unitId?: string): Promise<UnitAlertRow[]> {
  const where = unitId === undefined ? '' : 'WHERE unit_id = ?';
  return db.exclusive(() =>
    db.all<UnitAlertRow>(
      `SELECT unit_id AS unitId, code, first_time AS firstTime, last_time AS lastTime, count, detail FROM unit_alerts ${where} ORDER BY last_time DESC, unit_id, code`,
      unitId === undefined ? [] : [unitId],
    ),
  );
}
