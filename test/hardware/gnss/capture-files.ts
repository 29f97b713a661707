// The real NMEA captures live in the shared data folder beside the repository (`../shared/data/nmea` from the
// repository root, the same layout in CI). They are read in place, never copied into the repository.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const captureDir = fileURLToPath(new URL('../../../../shared/data/nmea', import.meta.url));

/** The receiver's own bytes from `NAME.log`: recorder comment lines (`#`) removed, everything else untouched. */
export function receiverBytes(name: string): Buffer {
  const raw = readFileSync(`${captureDir}/${name}.log`);
  const kept: Buffer[] = [];
  let start = 0;
  while (start < raw.length) {
    const end = raw.indexOf(0x0a, start);
    const stop = end === -1 ? raw.length : end + 1;
    if (raw[start] !== 0x23) kept.push(raw.subarray(start, stop));
    start = stop;
  }
  return Buffer.concat(kept);
}
