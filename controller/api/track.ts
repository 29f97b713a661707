/**
 * A cart's GNSS track of one day, as the API hands it out: GeoJSON (RFC 7946) for maps, GPX 1.1 for GPS tools.
 * Days are Vietnam days (Asia/Ho_Chi_Minh, a fixed UTC+7): `2026-11-29` is [2026-11-28T17:00Z, 2026-11-29T17:00Z).
 */
import { vnDate, type VnDayRange } from '../reports/period.js';

export interface TrackPoint {
  /** Unix seconds. */
  time: number;
  lat: number;
  lon: number;
}

const iso = (unix: number): string => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');

/**
 * A FeatureCollection with one LineString of the day's points (longitude first, as GeoJSON wants), the point times in
 * `properties.times` (ISO 8601 UTC). One point gives a Point feature (a LineString needs two); none, no feature.
 */
export function trackGeoJson(unit: string, day: VnDayRange, points: readonly TrackPoint[]): Record<string, unknown> {
  const properties = {
    unit,
    day: day.day,
    dayText: vnDate(day.start),
    points: points.length,
    start: points.length > 0 ? iso(points[0]!.time) : null,
    end: points.length > 0 ? iso(points[points.length - 1]!.time) : null,
    times: points.map((p) => iso(p.time)),
  };
  const coordinates = points.map((p) => [p.lon, p.lat]);
  const features =
    points.length === 0
      ? []
      : [{ type: 'Feature', geometry: points.length === 1 ? { type: 'Point', coordinates: coordinates[0] } : { type: 'LineString', coordinates }, properties }];
  return { type: 'FeatureCollection', features };
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const xml = (s: string): string => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);

/** A GPX 1.1 document with one track of one segment; `name` is what GPS tools show (default `unit — dd/mm/yyyy`). */
export function trackGpx(unit: string, day: VnDayRange, points: readonly TrackPoint[], name = `${unit} — ${vnDate(day.start)}`): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gpx version="1.1" creator="Loa district controller" xmlns="http://www.topografix.com/GPX/1/1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">',
    `  <metadata><name>${xml(name)}</name>${points.length > 0 ? `<time>${iso(points[0]!.time)}</time>` : ''}</metadata>`,
    `  <trk><name>${xml(name)}</name><trkseg>`,
    ...points.map((p) => `    <trkpt lat="${p.lat.toFixed(7)}" lon="${p.lon.toFixed(7)}"><time>${iso(p.time)}</time></trkpt>`),
    '  </trkseg></trk>',
    '</gpx>',
    '',
  ];
  return lines.join('\n');
}
