// Tests that use a real system tool run for real where it is installed (CI installs them all) and skip with a
// printed reason elsewhere, never silently pass.
import { spawnSync } from 'node:child_process';

const cache = new Map<string, boolean>();

/** True when `name` is an executable on PATH. */
export function hasTool(name: string): boolean {
  let found = cache.get(name);
  if (found === undefined) {
    found = spawnSync('sh', ['-c', `command -v ${JSON.stringify(name)}`], { stdio: 'ignore' }).status === 0;
    cache.set(name, found);
    if (!found) console.warn(`[skip] ${name} is not installed here: tests that need it are skipped (CI installs it).`);
  }
  return found;
}

/** Use as `it.skipIf(missing('socat'))(...)`: prints the reason once when the tool is missing. */
export function missing(name: string): boolean {
  return !hasTool(name);
}
