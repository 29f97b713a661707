/**
 * `loa release`: the technician's tools for release bundles (keygen, inspect: release-tools.ts) and the district's
 * store and staged rollouts (add, list, rollout, resume, stop, rollback, status: release-controller.ts), as one
 * group. Each half keeps its own table; a command goes to the half that knows its name.
 */
import { pick, type Lang } from './i18n.js';
import type { CliIo, GroupSpec } from './io.js';
import { releaseControllerSpec, runReleaseController } from './release-controller.js';
import { releaseSpec as toolsSpec, runRelease as runTools } from './release-tools.js';

const join = (a: string, b: string): string => `${a}\n${b.replace(/^[^\n]*\n/u, '')}`;

export const releaseSpec = {
  name: 'release',
  help: { vi: join(toolsSpec.help.vi, releaseControllerSpec.help.vi), en: join(toolsSpec.help.en, releaseControllerSpec.help.en) },
  options: { ...toolsSpec.options, ...releaseControllerSpec.options },
  commands: [...toolsSpec.commands, ...releaseControllerSpec.commands],
} as const satisfies GroupSpec;

const TOOLS = new Set<string>(toolsSpec.commands.map((c) => c.name));

export async function runRelease(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const word = argv.find((a) => !a.startsWith('-'));
  if (word === undefined && argv.some((a) => a === '--help' || a === '-h')) {
    io.stdout.write(pick(lang, releaseSpec.help) + '\n');
    return 0;
  }
  if (word !== undefined && TOOLS.has(word)) return runTools(argv, io, lang);
  if (word === undefined) {
    io.stdout.write(pick(lang, releaseSpec.help) + '\n');
    return 2;
  }
  return runReleaseController(argv, io, lang);
}
