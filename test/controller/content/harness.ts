// A content library on a real SQLite file in a temp folder, with the published test district key and a tone
// "converter" (the AudioImporter interface) that writes real little WAV files without needing sox.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqliteDb } from '../../../lib/sqlite.js';
import { privateKeyFromSeed, type Priority } from '../../../protocol/index.js';
import { TEST_DISTRICT_SEED } from '../../../tools/vector-cases.js';
import type { AudioFacts, AudioImporter } from '../../../controller/content/audio.js';
import { ContentLibrary, type ClipRecord } from '../../../controller/content/library.js';
import { ManifestPublisher, type AnnounceClient } from '../../../controller/content/manifests.js';
import { ContentWorkflow } from '../../../controller/content/workflow.js';
import { openControllerDb } from '../../../controller/db/database.js';
import type { Actor } from '../../../controller/users/roles.js';

export const DISTRICT = 'yen-dinh';
/** 2026-11-29 08:00:00 +07:00 */
export const T0 = 1_795_914_000;

export const admin: Actor = { name: 'quan-tri', role: 'admin' };
export const police: Actor = { name: 'ca-huyen', role: 'approver' };
export const youth: Actor = { name: 'doan-huyen', role: 'approver' };
export const culture: Actor = { name: 'phong-vh', role: 'submitter' };
export const commune: Actor = { name: 'xa-dan-luc', role: 'submitter' };
export const viewer: Actor = { name: 'xem', role: 'viewer' };
export const tech: Actor = { name: 'ky-thuat', role: 'technician' };

/** 16 kHz mono 16-bit WAV bytes of `ms` milliseconds of a tone whose pitch is `seed`. */
export function toneWav(ms: number, seed: number): Buffer {
  const samples = Math.round((16_000 * ms) / 1000);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * (300 + seed) * i) / 16_000)), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(16_000, 24);
  h.writeUInt32LE(32_000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Writes a distinct tone for every call (the input file and text are ignored). */
export class ToneAudio implements AudioImporter {
  #n = 0;
  async importFile(_input: string, output: string): Promise<AudioFacts> {
    return this.#write(output);
  }
  async speak(_text: string, output: string): Promise<AudioFacts> {
    return this.#write(output);
  }
  async #write(output: string): Promise<AudioFacts> {
    this.#n += 1;
    await writeFile(output, toneWav(500, this.#n));
    return { durationMs: 500, rmsDb: -15, peakDb: -12 };
  }
}

export interface ContentRig {
  dir: string;
  db: SqliteDb;
  clock: { now: number };
  library: ContentLibrary;
  workflow: ContentWorkflow;
  manifests: ManifestPublisher;
  /** Submits a tone clip as `who`. */
  submit(who?: Actor, title?: string, priority?: Priority): Promise<ClipRecord>;
  close(): Promise<void>;
}

export async function makeContent(options: { mqtt?: AnnounceClient } = {}): Promise<ContentRig> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-content-'));
  const db = await openControllerDb(join(dir, 'controller.db'));
  const clock = { now: T0 };
  const now = (): number => clock.now;
  const library = new ContentLibrary({ db, dataDir: dir, audio: new ToneAudio() });
  await library.start();
  const workflow = new ContentWorkflow({ library, clock: now });
  const signer = { privateKey: privateKeyFromSeed(TEST_DISTRICT_SEED) };
  const manifests = new ManifestPublisher({ db, library, signer, district: DISTRICT, workflow, checkIntervalMs: 0, clock: now, mqtt: options.mqtt, announceTimeoutMs: 3000 });
  await manifests.start();
  let n = 0;
  return {
    dir,
    db,
    clock,
    library,
    workflow,
    manifests,
    async submit(who = culture, title, priority = 'ordinary') {
      n += 1;
      const file = await library.addSpeech('x');
      return workflow.submit(who, file, { title: title ?? `Bản tin ${n}`, priority }, 'test.wav');
    },
    async close() {
      await manifests.stop();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
