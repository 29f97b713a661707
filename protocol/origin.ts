/**
 * The district origin (SPEC.md, 0x03 fix): the latitude/longitude pair a fix's position offsets start from. It is
 * fixed when a cart is registered, kept by the district beside the cart's key and written into the cart's
 * provisioning bundle, so both ends of the link read fixes from the same pair. One definition here, for the bundle,
 * the cart's identity and its uplink.
 */
import type { FixContext } from './codec.js';

export type DistrictOrigin = FixContext['origin'];

/**
 * The origin of a cart registered before origins existed: its bundle had none, so it encodes fixes from 0, 0 (whole
 * positions). Also what a bundle or identity without `origin` reads as.
 */
export const NO_ORIGIN: DistrictOrigin = Object.freeze({ lat: 0, lon: 0 });

const inRange = (v: unknown, limit: number): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= limit;
/** The bad value as written, NaN and Infinity included (JSON.stringify would say null). */
const show = (v: unknown): string => (typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? 'nothing'));

/**
 * What is wrong with `value` as an origin (English, repeating the bad value), or null when it is one:
 * `{ "lat": −90…90, "lon": −180…180 }` in degrees. The fix codec refuses an origin off the globe only when a fix
 * is sent, so the places an origin comes in (configuration, bundle, identity) check it up front.
 */
export function originProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${show(value)} must be { "lat": degrees, "lon": degrees }`;
  const { lat, lon } = value as Record<string, unknown>;
  if (!inRange(lat, 90)) return `lat ${show(lat)} must be a number of degrees from -90 to 90`;
  if (!inRange(lon, 180)) return `lon ${show(lon)} must be a number of degrees from -180 to 180`;
  return null;
}

/** A checked origin, copied (no other keys): call after {@link originProblem} returned null. */
export function toOrigin(value: unknown): DistrictOrigin {
  const { lat, lon } = value as DistrictOrigin;
  return { lat, lon };
}
