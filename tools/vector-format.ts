/**
 * The text form of a vector file (SPEC.md §8): one `key: value` line per field, in the order written. Shared by the
 * generator, which writes them, and the tests, which read them back.
 */

export type VectorFields = Record<string, string>;

export function formatVector(fields: VectorFields): string {
  return Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n';
}

/** The fields of a vector file; a line without `: ` (none is written) is ignored. */
export function parseVector(text: string): VectorFields {
  const fields: VectorFields = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(': ');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 2);
  }
  return fields;
}

/** `lat,lon` in degrees, as the `origin` line writes it. */
export function formatOrigin(o: { lat: number; lon: number }): string {
  return `${o.lat},${o.lon}`;
}

/** The fix context a frame vector states; a vector without `origin` is read with 0,0 (a cart without one). */
export function readFixContext(v: VectorFields): { origin: { lat: number; lon: number }; now: number } {
  const [lat, lon] = (v.origin ?? '0,0').split(',').map(Number) as [number, number];
  return { origin: { lat, lon }, now: Number(v.now ?? 0) };
}
