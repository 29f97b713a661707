/**
 * Writes protocol/vectors/*.txt from tools/vector-files.ts, and removes a vector file no case makes any more. Every
 * vector is deterministic, so running this again gives the same files; test/protocol/vectors.test.ts checks that
 * the committed files are exactly what this writes.
 *
 *   npm run vectors
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vectorFiles } from './vector-files.js';

const dir = join(import.meta.dirname, '..', '..', 'protocol', 'vectors');
mkdirSync(dir, { recursive: true });

const files = vectorFiles();
for (const [name, text] of files) writeFileSync(join(dir, `${name}.txt`), text);
const stale = readdirSync(dir).filter((f) => f.endsWith('.txt') && !files.has(f.slice(0, -'.txt'.length)));
for (const f of stale) rmSync(join(dir, f));

console.log(`${files.size} vectors written to ${dir}${stale.length > 0 ? `; removed ${stale.join(', ')}` : ''}`);
