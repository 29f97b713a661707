/**
 * Places of Triệu Sơn district (Thanh Hóa) used by the simulators and the demo. The coordinates are APPROXIMATE
 * commune centres, read off a map to about a kilometre: good enough for simulated routes, not for navigation.
 */
import type { SimRoute } from '../../hardware/gnss/sim-route.js';

export interface Place {
  id: string;
  name: string;
  lat: number;
  lon: number;
}

/**
 * The district origin of the simulation identity (`loa unit run --sim`): Triệu Sơn, the default district origin of
 * the controller's configuration.
 */
export const TRIEU_SON_ORIGIN = { lat: 19.82, lon: 105.6 } as const;

export const TRIEU_SON_COMMUNES: readonly Place[] = [
  { id: 'tt-trieu-son', name: 'Thị trấn Triệu Sơn', lat: 19.8185, lon: 105.6015 },
  { id: 'dan-luc', name: 'Xã Dân Lực', lat: 19.8390, lon: 105.6180 },
  { id: 'dan-ly', name: 'Xã Dân Lý', lat: 19.8560, lon: 105.6330 },
  { id: 'tho-dan', name: 'Xã Thọ Dân', lat: 19.8640, lon: 105.5800 },
  { id: 'hop-ly', name: 'Xã Hợp Lý', lat: 19.7930, lon: 105.5560 },
  { id: 'nong-truong', name: 'Xã Nông Trường', lat: 19.7700, lon: 105.5950 },
];

/** A loop of about 2 km around a place, walked at a cart's pace (1.2 m/s). */
export function loopAround(place: Place, radiusDeg = 0.004): SimRoute {
  const corners = [
    [radiusDeg, 0],
    [0, radiusDeg],
    [-radiusDeg, 0],
    [0, -radiusDeg],
  ] as const;
  return { waypoints: corners.map(([dLat, dLon]) => ({ latitude: place.lat + dLat, longitude: place.lon + dLon })), speedMps: 1.2, loop: true };
}
