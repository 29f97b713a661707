// Temporary folders and sample records shared by the store tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { DurableRecordInput } from '../../../device/store/index.js';

const made: string[] = [];

/** A fresh temporary folder, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'loa-store-'));
  made.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

export function play(start: number, seconds = 30, clip = 'clip-a'): Extract<DurableRecordInput, { type: 'play' }> {
  return {
    type: 'play',
    start: { time: start, source: 'gnss' },
    clip,
    manifestVersion: 7,
    seconds,
    outcome: 'completed',
    trigger: 'button',
    volume: 80,
    where: { lat: 21.0285, lon: 105.8542 },
  };
}

export function event(at: number, code = 'quiet-zone', detail = 'Khu vực yên tĩnh'): Extract<DurableRecordInput, { type: 'event' }> {
  return { type: 'event', at: { time: at, source: 'system' }, kind: 'block', code, detail };
}

export const T0 = 1_750_000_000; // a Unix time in 2025
