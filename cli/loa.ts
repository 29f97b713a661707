#!/usr/bin/env node
// The installed `loa` command. Everything it does lives in main.ts, which tests call in-process.
import { chooseLang } from './i18n.js';
import { processIo } from './io.js';
import { main, reportUnexpected } from './main.js';

const argv = process.argv.slice(2);

/**
 * With LOA_RELEASES set, `loa unit run` may run a release installed over the air instead, in this same process
 * (device/update/launcher.ts); loaded only then, so other commands start as fast as before.
 */
async function program(): Promise<(args: string[]) => Promise<number>> {
  if (!process.env.LOA_RELEASES || !argv.includes('unit') || !argv.includes('run')) return main;
  const [{ launchRelease }, { ownVersion }] = await Promise.all([import('../device/update/launcher.js'), import('../device/update/releases.js')]);
  return (await launchRelease(argv, process.env, () => ownVersion(import.meta.url))) ?? main;
}

program()
  .then((run) => run(argv))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // main answers every error itself; this is the last guard, one line too (the stack with LOA_DEBUG=1).
      process.exitCode = reportUnexpected(processIo, chooseLang(undefined, process.env), 'loa', err);
    },
  );
