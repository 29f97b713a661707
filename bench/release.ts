/**
 * `npm run bench:release [-- BUNDLE]`: how long a cart takes to install a release bundle — take the bundle apart,
 * open its manifest, unpack the payload (every file hashed and flushed, the folder renamed into place) and verify
 * the unpacked folder — beside a plain unpack of the same payload.tar.br (and the same followed by `sync`, since the
 * unpack flushes every file), measured in the same run, three times each. The plain unpack is `brotli -dc | tar xf -`
 * when the brotli command is installed, else Node's own brotli (the decoder the cart uses) piped into `tar xf -`:
 * no hashing, no flushing, so the difference is what the checks cost. By default the bundle `npm run
 * package` wrote for this machine's architecture. The signature is checked with the key of LOA_RELEASE_KEY or the
 * development key build/release-key.pem when one is there.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { extractReleaseBundle, unpackRelease, verifyInstalledRelease } from '../device/update/unpack.js';
import { openReleaseManifest, parseReleaseManifest, RELEASE_MEMBERS, releaseBundleName, type ReleaseArch, type ReleaseManifest } from '../protocol/release.js';

const RUNS = 3;
const repo = resolve(import.meta.dirname, '..', '..');

function hostArch(): ReleaseArch {
  return process.arch === 'arm64' ? 'arm64' : process.arch === 'arm' ? 'armhf' : 'amd64';
}

function releaseKey(): KeyObject | undefined {
  const file = process.env.LOA_RELEASE_KEY || join(repo, 'build', 'release-key.pem');
  return existsSync(file) ? createPrivateKey(readFileSync(file)) : undefined;
}

async function timed<T>(body: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await body();
  return { value, ms: performance.now() - start };
}

function median(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms (${ms.map((m) => m.toFixed(0)).join(', ')})`;
}

const BROTLI_CLI = spawnSync('brotli', ['--version']).status === 0;
const BASELINE = BROTLI_CLI ? 'brotli -dc | tar xf -' : "Node's brotli | tar xf -";

/** The plain unpack: the brotli command when installed, else Node's brotli into tar's standard input. */
async function plainUnpack(payload: string, into: string): Promise<void> {
  if (BROTLI_CLI) {
    const r = spawnSync('sh', ['-c', 'brotli -dc "$1" | tar xf - -C "$2"', 'sh', payload, into], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${BASELINE} of ${payload} failed`);
    return;
  }
  const tar = spawn('tar', ['xf', '-', '-C', into], { stdio: ['pipe', 'inherit', 'inherit'] });
  const exited = new Promise<number | null>((done) => tar.on('close', done));
  await pipeline(createReadStream(payload), createBrotliDecompress(), tar.stdin);
  if ((await exited) !== 0) throw new Error(`${BASELINE} of ${payload} failed`);
}

async function tarX(payload: string, into: string, sync: boolean): Promise<number> {
  const start = performance.now();
  await plainUnpack(payload, into);
  if (sync && spawnSync('sync', ['-f', into]).status !== 0) throw new Error(`sync -f ${into} failed`);
  return performance.now() - start;
}

async function main(): Promise<void> {
  const version = (JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  const bundle = resolve(process.argv[2] ?? join(repo, 'build', 'packages', releaseBundleName(version, hostArch())));
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run package first, or name a bundle`);
  const key = releaseKey();
  const times = { extract: [] as number[], open: [] as number[], unpack: [] as number[], verify: [] as number[], whole: [] as number[], tar: [] as number[], tarSync: [] as number[] };
  let manifest: ReleaseManifest | undefined;
  for (let run = 0; run < RUNS; run++) {
    const dir = await mkdtemp(join(tmpdir(), 'loa-bench-release-'));
    try {
      const start = performance.now();
      const b = await timed(() => extractReleaseBundle(bundle, join(dir, RELEASE_MEMBERS.payload)));
      const m = await timed(async () => (key ? openReleaseManifest(b.value.manifest, b.value.signature, [key]) : parseReleaseManifest(JSON.parse(b.value.manifest.toString('utf8')))));
      manifest = m.value;
      const u = await timed(() => unpackRelease({ payloadFile: b.value.payloadFile, manifest: m.value, releasesDir: join(dir, 'releases'), signature: b.value.signature }));
      const v = await timed(() => verifyInstalledRelease(u.value, m.value));
      times.whole.push(performance.now() - start);
      Object.entries({ extract: b.ms, open: m.ms, unpack: u.ms, verify: v.ms }).forEach(([k, ms]) => times[k as 'extract'].push(ms));
      for (const [name, sync] of [['tar', false], ['tarSync', true]] as const) {
        const into = join(dir, name);
        spawnSync('mkdir', ['-p', into]);
        times[name].push(await tarX(b.value.payloadFile, into, sync));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const m = manifest!;
  const unpacked = m.files.reduce((s, f) => s + f.size, 0);
  console.log(`${bundle}`);
  console.log(`  release ${m.version} ${m.arch}: ${m.files.length} files, ${(unpacked / 1024 / 1024).toFixed(1)} MiB unpacked, ${RELEASE_MEMBERS.payload} ${(m.payload.size / 1024 / 1024).toFixed(1)} MiB; signature ${key ? 'checked' : 'not checked (no key here)'}`);
  console.log(`  install (take apart + open + unpack + verify): ${median(times.whole)}`);
  console.log(`    take the bundle apart ${median(times.extract)}; open the manifest ${median(times.open)}`);
  console.log(`    unpack (payload hash, brotli, per-file hash + fsync, rename) ${median(times.unpack)}; verify the folder ${median(times.verify)}`);
  console.log(`  baseline ${BASELINE} of ${RELEASE_MEMBERS.payload}: ${median(times.tar)}; the same + sync -f: ${median(times.tarSync)}`);
}

main().catch((err: unknown) => {
  console.error(`bench:release: ${(err as Error).message}`);
  process.exit(1);
});
