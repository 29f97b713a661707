import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLoa } from '../support/cli.js';

const key = '11'.repeat(32);

describe('loa proto', () => {
  it('encodes a message and decodes it back, plain and on serial', async () => {
    for (const serial of [[], ['--serial']]) {
      const origin = ['--origin', '19.82,105.6'];
      const enc = await runLoa(['proto', 'encode', 'fix', '--json', '{"time":1795914000,"lat":19.88,"lon":105.6,"speed":1.2,"course":87,"satellites":9,"quality":"gps"}', '--unit-key', key, '--unit', '7', ...origin, ...serial]);
      expect(enc.code, enc.stderr).toBe(0);
      const hex = enc.stdout.trim();
      expect(hex).toMatch(/^[0-9a-f]+$/);
      const dec = await runLoa(['proto', 'decode', hex, '--unit-key', key, ...origin, '--now', '1795920000', ...serial]);
      expect(dec.code, dec.stderr).toBe(0);
      const json = JSON.parse(dec.stdout) as { unit: number; messages: { lat: number; quality: string }[] };
      expect(json.unit).toBe(7);
      expect(json.messages[0]).toMatchObject({ time: 1795914000, lat: 19.88, lon: 105.6, quality: 'gps' });
      // Read with another origin the same bytes give another place: the origin belongs with the unit key.
      const elsewhere = await runLoa(['proto', 'decode', hex, '--unit-key', key, '--origin', '0,0', '--now', '1795920000', ...serial]);
      expect(JSON.parse(elsewhere.stdout)).toMatchObject({ messages: [{ lat: 0.06, lon: 0 }] });
    }
  });

  it('batches several messages given as a JSON array', async () => {
    const enc = await runLoa(['proto', 'encode', 'telemetry', '--json', '[{"soc":80},{"soc":79}]']);
    const dec = await runLoa(['proto', 'decode', enc.stdout.trim()]);
    expect((JSON.parse(dec.stdout) as { messages: unknown[] }).messages).toHaveLength(2);
  });

  it('exits 1 with one line that says what is wrong', async () => {
    const enc = await runLoa(['proto', 'encode', 'telemetry', '--json', '{"soc":80}', '--unit-key', key]);
    const hex = enc.stdout.trim();
    const cases: [string[], RegExp][] = [
      [[hex, '--unit-key', '22'.repeat(32)], /bad-tag/],
      [[hex.slice(0, 10), '--unit-key', key], /truncated/],
      [['20' + hex.slice(2), '--unit-key', key], /phiên bản giao thức.*version 2/],
      [[enc.stdout.trim(), '--serial', '--unit-key', key], /bad-crc|bad-cobs|truncated/],
    ];
    for (const [args, message] of cases) {
      const r = await runLoa(['proto', 'decode', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it('refuses an origin that is not "lat,lon" in degrees, saying what it needs', async () => {
    const r = await runLoa(['proto', 'decode', '00', '--origin', '19.82']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('loa proto decode: --origin 19.82: cần "vĩ độ,kinh độ" tính bằng độ, ví dụ 19.82,105.6');
    const en = await runLoa(['proto', 'decode', '00', '--origin', '19.82', '--lang', 'en']);
    expect(en.stderr.split('\n')[0]).toBe('loa proto decode: --origin 19.82: needs "lat,lon" in degrees, e.g. 19.82,105.6');
  });

  it('names the missing field of a message, in English on request', async () => {
    const r = await runLoa(['proto', 'encode', 'fix', '--json', '{"time":1}', '--lang', 'en']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a value is out of range.*fix message is missing lat, lon/);
  });

  it('signs a command and shows it inside the district frame', async () => {
    const enc = await runLoa(['proto', 'encode', 'command', '--json', '{"unit":1,"counter":3,"issued":1,"expires":2,"action":"stop"}']);
    expect(enc.code, enc.stderr).toBe(0);
    const dec = await runLoa(['proto', 'decode', enc.stdout.trim()]);
    expect(JSON.parse(dec.stdout)).toMatchObject({ kind: 'district', messages: [{ type: 'command', command: { type: 'command', command: { action: 'stop', counter: 3 } } }] });
  });

  it('prints sizes beside JSON', async () => {
    const r = await runLoa(['proto', 'sizes', '--lang', 'en']);
    expect(r.stdout).toMatch(/telemetry-and-fix\s+42\s+46\s+\d+/);
  });

  const bin = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'loa.js');
  it.skipIf(!existsSync(bin))('runs as the compiled `loa` command (skipped when not built: npm test builds first)', () => {
    const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/proto/);
    const bad = spawnSync(process.execPath, [bin, 'nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/loa --help/);
  });
});
