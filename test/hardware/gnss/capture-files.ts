// The real NMEA captures (recorded by the GPSD project, BSD-2-Clause: see COPYING.gpsd beside them) are committed
// under test/fixtures/nmea, so a fresh clone has everything its tests read.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const captureDir = fileURLToPath(new URL('../../fixtures/nmea', import.meta.url));

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
