/** Reading systemd unit files in tests. */
import { readFile } from 'node:fs/promises';

/** The `Key=value` lines of a unit file, comments left out. */
export async function unitSettings(file: string): Promise<[string, string][]> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').flatMap((line) => {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    return m ? [[m[1]!, m[2]!] as [string, string]] : [];
  });
}
