// The spoken-cue pack, made with the real espeak-ng (skipped with the printed reason where it is missing; CI installs
// it): every cue of the contract in small WAVs that aplay plays, signed with the district key like content; kept,
// signed again after a key rotation (no espeak-ng needed) or spoken again when a text changes; served on
// GET /content/cues with its ETag; `loa controller cues build|export`; and one line to install espeak-ng when it is
// missing, the controller starting without cues.
import { execFileSync } from 'node:child_process';
import { createHash, verify } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CUE_TEXTS, CuePacks, type CuePack } from '../../controller/content/cues.js';
import { DistrictKey } from '../../controller/content/district-key.js';
import { ContentError } from '../../controller/content/errors.js';
import { registerContentRoutes } from '../../controller/content/routes.js';
import { HttpServer } from '../../controller/http/server.js';
import { readTar } from '../../lib/tar.js';
import { runLoa } from '../support/cli.js';
import { missing } from '../support/tools.js';
import { startController } from './app/harness.js';
import { makeContent } from './content/harness.js';

const DISTRICT = 'trieu-son';
/** 2026-11-29 08:00:00 +07:00 */
const T = 1_795_914_000;
const noEspeak = missing('espeak-ng');
const root = mkdtempSync(join(tmpdir(), 'loa-cues-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** The contract's cue ids (issue 16), written out here rather than read from the code under test. */
const CONTRACT_IDS = [
  'outside-hours', 'daily-limit', 'session-limit', 'quiet-zone', 'no-approved-clip', 'time-unknown', 'low-battery', 'energy-reserve',
  ...[5, 10, 15, 20, 30, 45, 60, 90, 120].map((n) => `battery-minutes-${n}`),
];

let n = 0;
async function keyed(): Promise<{ dir: string; key: DistrictKey }> {
  const dir = join(root, `d${++n}`);
  const key = new DistrictKey({ dir, district: DISTRICT });
  await key.start();
  return { dir, key };
}

async function members(tar: Buffer): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const e of readTar(Readable.from([tar]))) {
    const parts: Buffer[] = [];
    for await (const c of e.body) parts.push(c);
    out.set(e.name, Buffer.concat(parts));
  }
  return out;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const NO_ESPEAK = join(root, 'no-such-dir', 'espeak-ng');

describe.skipIf(noEspeak)('the cue pack made with espeak-ng', () => {
  it('speaks every cue of the contract into small 8-bit WAVs, listed and signed with the district key', async () => {
    const { dir, key } = await keyed();
    const packs = new CuePacks({ dataDir: dir, district: DISTRICT, signer: key, clock: () => T });
    const started = performance.now();
    const pack = await packs.build();
    const buildMs = performance.now() - started;
    const d = pack.document;
    expect(d).toMatchObject({ format: 'loa-cues-1', district: DISTRICT, version: T, language: 'vi' });
    expect(d.cues.map((c) => c.id)).toEqual(CONTRACT_IDS);
    expect(d.cues.find((c) => c.id === 'outside-hours')?.text).toBe('Ngoài giờ phát thanh');
    expect(d.cues.find((c) => c.id === 'battery-minutes-20')?.text).toBe('Pin còn khoảng 20 phút');
    const m = await members(pack.tar);
    expect([...m.keys()]).toEqual(['cues.json', 'cues.sig', ...CONTRACT_IDS.map((id) => `${id}.wav`)]);
    const json = m.get('cues.json')!;
    expect(JSON.parse(json.toString('utf8'))).toEqual(d);
    const sig = JSON.parse(m.get('cues.sig')!.toString('utf8')) as { keyId: string; signature: string };
    expect(sig.keyId).toBe(key.keyId);
    expect(verify(null, json, key.privateKey, Buffer.from(sig.signature, 'base64'))).toBe(true);
    expect(pack.sha256).toBe(sha(json));
    let seconds = 0;
    for (const c of d.cues) {
      const wav = m.get(c.file)!;
      expect([wav.length, sha(wav)], c.id).toEqual([c.bytes, c.sha256]);
      // RIFF/WAVE, PCM, mono, 11 025 Hz, 8-bit, and every byte of sound there.
      expect([wav.toString('latin1', 0, 4), wav.toString('latin1', 8, 16), wav.readUInt16LE(20), wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)]).toEqual(['RIFF', 'WAVEfmt ', 1, 1, 11_025, 8]);
      expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
      const s = (wav.length - 44) / 11_025;
      expect(s, c.id).toBeGreaterThan(0.6);
      expect(s, c.id).toBeLessThan(3.5);
      seconds += s;
    }
    expect(pack.seconds).toBeCloseTo(seconds, 3);
    expect(pack.tar.length).toBeLessThan(600_000);
    expect(await readFile(packs.path)).toEqual(pack.tar);
    console.log(`[measure] cue pack: ${d.cues.length} cues, ${seconds.toFixed(1)} s of speech, ${pack.tar.length} bytes (tar), built in ${Math.round(buildMs)} ms`);
  });

  it.skipIf(missing('aplay'))('aplay plays a cue as it is', async () => {
    const { dir, key } = await keyed();
    const pack = await new CuePacks({ dataDir: dir, district: DISTRICT, signer: key, texts: CUE_TEXTS.slice(0, 1) }).build();
    const file = join(dir, 'outside-hours.wav');
    await writeFile(file, (await members(pack.tar)).get('outside-hours.wav')!);
    const said = execFileSync('aplay', ['-D', 'null', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(said).toBe('');
  });

  it('keeps an up-to-date pack, signs it again after a key rotation without espeak-ng, and speaks it again when a text changes', async () => {
    const { dir, key } = await keyed();
    let now = T;
    const first = await new CuePacks({ dataDir: dir, district: DISTRICT, signer: key, clock: () => now }).ensure();
    expect(first.action).toBe('built');
    // A restart: nothing to do, and espeak-ng is not even asked.
    const later = new CuePacks({ dataDir: dir, district: DISTRICT, signer: key, espeak: NO_ESPEAK, clock: () => now });
    const kept = await later.ensure();
    expect([kept.action, kept.pack.document.version]).toEqual(['kept', T]);
    // The district key rotated: the same sounds, signed by the new key, a newer version (the clock did not move).
    await key.rotate();
    const signed = await later.ensure();
    expect(signed.action).toBe('signed');
    expect(signed.pack.keyId).toBe(key.keyId);
    expect(signed.pack.document.version).toBe(T + 1);
    expect(signed.pack.document.cues.map((c) => c.sha256)).toEqual(first.pack.document.cues.map((c) => c.sha256));
    // Rotated while running: what is served is signed again first.
    await key.rotate();
    now = T + 3600;
    const served = (await later.latest())!;
    expect([served.keyId, served.document.version]).toEqual([key.keyId, T + 3600]);
    // A text changed: it must be spoken again, which needs espeak-ng.
    const texts = [...CUE_TEXTS.slice(0, -1), { id: 'battery-minutes-120', text: 'Pin còn khoảng hai giờ' }];
    await expect(new CuePacks({ dataDir: dir, district: DISTRICT, signer: key, espeak: NO_ESPEAK, texts }).ensure()).rejects.toMatchObject({ code: 'no-espeak' });
    const spoken = await new CuePacks({ dataDir: dir, district: DISTRICT, signer: key, texts, clock: () => now }).ensure();
    expect(spoken.action).toBe('built');
    expect(spoken.pack.document.cues.at(-1)).toMatchObject({ id: 'battery-minutes-120', text: 'Pin còn khoảng hai giờ' });
    expect(spoken.pack.document.version).toBe(T + 3601);
  });

  it('is served on GET /content/cues with its ETag, 304 for the pack the cart has, 404 before there is one', async () => {
    const rig = await makeContent();
    const { dir, key } = await keyed();
    const packs = new CuePacks({ dataDir: dir, district: DISTRICT, signer: key, clock: () => T });
    const server = new HttpServer({ port: 0 });
    registerContentRoutes(server, { library: rig.library, manifests: rig.manifests, cues: packs });
    await server.start();
    try {
      const none = await fetch(`${server.url}/content/cues`);
      expect([none.status, ((await none.json()) as { code: string }).code]).toEqual([404, 'no-cues']);
      const pack: CuePack = await packs.build();
      const r = await fetch(`${server.url}/content/cues`);
      expect(r.status).toBe(200);
      expect(r.headers.get('etag')).toBe(`"${pack.sha256}"`);
      expect(r.headers.get('x-loa-cues-version')).toBe(String(T));
      expect(Buffer.from(await r.arrayBuffer()).equals(pack.tar)).toBe(true);
      const same = await fetch(`${server.url}/content/cues`, { headers: { 'If-None-Match': `"${'0'.repeat(64)}", "${pack.sha256}"` } });
      expect(same.status).toBe(304);
    } finally {
      await server.stop();
      await rig.close();
    }
  });

  it('loa controller cues build and export: the pack, then a file for a cart\'s incoming/ folder', async () => {
    const { dir } = await keyed();
    const built = await runLoa(['controller', 'cues', 'build', '--data', dir]);
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/^Đã tạo gói câu nói \d+: 17 câu, [\d,]+ giây, \d+ byte, \d+ ms → .*pack\.tar\n$/);
    const out = join(dir, 'export.tar');
    const exported = await runLoa(['controller', 'cues', 'export', out, '--data', dir, '--lang', 'en']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('/var/lib/loa/unit/content/incoming/cues.tar');
    expect((await readFile(out)).equals(await readFile(join(dir, 'cues', 'pack.tar')))).toBe(true);
  });
});

describe('without espeak-ng', () => {
  it('building says in one line, Vietnamese first, to install it', async () => {
    const { dir, key } = await keyed();
    const err = await new CuePacks({ dataDir: dir, district: DISTRICT, signer: key, espeak: NO_ESPEAK }).build().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect((err as ContentError).code).toBe('no-espeak');
    expect((err as Error).message).toMatch(/^Chưa cài .*`apt install espeak-ng`.* \(.* is not installed.*`apt install espeak-ng`.*\)$/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('the CLI refuses a data folder without the district key, exit code 2, one line', async () => {
    const r = await runLoa(['controller', 'cues', 'build', '--data', join(root, 'empty')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^loa controller cues: không có khoá huyện .*district-key/);
  });

  it('the CLI says so in one line, exit code 2, and makes nothing', async () => {
    const { dir } = await keyed();
    const path = process.env.PATH;
    process.env.PATH = join(root, 'empty-path'); // this file runs in its own process (vitest's forks pool)
    let r;
    try {
      r = await runLoa(['controller', 'cues', 'build', '--data', dir]);
    } finally {
      process.env.PATH = path;
    }
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^loa controller cues: Chưa cài espeak-ng .*`apt install espeak-ng`/)]);
    expect(existsSync(join(dir, 'cues', 'pack.tar'))).toBe(false);
  });

  it('the controller starts anyway, lists the cues feature as not running and answers 404', async () => {
    const path = process.env.PATH;
    // This file runs in its own process (vitest's forks pool): no other test sees the PATH without espeak-ng.
    process.env.PATH = join(root, 'empty-path');
    let rig;
    try {
      rig = await startController();
    } finally {
      process.env.PATH = path;
    }
    try {
      const cues = rig.controller.features.find((f) => f.name === 'cues');
      expect(cues).toMatchObject({ ok: false });
      expect(cues?.error).toContain('apt install espeak-ng');
      const r = await fetch(`${rig.controller.httpUrl}/content/cues`);
      expect(r.status).toBe(404);
      await r.body?.cancel();
    } finally {
      await rig.close();
    }
  });

});
