/**
 * The fleet area's third migration: each unit's district origin (protocol SPEC.md, 0x03 fix), the point its live
 * fixes are offsets from. It is fixed when the unit is registered (from the configuration's `district.origin`) and
 * written into its provisioning bundle, so the ingest reads the cart's fixes from the very origin the cart encodes
 * them from, whatever the configuration says later.
 *
 * The default is 0, 0 and must stay so: the units already registered when this migration runs were provisioned with
 * bundles that had no origin, and their carts encode fixes from 0, 0.
 */
export const FLEET_SCHEMA_V3_ORIGIN = `
ALTER TABLE units ADD COLUMN origin_lat REAL NOT NULL DEFAULT 0;   -- degrees; 0, 0 for units registered before origins
ALTER TABLE units ADD COLUMN origin_lon REAL NOT NULL DEFAULT 0;
`;
