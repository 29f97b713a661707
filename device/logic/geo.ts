/**
 * Small spherical geometry shared by the broadcast policy (quiet zones) and the track thinner: one implementation of
 * the distance between two positions. Degrees in, metres out. Pure.
 */

/** A position in degrees, north and east positive. */
export interface LatLon {
  lat: number;
  lon: number;
}

/** Mean Earth radius (IUGG), metres. The same figure as the GNSS simulator's. */
export const EARTH_RADIUS_M = 6_371_008.8;

const rad = (deg: number): number => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine). Accurate to about 0.5 % (the Earth is not a sphere). */
export function haversineM(a: LatLon, b: LatLon): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Length of a path through `points` in order, metres (0 for fewer than two points). */
export function trackDistanceM(points: readonly LatLon[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += haversineM(points[i - 1]!, points[i]!);
  return total;
}

/**
 * True when `point` is inside the polygon whose corners are `[lat, lon]` pairs (closed implicitly; either winding).
 * Ray casting on the plate carrée plane: exact enough for zones of a few kilometres away from the poles and the
 * ±180° meridian, which is every quiet zone in a Vietnamese district. A point exactly on an edge may fall either way.
 */
export function pointInPolygon(point: LatLon, polygon: readonly (readonly [number, number])[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [latI, lonI] = polygon[i]!;
    const [latJ, lonJ] = polygon[j]!;
    if (latI > point.lat !== latJ > point.lat) {
      const lonAtLat = lonI + ((point.lat - latI) / (latJ - latI)) * (lonJ - lonI);
      if (point.lon < lonAtLat) inside = !inside;
    }
  }
  return inside;
}

/** True for a latitude in −90..90 and a longitude in −180..180 (both finite numbers). */
export function isValidPosition(p: LatLon): boolean {
  return Number.isFinite(p.lat) && Number.isFinite(p.lon) && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180;
}
