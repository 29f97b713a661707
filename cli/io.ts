import { parseArgs } from 'node:util';
import { pick, type Lang, type Text } from './i18n.js';

/** What a CLI command reads and writes, so that tests can run commands in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };

/** The level of a running program's log lines: `LOA_LOG_LEVEL=debug` shows everything, otherwise info and above. */
export function logLevelFrom(env: NodeJS.ProcessEnv): 'debug' | 'info' {
  return env.LOA_LOG_LEVEL === 'debug' ? 'debug' : 'info';
}

/**
 * Whether log lines start with their syslog priority (`<4>`…): when standard output is the journal (systemd sets
 * JOURNAL_STREAM for a service whose output goes there), so that journald files each line at its level. A person
 * who asked for --pretty reads the lines, and gets none.
 */
export function journalPrefixFrom(env: NodeJS.ProcessEnv, pretty: boolean): boolean {
  return !pretty && env.JOURNAL_STREAM !== undefined && env.JOURNAL_STREAM !== '';
}

/** A command group: `loa <group> ...`, with the language `main` chose (`--lang` anywhere, LOA_LANG, Vietnamese). */
export type CommandGroup = (argv: string[], io: CliIo, lang: Lang) => Promise<number>;

/** A usage mistake the person at the keyboard can fix; `main` prints it as one line and the usage, exit code 2. */
export class UsageError extends Error {
  readonly code = 'LOA_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A number an option must be: within [min, max], above min when `aboveMin`, whole when `integer`. */
export interface NumberRule {
  min: number;
  max: number;
  integer?: boolean;
  aboveMin?: boolean;
}

/** One option of a command group: node:util parseArgs' own fields, and what a string's value must be. */
export type OptionSpec =
  | { readonly type: 'boolean'; readonly short?: string }
  | {
      readonly type: 'string';
      readonly short?: string;
      readonly multiple?: boolean;
      readonly default?: string;
      /** The value is a number; checked by {@link parseCommand}, with the same message in every group. */
      readonly number?: NumberRule;
      /** The value is one of these words. */
      readonly choices?: readonly string[];
    };

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** One command of a group: its words after `loa <group>` ('' for a group that is one command, like `loa report`). */
export interface CommandSpec {
  readonly name: string;
  /** The options of the group's table it takes; --help always, --lang is main's. */
  readonly options: readonly string[];
  /** How many arguments may follow the command's words. */
  readonly args: number;
}

/**
 * A command group as the parser, `main` and the bad-input test see it: its help (whose `loa <group> <command>`
 * lines are the usage printed after a mistake), its options and its commands.
 */
export interface GroupSpec<T extends OptionTable = OptionTable> {
  readonly name: string;
  readonly help: Text;
  readonly options: T;
  readonly commands: readonly CommandSpec[];
}

type ValueOf<O extends OptionSpec> = O extends { type: 'boolean' } ? boolean : O extends { multiple: true } ? string[] : string;
type Present<O extends OptionSpec> = O extends { type: 'boolean' } ? true : O extends { default: string } ? true : false;

/** The parsed values: booleans are false when absent, strings undefined unless they have a default. */
export type Values<T extends OptionTable> = { -readonly [K in keyof T]: Present<T[K]> extends true ? ValueOf<T[K]> : ValueOf<T[K]> | undefined };

export interface ParsedCommand<T extends OptionTable> {
  /** Undefined when no command was named (or with --help before one). */
  command: CommandSpec | undefined;
  /** The arguments after the command's words. */
  args: string[];
  values: Values<T>;
  help: boolean;
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h' };

const say = {
  unknown: (o: string): Text => ({ vi: `không có tuỳ chọn ${o}`, en: `there is no option ${o}` }),
  missing: (o: string): Text => ({ vi: `${o} cần một giá trị`, en: `${o} needs a value` }),
  dashed: (o: string, v: string): Text => ({
    vi: `${o} thiếu giá trị (nếu "${v}" là giá trị thì viết liền: ${o}=${v})`,
    en: `${o} is missing its value (if "${v}" is the value, join them: ${o}=${v})`,
  }),
  flag: (o: string): Text => ({ vi: `${o} không nhận giá trị (chỉ viết ${o})`, en: `${o} takes no value (write just ${o})` }),
  extra: (a: string): Text => ({ vi: `thừa đối số "${a}"`, en: `unexpected argument "${a}"` }),
  notHere: (o: string, cmd: string): Text => ({ vi: `${o} không dùng với "${cmd}"`, en: `${o} is not an option of "${cmd}"` }),
  noCommand: (c: string, group: string): Text => ({ vi: `không có lệnh "${c}" (xem loa ${group} --help)`, en: `no command "${c}" (see loa ${group} --help)` }),
};

/** The message for a value that is not the number `rule` asks for: `--speed abc: …`. */
export function numberProblem(lang: Lang, name: string, value: string, rule: NumberRule): string | undefined {
  const n = value.trim() === '' ? NaN : Number(value);
  const ok = Number.isFinite(n) && (rule.integer ? Number.isInteger(n) : true) && (rule.aboveMin ? n > rule.min : n >= rule.min) && n <= rule.max;
  if (ok) return undefined;
  const what: Text = rule.integer
    ? { vi: `cần một số nguyên từ ${rule.min} đến ${rule.max}`, en: `must be a whole number from ${rule.min} to ${rule.max}` }
    : rule.aboveMin
      ? { vi: `cần một số lớn hơn ${rule.min}, tối đa ${rule.max}`, en: `must be a number above ${rule.min}, at most ${rule.max}` }
      : { vi: `cần một số từ ${rule.min} đến ${rule.max}`, en: `must be a number from ${rule.min} to ${rule.max}` };
  return `${name} ${value}: ${pick(lang, what)}`;
}

/** Throws the usage error for a value not in `choices`: `--format pdf: …`. */
export function choiceOf<C extends string>(lang: Lang, name: string, value: string, choices: readonly C[]): C {
  const found = choices.find((c) => c === value);
  if (found === undefined) throw new UsageError(`${name} ${value}: ${pick(lang, { vi: 'cần một trong', en: 'must be one of' })} ${choices.join(', ')}`);
  return found;
}

function isOptionName(table: OptionTable, word: string): boolean {
  const name = word.replace(/^--?/, '').replace(/=.*$/, '');
  return Object.hasOwn(table, name) || Object.values(table).some((o) => o.short === name);
}

/** The node:util parseArgs table of a group (our extra fields left out), with --help. */
function nodeOptions(options: OptionTable): Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries({ help: HELP_OPTION, ...options })) {
    out[name] = { type: o.type, ...(o.short === undefined ? {} : { short: o.short }), ...(o.type === 'string' && o.multiple ? { multiple: true } : {}) };
  }
  return out;
}

function tokensOf(options: OptionTable, argv: string[]) {
  return parseArgs({ args: argv, options: nodeOptions(options), strict: false, allowPositionals: true, tokens: true }).tokens;
}

/** The command named by the first positionals, the longest match; undefined when none is named. */
function matchCommand(spec: GroupSpec, positionals: string[]): { command: CommandSpec | undefined; words: number } {
  const whole = spec.commands.find((c) => c.name === '');
  if (whole) return { command: whole, words: 0 };
  let best: CommandSpec | undefined;
  let bestWords = 0;
  for (const c of spec.commands) {
    const words = c.name.split(' ');
    if (words.length > bestWords && words.every((w, i) => positionals[i] === w)) {
      best = c;
      bestWords = words.length;
    }
  }
  return { command: best, words: bestWords };
}

/**
 * Parses a group's arguments: every mistake (an unknown option, one not taken by this command, a missing value, a
 * value beginning with "-" that was meant to be one, a value for a flag, a number or word out of its rule, an
 * unknown command, an argument too many) is a {@link UsageError} in `lang`, never node's own error.
 */
export function parseCommand<T extends OptionTable>(spec: GroupSpec<T>, argv: string[], lang: Lang): ParsedCommand<T> {
  const table: OptionTable = { help: HELP_OPTION, ...spec.options };
  const values: Record<string, string | boolean | string[] | undefined> = {};
  const given: { name: string; raw: string }[] = [];
  const positionals: string[] = [];
  for (const token of tokensOf(spec.options, argv)) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const raw = token.rawName;
    const o = Object.hasOwn(table, token.name) ? table[token.name] : undefined;
    if (o === undefined) throw new UsageError(pick(lang, say.unknown(raw)));
    given.push({ name: token.name, raw });
    if (o.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(pick(lang, say.flag(raw)));
      values[token.name] = true;
      continue;
    }
    if (token.value === undefined) throw new UsageError(pick(lang, say.missing(raw)));
    if (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')) {
      // `--as --data d` forgot a value; `--as -x` may mean the value "-x", which must then be written `--as=-x`.
      throw new UsageError(pick(lang, isOptionName(table, token.value) ? say.missing(raw) : say.dashed(raw, token.value)));
    }
    if (o.multiple) values[token.name] = [...((values[token.name] as string[] | undefined) ?? []), token.value];
    else values[token.name] = token.value;
  }
  for (const [name, o] of Object.entries(table)) {
    if (values[name] !== undefined) continue;
    if (o.type === 'boolean') values[name] = false;
    else if (o.default !== undefined) values[name] = o.default;
  }
  const help = values.help === true;
  const { command, words } = matchCommand(spec, positionals);
  if (help) return { command, args: positionals.slice(words), values: values as Values<T>, help };
  if (command === undefined) {
    if (positionals.length > 0) throw new UsageError(pick(lang, say.noCommand(positionals.join(' '), spec.name)));
    return { command, args: [], values: values as Values<T>, help };
  }
  const full = `loa ${spec.name}${command.name ? ` ${command.name}` : ''}`;
  for (const g of given) {
    if (g.name !== 'help' && !command.options.includes(g.name)) throw new UsageError(pick(lang, say.notHere(g.raw, full)));
  }
  const args = positionals.slice(words);
  if (args.length > command.args) throw new UsageError(pick(lang, say.extra(args[command.args]!)));
  for (const [name, value] of Object.entries(values)) {
    const o = table[name]!;
    if (o.type !== 'string' || value === undefined || value === o.default) continue;
    for (const v of typeof value === 'string' ? [value] : (value as string[])) {
      const problem = o.number ? numberProblem(lang, `--${name}`, v, o.number) : undefined;
      if (problem !== undefined) throw new UsageError(problem);
      if (o.choices) choiceOf(lang, `--${name}`, v, o.choices);
    }
  }
  return { command, args, values: values as Values<T>, help };
}

/** The command an argument list names, for the usage printed after a mistake; never throws. */
export function commandNamed(spec: GroupSpec, argv: string[]): CommandSpec | undefined {
  try {
    const positionals = tokensOf(spec.options, argv).flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
    return matchCommand(spec, positionals).command;
  } catch {
    return undefined;
  }
}

/**
 * The usage lines of one command (or of the whole group): the help's lines that start with `loa <group> <command>`,
 * each with its indented continuation lines, and the group's common options line.
 */
export function usageLines(spec: GroupSpec, lang: Lang, command?: CommandSpec): string[] {
  const prefix = `loa ${spec.name}${command?.name ? ` ${command.name}` : ''}`;
  const lines = pick(lang, spec.help).split('\n');
  const indent = (l: string): number => l.length - l.trimStart().length;
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const body = line.trimStart();
    if (/^(Tuỳ chọn chung|Common options):/.test(body)) {
      out.push(line);
      continue;
    }
    if (!(body === prefix || body.startsWith(`${prefix} `))) continue;
    out.push(line);
    while (i + 1 < lines.length && indent(lines[i + 1]!) > indent(line) && !lines[i + 1]!.trimStart().startsWith('loa ')) out.push(lines[++i]!);
  }
  return out;
}

/**
 * Prints a configuration's problems the way a technician can fix them; exit code 2. The cart's and the controller's
 * ConfigError are separate classes (the import rules keep them apart) with the same `problems`; a problem with a
 * Vietnamese text (`vi`) shows it unless English was asked for.
 */
export function printConfigProblems(io: CliIo, lang: Lang, problems: readonly { path: string; message: string; vi?: string }[]): number {
  io.stderr.write(pick(lang, { vi: 'Cấu hình không hợp lệ, sửa các mục sau rồi chạy lại:', en: 'The configuration is not valid; fix these and run again:' }) + '\n');
  for (const p of problems) io.stderr.write(`  ${p.path}: ${lang === 'vi' && p.vi !== undefined ? p.vi : p.message}\n`);
  return 2;
}

/**
 * Resolves at the first SIGINT (Ctrl-C) or SIGTERM (systemd stop) with a function to call once the program has
 * stopped. Until then later signals are ignored, so that a second Ctrl-C cannot kill the program half-way through
 * its stop (the relay is switched off there); SIGKILL still ends it.
 */
export function untilStopSignal(): Promise<() => void> {
  return new Promise((resolve) => {
    let stopping = false;
    const release = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    function onSignal(): void {
      if (stopping) return;
      stopping = true;
      resolve(release);
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
