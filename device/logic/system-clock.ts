/**
 * Whether the OS has synchronised the system clock. systemd-timesyncd creates `/run/systemd/timesync/synchronized`
 * on its first successful synchronisation after boot (`/run` is emptied at every boot). A cart using chrony or
 * ntpd instead must pass the path such a daemon keeps, or another check, to CartClock. The one bit of the clock that
 * touches the file system, kept apart so the clock itself stays pure.
 */
import { existsSync } from 'node:fs';

export const TIMESYNC_SYNCHRONIZED_PATH = '/run/systemd/timesync/synchronized';

/** The part of `node:fs` this needs. */
export interface FileExists {
  existsSync(path: string): boolean;
}

/** True when the synchronisation flag file exists. */
export function systemClockSynchronised(fs: FileExists = { existsSync }, path: string = TIMESYNC_SYNCHRONIZED_PATH): boolean {
  return fs.existsSync(path);
}
