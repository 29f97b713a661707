// Every `loa` command given bad input: an unknown option, an option of the group that this command does not take, a
// missing value, a value beginning with "-", a value for a flag, a bad number or word, an argument too many, an
// unknown command. Each must answer with exit code 2, one line saying what is wrong and the command's usage lines,
// never a stack, in Vietnamese unless English was asked for (--lang en in any position). The commands and options
// come from the groups' own tables, which are checked against their --help, so a new command cannot escape this.
import { describe, expect, it } from 'vitest';
import { usageLines, type CommandSpec, type GroupSpec } from '../../cli/io.js';
import { groups } from '../../cli/main.js';
import { runLoa } from '../support/cli.js';

const specs: GroupSpec[] = await Promise.all(Object.values(groups).map(async (g) => (await g.load()).spec));

/** A letter only Vietnamese uses; the English answers have none. */
const VIETNAMESE = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i;

interface Case {
  argv: string[];
  /** What the error line must name. */
  names: string;
}

function words(spec: GroupSpec, command: CommandSpec): string[] {
  return [spec.name, ...(command.name === '' ? [] : command.name.split(' '))];
}

function casesOf(spec: GroupSpec): Case[] {
  const out: Case[] = [];
  for (const command of spec.commands) {
    const base = words(spec, command);
    out.push({ argv: [...base, '--bogus'], names: '--bogus' });
    out.push({ argv: [...base, '-Z'], names: '-Z' });
    out.push({ argv: [...base, ...Array<string>(command.args + 1).fill('extra')], names: 'extra' });
    for (const name of command.options) {
      const o = spec.options[name]!;
      const flag = `--${name}`;
      if (o.type === 'boolean') {
        out.push({ argv: [...base, `${flag}=yes`], names: flag });
        continue;
      }
      out.push({ argv: [...base, flag], names: flag });
      out.push({ argv: [...base, flag, '-x'], names: `${flag}=-x` });
      if (o.number) {
        out.push({ argv: [...base, `${flag}=abc`], names: `${flag} abc` });
        out.push({ argv: [...base, `${flag}=${o.number.max + 1}`], names: `${flag} ${o.number.max + 1}` });
      }
      if (o.choices) out.push({ argv: [...base, `${flag}=bogus`], names: `${flag} bogus` });
    }
    const other = Object.entries(spec.options).find(([n]) => !command.options.includes(n));
    if (other) out.push({ argv: [...base, other[1].type === 'boolean' ? `--${other[0]}` : `--${other[0]}=v`], names: `--${other[0]}` });
  }
  if (!spec.commands.some((c) => c.name === '')) out.push({ argv: [spec.name, 'bogus'], names: 'bogus' });
  return out;
}

/** `--lang en` at the start, at the end, or joined after the group: main takes it from anywhere. */
function inEnglish(argv: string[], i: number): string[] {
  if (i % 3 === 0) return ['--lang', 'en', ...argv];
  if (i % 3 === 1) return [...argv, '--lang', 'en'];
  return [argv[0]!, '--lang=en', ...argv.slice(1)];
}

function expectUsageError(r: { code: number; stdout: string; stderr: string }, group: string, c: Case, lang: 'vi' | 'en'): void {
  const shown = `${c.argv.join(' ')} →\n${r.stderr}${r.stdout}`;
  expect(r.code, shown).toBe(2);
  expect(r.stdout, shown).toBe('');
  expect(r.stderr, shown).not.toMatch(/^\s+at /m);
  expect(r.stderr, shown).not.toMatch(/ERR_|TypeError|Error:/);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0], shown).toMatch(new RegExp(`^loa ${group}( [a-z-]+)*: `));
  expect(lines[0], shown).toContain(c.names);
  expect(lines[1], shown).toBe(lang === 'vi' ? 'Cách dùng:' : 'Usage:');
  expect(lines.length, shown).toBeGreaterThan(2);
  expect(lines.slice(2).every((l) => /^\s/.test(l)), shown).toBe(true);
  expect(lines.slice(2).some((l) => l.includes(`loa ${group}`)), shown).toBe(true);
  if (lang === 'vi') expect(lines[0], shown).toMatch(VIETNAMESE);
  else expect(lines[0], shown).not.toMatch(VIETNAMESE);
}

describe.each(specs.map((s) => [s.name, s] as const))('loa %s given bad input', (group, spec) => {
  const cases = casesOf(spec);

  it('answers every mistake in one Vietnamese line and the usage, exit code 2', async () => {
    expect(cases.length).toBeGreaterThan(2);
    for (const c of cases) expectUsageError(await runLoa(c.argv), group, c, 'vi');
  });

  it('answers the same mistakes in English with --lang en anywhere', async () => {
    for (const [i, c] of cases.entries()) expectUsageError(await runLoa(inEnglish(c.argv, i)), group, c, 'en');
  });

  it('has a usage block in its --help for every command, naming exactly the options the command takes', () => {
    for (const lang of ['vi', 'en'] as const) {
      const help = spec.help[lang];
      for (const command of spec.commands) {
        const lines = usageLines(spec, lang, command);
        const own = lines.filter((l) => !/^\s*(Tuỳ chọn chung|Common options):/.test(l));
        expect(own.length, `${group} ${command.name} (${lang})`).toBeGreaterThan(0);
        const named = new Set([...lines.join(' ').matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]!));
        for (const o of command.options) expect(named, `loa ${group} ${command.name} --${o} in the help (${lang})`).toContain(o);
        const ownNamed = new Set([...own.join(' ').matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]!));
        for (const o of ownNamed) if (o !== 'lang') expect(command.options, `--${o} in the help of loa ${group} ${command.name} (${lang})`).toContain(o);
      }
      // …and no usage line in the help for a command the table does not have.
      for (const line of help.split('\n')) {
        const m = new RegExp(`^\\s*loa ${group}((?: [a-z][a-z-]*)*)`).exec(line);
        if (!m) continue;
        const said = m[1]!.trim();
        const known = spec.commands.some((c) => c.name === '' || said === c.name || said.startsWith(`${c.name} `));
        expect(known, `"${line.trim()}" in the help of loa ${group} (${lang})`).toBe(true);
      }
    }
  });
});

describe('loa itself given bad input', () => {
  it.each([
    [['--lang'], '--lang'],
    [['--lang', 'fr', 'unit', '--help'], '--lang fr'],
    [['nogroup'], 'nogroup'],
    [['--data', 'x', 'unit', 'status'], '--data'],
  ])('%j: one line and the usage, exit code 2', async (argv, names) => {
    const r = await runLoa(argv);
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^loa: /);
    expect(lines[0]).toContain(names);
    expect(lines[0]).toMatch(VIETNAMESE);
    expect(lines.slice(1)).toEqual(['Cách dùng:', expect.stringContaining('loa <nhóm> <lệnh>')]);
  });
});

describe('loa province mosquitto-setup and area password given incomplete input', () => {
  const cases: Case[] = [
    { argv: ['province', 'mosquitto-setup'], names: '--config' },
    { argv: ['province', 'mosquitto-setup', '--config', 'p.json', '--tls-cert', 'c.pem'], names: '--tls-key, --tls-ca' },
    { argv: ['province', 'mosquitto-setup', '--config', 'p.json', '--files', 'a b'], names: '--files a b' },
    { argv: ['province', 'mosquitto-setup', '--config', 'p.json', '--host', 'a/b'], names: '--host a/b' },
    { argv: ['province', 'area', 'password'], names: 'district.id' },
  ];

  it('answers each in one line and the usage, exit code 2, in Vietnamese and with --lang en', async () => {
    for (const c of cases) expectUsageError(await runLoa(c.argv), 'province', c, 'vi');
    for (const [i, c] of cases.entries()) expectUsageError(await runLoa(inEnglish(c.argv, i)), 'province', c, 'en');
  });
});
