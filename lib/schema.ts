/**
 * The one way Loa checks what it reads (configuration files, bundles, API bodies): a TypeBox schema, which is JSON
 * Schema (the OpenAPI document shows it as it is) and gives the TypeScript type (`Static<typeof schema>`), checked by
 * {@link check}, which fills the defaults and reports every problem at once as a {@link ConfigError}: each with its
 * key path (`hardware.relay.pin`, `policy.quietZones[2].radiusM`), the bad value, a "did you mean" for a misspelt key
 * or name, in English and Vietnamese.
 *
 * A schema node may say in words what its value must be (`must('a BCM GPIO number', 'một số GPIO BCM')`, merged into
 * its options), else the words come from its type and bounds ("a whole number from 0 to 1000 ms"). What JSON Schema
 * cannot say (a pin used twice, an end before its start) is a {@link Rule} run after the schema.
 *
 * Defaults: a `default` is used where the value is missing, never merged into a value that is there: give an object
 * `default: {}` and put the defaults on its members. An object given for a union of objects gets the defaults of
 * the member closest to it.
 */
import { type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { ConfigError, didYouMean, showValue, showValueVi, type ConfigProblem } from './config-error.js';

export { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Schema options that give the words for what a value must be, in both languages ("must be …", "cần …"). */
export function must(en: string, vi: string): { 'x-must': string; 'x-must-vi': string } {
  return { 'x-must': en, 'x-must-vi': vi };
}

/** Schema option for a secret (a key, a password): messages say what is wrong with it without repeating it. */
export const secret = { 'x-secret': true } as const;

/** Where a rule reports, and whether the schema already found a leaf good enough to read. */
export interface RuleContext {
  /** A problem at `path` (relative to the checked value, as `buttons.play`). */
  problem(path: string, en: string, vi?: string): void;
  /** True when the schema found nothing wrong at `path`, under it or above it: only then is its type what it says. */
  valid(path: string): boolean;
  /** True when the schema found nothing wrong at `path` or above it: it is the object or list it says (its members may be bad). */
  typed(path: string): boolean;
}

/**
 * A check JSON Schema cannot say. It runs even when the schema found problems, so that all are reported at once:
 * read a leaf only where `ctx.valid(path)` says the schema passed it.
 */
export type Rule<T> = (value: T, ctx: RuleContext) => void;

/** A context whose paths are under `prefix` (a rule of a section used inside a larger document). */
export function within(ctx: RuleContext, prefix: string): RuleContext {
  const at = (path: string): string => (path === '' ? prefix : path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`);
  return { problem: (path, en, vi) => ctx.problem(at(path), en, vi), valid: (path) => ctx.valid(at(path)), typed: (path) => ctx.typed(at(path)) };
}

export interface CheckOptions<T> {
  /** The key path of the checked value in its document (`hardware`): prefixed to every problem's path. */
  section?: string;
  rules?: Rule<T>;
}

/** A problem's text in both languages; `key` when it is an unknown key (at the top, shown as `(file).key`). */
type Words = { en: string; vi: string; key?: true };
type Node = TSchema & Record<string, unknown>;

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function compiledCheck(schema: TSchema): TypeCheck<TSchema> {
  let checker = compiled.get(schema);
  if (!checker) compiled.set(schema, (checker = TypeCompiler.Compile(schema)));
  return checker;
}

/**
 * `value` checked against `schema`, with the schema's defaults filled in (on a copy: the input is not changed).
 * Throws a {@link ConfigError} listing every problem the schema and `options.rules` find.
 */
export function check<T extends TSchema>(schema: T, value: unknown, options: CheckOptions<Static<T>> = {}): Static<T> {
  const filled = fill(schema, structuredClone(value));
  const checker = compiledCheck(schema);
  const found = new Map<string, Words>();
  if (!checker.Check(filled)) collect(schema, filled, '', found);
  const ctx: RuleContext = {
    problem: (path, en, vi) => {
      if (!found.has(path)) found.set(path, { en, vi: vi ?? en });
    },
    valid: (path) => ![...found.keys()].some((bad) => bad === path || under(bad, path) || under(path, bad)),
    typed: (path) => ![...found.keys()].some((bad) => bad === path || under(path, bad)),
  };
  if (!found.has('')) options.rules?.(filled as Static<T>, ctx);
  if (found.size > 0) {
    throw new ConfigError(
      [...found].map(([path, w]): ConfigProblem => ({
        path: w.key && options.section === undefined && !/[.[]/.test(path) ? `(file).${path}` : fullPath(options.section, path),
        message: w.en,
        ...(w.vi === w.en ? {} : { vi: w.vi }),
      })),
    );
  }
  return filled as Static<T>;
}

/**
 * `value` (a copy the caller owns) with the schema's defaults where values are missing. Lighter than TypeBox's
 * `Value.Default` (which took two thirds of the time of checking the cart's configuration: bench/schema.ts), and it
 * never merges a default object into a given one.
 */
function fill(schema: TSchema, value: unknown): unknown {
  const node = schema as Node;
  if (value === undefined && 'default' in node) value = structuredClone(node.default);
  if (isPlain(value) && isPlain(node.properties)) {
    for (const [key, member] of Object.entries(node.properties as Record<string, TSchema>)) {
      const next = fill(member, value[key]);
      if (next !== undefined) value[key] = next;
    }
  } else if (Array.isArray(value) && isPlain(node.items)) {
    for (let i = 0; i < value.length; i++) value[i] = fill(node.items as TSchema, value[i]);
  } else if (isPlain(value) && Array.isArray(node.anyOf)) {
    const member = closestMember(schema, value);
    if (member) return fill(member, value);
  }
  return value;
}

/** Whether `path` is strictly inside `parent` (`a.b` in `a`, `a[0]` in `a`). */
function under(path: string, parent: string): boolean {
  return parent === '' ? path !== '' : path.startsWith(`${parent}.`) || path.startsWith(`${parent}[`);
}

function fullPath(section: string | undefined, path: string): string {
  if (section === undefined) return path === '' ? '(file)' : path;
  return path === '' ? section : path.startsWith('[') ? `${section}${path}` : `${section}.${path}`;
}

/** `/a/b/0/c` (JSON pointer) → `a.b[0].c`. */
function dotted(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out;
}

/** Records the first problem at each path; a union of objects is explained through its closest member. */
function collect(schema: TSchema, value: unknown, base: string, found: Map<string, Words>): void {
  for (const error of Value.Errors(schema, value)) {
    const path = join(base, dotted(error.path));
    if (found.has(path)) continue;
    const member = error.type === ValueErrorType.Union ? closestMember(error.schema, error.value) : undefined;
    if (member) collect(member, error.value, path, found);
    else found.set(path, describe(error));
  }
}

function join(base: string, path: string): string {
  return base === '' ? path : path === '' ? base : path.startsWith('[') ? `${base}${path}` : `${base}.${path}`;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** For an object value of a union of objects: the member sharing most of its keys (a circle or a polygon zone). */
function closestMember(union: TSchema, value: unknown): TSchema | undefined {
  const members = ((union as Node).anyOf as Node[] | undefined)?.filter((m) => m.type === 'object' && isPlain(m.properties));
  if (!isPlain(value) || !members || members.length === 0) return undefined;
  const keys = Object.keys(value);
  const score = (m: Node): number => keys.filter((k) => k in (m.properties as object)).length;
  return members.reduce((best, m) => (score(m) > score(best) ? m : best));
}

/** The message of one schema error, in both languages. */
function describe(error: ValueError): Words {
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const key = error.path.split('/').pop()!.replace(/~1/g, '/').replace(/~0/g, '~');
    const known = Object.keys(((error.schema as Node).properties as object | undefined) ?? {});
    const guess = didYouMean(key, known);
    return {
      en: `is not a known setting${guess ? `; did you mean "${guess}"?` : ''} (known: ${known.join(', ')})`,
      vi: `không phải một mục cấu hình${guess ? `; có phải là "${guess}"?` : ''} (các mục có: ${known.join(', ')})`,
      key: true,
    };
  }
  const want = expected(error.schema as Node);
  // A secret (a key, a password) is never repeated: messages end up in logs.
  const secret = (error.schema as Node)['x-secret'] === true && typeof error.value === 'string';
  const guess = typeof error.value === 'string' && !secret ? didYouMean(error.value, literals(error.schema as Node).map(String)) : undefined;
  const en = `${secret ? `a secret of ${(error.value as string).length} characters` : showValue(error.value)} must be ${want.en}${guess ? `; did you mean "${guess}"?` : ''}`;
  const vi = `${error.value === undefined ? 'thiếu' : `${secret ? `chuỗi bí mật ${(error.value as string).length} ký tự` : showValueVi(error.value)} không hợp lệ`}, cần ${want.vi}${guess ? `; có phải là "${guess}"?` : ''}`;
  return { en, vi };
}

/** The values of a union of constants (`"lead-acid" | "lifepo4"`), else none. */
function literals(schema: Node): unknown[] {
  const members = schema.anyOf as Node[] | undefined;
  if ('const' in schema) return [schema.const];
  return members?.every((m) => 'const' in m) ? members.map((m) => m.const) : [];
}

/** What a value of `schema` must be, in words: its own (`must`), else from its type and bounds. */
export function expected(schema: Node): Words {
  if (typeof schema['x-must'] === 'string') return { en: schema['x-must'], vi: (schema['x-must-vi'] as string | undefined) ?? schema['x-must'] };
  const consts = literals(schema);
  if (consts.length === 1) return { en: JSON.stringify(consts[0]), vi: JSON.stringify(consts[0]) };
  if (consts.length > 1) return { en: `one of ${consts.join(', ')}`, vi: `một trong ${consts.join(', ')}` };
  if (Array.isArray(schema.anyOf)) {
    const each = (schema.anyOf as Node[]).map(expected);
    return { en: each.map((w) => w.en).join(' or '), vi: each.map((w) => w.vi).join(' hoặc ') };
  }
  switch (schema.type) {
    case 'integer':
    case 'number':
      return numberWords(schema);
    case 'boolean':
      return { en: 'true or false', vi: 'true hoặc false' };
    case 'null':
      return { en: 'null', vi: 'null' };
    case 'string':
      return (schema.minLength as number | undefined) ? { en: 'a non-empty string', vi: 'một chuỗi không rỗng' } : { en: 'a string', vi: 'một chuỗi' };
    case 'array': {
      const least = schema.minItems as number | undefined;
      return least ? { en: `a list of at least ${least}`, vi: `một danh sách ít nhất ${least} mục` } : { en: 'a list', vi: 'một danh sách' };
    }
    default:
      return { en: 'an object', vi: 'một đối tượng { … }' };
  }
}

function numberWords(schema: Node): Words {
  const whole = schema.type === 'integer';
  const unit = typeof schema['x-unit'] === 'string' ? ` ${schema['x-unit']}` : '';
  const [en, vi] = whole ? ['a whole number', 'một số nguyên'] : ['a number', 'một số'];
  const max = schema.maximum as number | undefined;
  const min = schema.minimum as number | undefined;
  const above = schema.exclusiveMinimum as number | undefined;
  if (above !== undefined && max !== undefined) return { en: `${en} above ${above} up to ${max}${unit}`, vi: `${vi} lớn hơn ${above}, tối đa ${max}${unit}` };
  if (min !== undefined && max !== undefined) return { en: `${en} from ${min} to ${max}${unit}`, vi: `${vi} từ ${min} đến ${max}${unit}` };
  if (min !== undefined) return { en: `${en} ≥ ${min}${unit}`, vi: `${vi} ≥ ${min}${unit}` };
  return { en, vi };
}
