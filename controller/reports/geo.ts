/** Distances on the Earth for the reports: haversine on a sphere of the mean Earth radius (error < 0.5 %). */

export const EARTH_RADIUS_M = 6_371_008.8;

const rad = (deg: number): number => (deg * Math.PI) / 180;

/** Great-circle distance between two points, metres. */
export function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * Degrees of latitude beyond which a point is surely more than `m` metres away: a great circle is never shorter than
 * its change of latitude (haversine: the longitude term only adds), with a metre to spare for rounding.
 */
export function latitudeSpanDeg(m: number): number {
  return (((m + 1) / EARTH_RADIUS_M) * 180) / Math.PI;
}

/** A latitude/longitude box (all bounds inclusive). */
export interface Box {
  lat0: number;
  lat1: number;
  lon0: number;
  lon1: number;
}

/** Distance from a point to the nearest point of a (small) box, metres; 0 inside it. */
export function distanceToBoxM(lat: number, lon: number, box: Box): number {
  const nearLat = Math.min(Math.max(lat, box.lat0), box.lat1);
  const nearLon = Math.min(Math.max(lon, box.lon0), box.lon1);
  return haversineM(lat, lon, nearLat, nearLon);
}

/**
 * The same haversine as {@link haversineM}, as an SQLite expression over the columns or expressions given (needs
 * SQLite's math functions, built into the sqlite3 package).
 */
export function sqlHaversineM(lat1: string, lon1: string, lat2: string, lon2: string): string {
  const hav = (d: string) => `pow(sin(radians(${d}) / 2), 2)`;
  return `(2 * ${EARTH_RADIUS_M} * asin(min(1.0, sqrt(${hav(`${lat2} - ${lat1}`)} + cos(radians(${lat1})) * cos(radians(${lat2})) * ${hav(`${lon2} - ${lon1}`)}))))`;
}
