/**
 * The fleet area's sixth migration: each cart's energy forecast (protocol SPEC.md, 0x02 bit 11) in its last known
 * state and in the per-minute telemetry history, for the console ("Còn phát ≈ 1 giờ 20 phút") and the reports
 * (battery health, lowest and typical minutes left, days in the reserve).
 *
 * Columns only, all nullable: rows written before carts sent the group keep NULL there, which reads "not known".
 * `minutes_to_full` NULL means not charging (or not known), `health_percent` NULL not learned yet; `energy_time` is
 * the server time the group last arrived, so a forecast that stopped arriving can be shown as old.
 */
export const FLEET_SCHEMA_V6_ENERGY = `
ALTER TABLE unit_state ADD COLUMN minutes_left INTEGER;          -- ordinary minutes at the current volume, sun included
ALTER TABLE unit_state ADD COLUMN minutes_left_no_sun INTEGER;
ALTER TABLE unit_state ADD COLUMN reserve_minutes INTEGER;       -- emergency minutes at the reserve volume
ALTER TABLE unit_state ADD COLUMN minutes_to_full INTEGER;
ALTER TABLE unit_state ADD COLUMN health_percent INTEGER;        -- learned capacity, % of nominal
ALTER TABLE unit_state ADD COLUMN energy_time INTEGER;           -- server time of the energy values above
ALTER TABLE telemetry_samples ADD COLUMN minutes_left INTEGER;
ALTER TABLE telemetry_samples ADD COLUMN minutes_left_no_sun INTEGER;
ALTER TABLE telemetry_samples ADD COLUMN reserve_minutes INTEGER;
ALTER TABLE telemetry_samples ADD COLUMN minutes_to_full INTEGER;
ALTER TABLE telemetry_samples ADD COLUMN health_percent INTEGER;
`;
