// A content library on a real SQLite file in a temp folder, with the published test district key and a tone
// "converter" (the AudioImporter interface) that writes real little WAV files without needing sox.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeToneWav } from '../../../hardware/audio/wav.js';
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

/** Writes a tone of its own pitch for every call, so every clip has its own hash (the input file and text are ignored). */
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
    await writeFile(output, encodeToneWav({ seconds: 0.5, frequency: 300 + this.#n }));
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
