import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLoa } from '../support/cli.js';
import { captureDir } from '../hardware/gnss/capture-files.js';

// The raw file, recorder comments and all: the command reads captures as they are kept.
const capture = join(captureDir, 'mt3339.log');

describe('loa hw nmea', () => {
  it('prints one JSON line per fix from a file and the counts on stderr', async () => {
    const r = await runLoa(['hw', 'nmea', capture]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { lat: number; lon: number; quality: string; time: string });
    expect(lines.length).toBeGreaterThan(10);
    expect(lines[0]).toMatchObject({ quality: expect.any(String), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(r.stderr).toMatch(/câu tốt: \d+, sai checksum: 0/);
  });

  it('reads standard input and counts a corrupted sentence', async () => {
    const text = readFileSync(capture, 'utf8').replace('$GPRMC', '$GPRMX');
    const r = await runLoa(['hw', 'nmea', '--lang', 'en'], {}, text);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/bad checksum: [1-9]/);
  });

  it('says what to check when the file cannot be read', async () => {
    const r = await runLoa(['hw', 'nmea', '/nonexistent/gps.log']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOENT.*Kiểm tra đường dẫn/);
  });
});
