/**
 * `npm run package:check-arm64`: proves the cart program runs on the Pi's CPU. Builds loa-unit for arm64 (its
 * native addons compiled in an emulated Debian root), installs it with dpkg into a clean arm64 Debian trixie root
 * (Node.js 20 from Debian, nothing of this machine), and there, under qemu-user-static:
 *   - `loa unit selftest --sim` must pass;
 *   - `loa unit run --sim --autoplay`, as the `loa` user the package made, must say READY on a NOTIFY_SOCKET,
 *     play, keep records and answer `loa unit status`, then stop on SIGTERM with STOPPING.
 * Prints how long each part took (the emulated build, the cold start to READY). Long (minutes): not part of the
 * default CI run. Needs root, mmdebstrap, qemu-user-static and binfmt-support. `-- --deb FILE` checks a package
 * already built instead of building one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { packageArch } from './main.js';
import { cacheDir, copyRoot, ensureRoot, inRoot, removeRoot } from './roots.js';
import { have, step, StepError } from './shell.js';

/** A datagram listener on `path` (socat), with the arrival time of each notify line. */
function notifyListener(path: string): { lines: { at: number; text: string }[]; stop(): void } {
  const lines: { at: number; text: string }[] = [];
  const socat = spawn('socat', ['-u', `UNIX-RECV:${path},unlink-early,mode=777`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'inherit'] });
  socat.stdout.on('data', (d: Buffer) => {
    for (const text of d.toString().split('\n')) if (text) lines.push({ at: performance.now(), text });
  });
  return { lines, stop: () => socat.kill() };
}

const RUN_SCRIPT = `
set -e
install -d -o loa -g loa -m 0750 /var/lib/loa/sim
as_loa() { setpriv --reuid=loa --regid=loa --init-groups "$@"; }
# Not through the function: $! must be the cart itself (setpriv and /usr/bin/loa both exec), not a subshell.
NOTIFY_SOCKET=/run/loa-notify WATCHDOG_USEC=60000000 setpriv --reuid=loa --regid=loa --init-groups loa unit run --sim --autoplay --data /var/lib/loa/sim > /tmp/run.log 2>&1 &
pid=$!
i=0
while [ $i -lt 240 ]; do
  if as_loa loa unit status --json --data /var/lib/loa/sim > /tmp/status.json 2>/dev/null && grep -q '"state": "playing"' /tmp/status.json; then break; fi
  i=$((i + 1)); sleep 1
done
as_loa loa unit status --data /var/lib/loa/sim
kill -TERM $pid
code=0
wait $pid || code=$?
echo "the cart exited with $code after SIGTERM"
test $code -eq 0
test -s /var/lib/loa/sim/cart.db
grep -q '"state": "playing"' /tmp/status.json
`;

async function main(): Promise<number> {
  for (const tool of ['mmdebstrap', 'socat', 'dpkg-deb']) if (!(await have(tool))) throw new StepError(`${tool} is missing: apt-get install -y mmdebstrap socat qemu-user-static binfmt-support`, '');
  const { values } = parseArgs({ options: { deb: { type: 'string' } } });
  const repo = resolve(import.meta.dirname, '..', '..', '..');
  const outDir = join(repo, 'build', 'packages');
  // --deb FILE: check a package already built (npm run package -- --arch arm64) instead of building it again.
  const build = values.deb
    ? { value: { built: [{ path: resolve(values.deb), bytes: (await stat(values.deb)).size, installedKiB: Number(execFileSync('dpkg-deb', ['--field', values.deb, 'Installed-Size'], { encoding: 'utf8' })) }], modulesSeconds: 0 }, seconds: 0 }
    : await step('loa-unit for arm64, native addons compiled under emulation', () => packageArch({ repo, arch: 'arm64', roles: ['unit'], outDir }));
  const deb = build.value.built[0]!;
  const clean = await step('a clean arm64 Debian trixie root with Node.js (made once, then cached)', () =>
    ensureRoot({ arch: 'arm64', suite: 'trixie', include: ['nodejs', 'adduser', 'alsa-utils'], name: 'trixie-arm64-clean' }),
  );
  const root = await copyRoot(clean.value, join(cacheDir(), 'work', 'check-arm64-root'));
  await mkdir(join(root, 'tmp'), { recursive: true });
  await cp(deb.path, join(root, 'tmp', 'loa-unit.deb'));
  await step('dpkg -i loa-unit (arm64)', () => inRoot(root, 'dpkg -i /tmp/loa-unit.deb && loa --lang en unit --help | head -1'));
  const selftest = await step('loa unit selftest --sim (arm64)', () => inRoot(root, 'loa unit selftest --sim --data /tmp/selftest'));
  const listener = notifyListener(join(root, 'run', 'loa-notify'));
  await new Promise((r) => setTimeout(r, 300));
  const start = performance.now();
  try {
    await step('loa unit run --sim as user loa: READY, plays, records, status, SIGTERM (arm64)', () => inRoot(root, RUN_SCRIPT));
  } finally {
    listener.stop();
  }
  const ready = listener.lines.find((l) => l.text === 'READY=1');
  const stopping = listener.lines.find((l) => l.text === 'STOPPING=1');
  if (!ready) throw new StepError('the cart never said READY=1 on its NOTIFY_SOCKET', '');
  if (!stopping) throw new StepError('the cart did not say STOPPING=1 on SIGTERM', '');
  console.log(`\narm64 check passed.`);
  console.log(`  package ${deb.path}: ${(deb.bytes / 1048576).toFixed(1)} MiB, installed ${(deb.installedKiB / 1024).toFixed(1)} MiB`);
  if (!values.deb) console.log(`  emulated build: ${build.seconds.toFixed(0)} s (node_modules ${build.value.modulesSeconds.toFixed(0)} s)`);
  console.log(`  selftest --sim: ${selftest.seconds.toFixed(1)} s; cold start to READY under emulation: ${((ready.at - start) / 1000).toFixed(1)} s`);
  await removeRoot(root);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`npm run package:check-arm64: ${process.env.LOA_DEBUG ? (err as Error).stack : (err as Error).message}`);
    process.exit(1);
  },
);
