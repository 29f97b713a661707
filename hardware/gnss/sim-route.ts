// Where a simulated cart is at a given moment of its route. Pure geometry, no clock.

export interface LatLon {
  latitude: number;
  longitude: number;
}

/** A walk through waypoints at a constant speed; with `loop` it walks back to the first waypoint and on. */
export interface WaypointRoute {
  waypoints: LatLon[];
  speedMps: number;
  loop?: boolean;
}

/** Positions at given times (ms from the start of the route), interpolated between them. */
export interface TimedRoute {
  points: (LatLon & { atMs: number })[];
}

export type SimRoute = WaypointRoute | TimedRoute;

export interface RoutePosition extends LatLon {
  speedMps: number;
  /** Degrees from true north; null when standing still at the very start. */
  courseDeg: number | null;
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number): number => (deg * Math.PI) / 180;

/** Great-circle distance in metres. */
export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees 0..360. */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const y = Math.sin(rad(b.longitude - a.longitude)) * Math.cos(rad(b.latitude));
  const x =
    Math.cos(rad(a.latitude)) * Math.sin(rad(b.latitude)) -
    Math.sin(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.cos(rad(b.longitude - a.longitude));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

/** Throws a RangeError naming the bad part of the route. */
export function validateRoute(route: SimRoute): void {
  const points: LatLon[] = 'waypoints' in route ? route.waypoints : route.points;
  const name = 'waypoints' in route ? 'route.waypoints' : 'route.points';
  if (!Array.isArray(points) || points.length === 0) throw new RangeError(`${name} must hold at least one point`);
  points.forEach((p, i) => {
    if (!(Math.abs(p.latitude) <= 90) || !(Math.abs(p.longitude) <= 180)) {
      throw new RangeError(`${name}[${i}] must be a latitude -90..90 and longitude -180..180, got ${JSON.stringify(p)}`);
    }
  });
  if ('waypoints' in route) {
    if (!(route.speedMps >= 0)) throw new RangeError(`route.speedMps must be 0 or more, got ${String(route.speedMps)}`);
  } else {
    route.points.forEach((p, i) => {
      const previous = route.points[i - 1];
      if (!Number.isFinite(p.atMs) || (previous && p.atMs <= previous.atMs)) {
        throw new RangeError(`route.points[${i}].atMs must be a number after the previous point's, got ${p.atMs}`);
      }
    });
  }
}

/** Position `elapsedMs` after the start of the route (clamped to its ends unless it loops). */
export function positionAt(route: SimRoute, elapsedMs: number): RoutePosition {
  return 'waypoints' in route ? alongWaypoints(route, elapsedMs) : alongTimedPoints(route, elapsedMs);
}

function interpolate(a: LatLon, b: LatLon, f: number): LatLon {
  return { latitude: a.latitude + (b.latitude - a.latitude) * f, longitude: a.longitude + (b.longitude - a.longitude) * f };
}

function alongWaypoints(route: WaypointRoute, elapsedMs: number): RoutePosition {
  const points = route.loop && route.waypoints.length > 1 ? [...route.waypoints, route.waypoints[0]!] : route.waypoints;
  const legs = points.slice(1).map((to, i) => ({ from: points[i]!, to, length: distanceM(points[i]!, to) }));
  const total = legs.reduce((sum, leg) => sum + leg.length, 0);
  const first = points[0]!;
  if (total === 0 || route.speedMps === 0) return { ...first, speedMps: 0, courseDeg: null };
  let travelled = (Math.max(0, elapsedMs) / 1000) * route.speedMps;
  if (route.loop) travelled %= total;
  for (const leg of legs) {
    if (travelled <= leg.length && leg.length > 0) {
      return { ...interpolate(leg.from, leg.to, travelled / leg.length), speedMps: route.speedMps, courseDeg: bearingDeg(leg.from, leg.to) };
    }
    travelled -= leg.length;
  }
  const last = legs[legs.length - 1]!;
  return { ...last.to, speedMps: 0, courseDeg: bearingDeg(last.from, last.to) };
}

function alongTimedPoints(route: TimedRoute, elapsedMs: number): RoutePosition {
  const points = route.points;
  const first = points[0]!;
  if (points.length === 1 || elapsedMs <= first.atMs) return { ...pick(first), speedMps: 0, courseDeg: null };
  for (let i = 1; i < points.length; i++) {
    const from = points[i - 1]!;
    const to = points[i]!;
    if (elapsedMs <= to.atMs) {
      const duration = to.atMs - from.atMs;
      return {
        ...interpolate(from, to, (elapsedMs - from.atMs) / duration),
        speedMps: distanceM(from, to) / (duration / 1000),
        courseDeg: bearingDeg(from, to),
      };
    }
  }
  const last = points[points.length - 1]!;
  return { ...pick(last), speedMps: 0, courseDeg: bearingDeg(points[points.length - 2]!, last) };
}

function pick(p: LatLon): LatLon {
  return { latitude: p.latitude, longitude: p.longitude };
}
