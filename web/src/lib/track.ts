/**
 * A day's track as the map page summarises it: kilometres travelled and the stops made. Distance follows the
 * reports' rule (controller/reports: haversine, jumps faster than 30 km/h are GNSS glitches and left out), so the
 * page and the monthly report agree.
 */

const EARTH_RADIUS_M = 6_371_008.8;
/** A pushed cart never goes faster; a faster step is a positioning glitch. Same as the reports' MAX_TRACK_KMH. */
export const MAX_TRACK_KMH = 30;
/** A stop: the cart stayed within this radius… */
export const STOP_RADIUS_M = 50;
/** …for at least this long. */
export const STOP_MIN_S = 180;

export interface TimedPoint {
  /** Unix seconds. */
  time: number;
  lat: number;
  lon: number;
}

const rad = (deg: number): number => (deg * Math.PI) / 180;

export function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Kilometres along the points (by time), glitch steps left out. */
export function trackKm(points: readonly TimedPoint[]): number {
  let metres = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const d = haversineM(a.lat, a.lon, b.lat, b.lon);
    const dt = b.time - a.time;
    if (dt > 0 && (d / dt) * 3.6 > MAX_TRACK_KMH) continue;
    metres += d;
  }
  return metres / 1000;
}

export interface Stop {
  start: number;
  end: number;
  lat: number;
  lon: number;
}

/**
 * The stops: runs of points that stay within {@link STOP_RADIUS_M} of the run's first point for at least
 * {@link STOP_MIN_S}. A gap in the track (the cart off) counts as staying if it resumes in the same place.
 */
export function trackStops(points: readonly TimedPoint[]): Stop[] {
  const stops: Stop[] = [];
  let i = 0;
  while (i < points.length) {
    const anchor = points[i]!;
    let j = i + 1;
    while (j < points.length && haversineM(anchor.lat, anchor.lon, points[j]!.lat, points[j]!.lon) <= STOP_RADIUS_M) j++;
    const last = points[j - 1]!;
    if (last.time - anchor.time >= STOP_MIN_S) {
      stops.push({ start: anchor.time, end: last.time, lat: anchor.lat, lon: anchor.lon });
      i = j;
    } else i++;
  }
  return stops;
}

/**
 * The points of the track API's GeoJSON (one LineString, or one Point, with ISO times in `properties.times`).
 * Anything else gives no points rather than an error: an empty day is normal.
 */
export function pointsOfTrack(geojson: unknown): TimedPoint[] {
  const feature = (geojson as { features?: { geometry?: { type?: string; coordinates?: unknown }; properties?: { times?: unknown } }[] })?.features?.[0];
  if (!feature?.geometry) return [];
  const coords = (feature.geometry.type === 'Point' ? [feature.geometry.coordinates] : feature.geometry.coordinates) as unknown;
  const times = feature.properties?.times;
  if (!Array.isArray(coords) || !Array.isArray(times)) return [];
  const out: TimedPoint[] = [];
  coords.forEach((c: unknown, k) => {
    const t = Date.parse(String(times[k]));
    if (Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number' && Number.isFinite(t)) out.push({ time: t / 1000, lon: c[0], lat: c[1] });
  });
  return out;
}
