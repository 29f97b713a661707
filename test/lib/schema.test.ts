import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config-error.js';
import { check, must, secret, Type } from '../../lib/schema.js';

const closed = { additionalProperties: false } as const;
const schema = Type.Object(
  {
    relay: Type.Object({ pin: Type.Integer({ minimum: 2, maximum: 27, default: 17 }), activeLow: Type.Boolean({ default: true }) }, { ...closed, default: {} }),
    zones: Type.Array(
      Type.Union([
        Type.Object({ name: Type.String(), radiusM: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }) }, closed),
        Type.Object({ name: Type.String(), polygon: Type.Array(Type.Number(), { minItems: 3 }) }, closed),
      ]),
      { default: [] },
    ),
    mode: Type.Union([Type.Literal('block'), Type.Literal('cap')], { default: 'block' }),
    password: Type.Optional(Type.String({ minLength: 8, ...secret, ...must('a password of at least 8 characters', 'một mật khẩu ít nhất 8 ký tự') })),
  },
  closed,
);

function problems(value: unknown, section?: string): string[] {
  try {
    check(schema, value, section === undefined ? {} : { section });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('check', () => {
  it('fills defaults where values are missing, on a copy, and never merges a default into a given object', () => {
    const input = { relay: { pin: 5 } };
    expect(check(schema, input)).toEqual({ relay: { pin: 5, activeLow: true }, zones: [], mode: 'block' });
    expect(input).toEqual({ relay: { pin: 5 } });
  });

  it('reports every problem with its key path, the value, and a "did you mean"', () => {
    expect(problems({ relais: 1, relay: { pin: 41 }, zones: [{ name: 'A', radiusM: 0 }, { name: 'B', polygon: [1] }], mode: 'blok' }, 'hardware')).toEqual([
      'hardware.relais: is not a known setting; did you mean "relay"? (known: relay, zones, mode, password)',
      'hardware.relay.pin: 41 must be a whole number from 2 to 27',
      'hardware.zones[0].radiusM: 0 must be a number above 0 up to 1000',
      'hardware.zones[1].polygon: a list of 1 must be a list of at least 3',
      'hardware.mode: "blok" must be one of block, cap; did you mean "block"?',
    ]);
    expect(problems({ colour: 1 })).toEqual(['(file).colour: is not a known setting (known: relay, zones, mode, password)']);
    expect(problems(42)).toEqual(['(file): 42 must be an object']);
  });

  it('never repeats a secret', () => {
    expect(problems({ password: 'short' })).toEqual(['password: a secret of 5 characters must be a password of at least 8 characters']);
  });

  it('runs the rules on what the schema let through, and reports their problems with the schema\'s', () => {
    const seen: string[] = [];
    expect(() =>
      check(schema, { relay: { pin: 'x' }, zones: [{ name: 'A', radiusM: 5 }] }, {
        rules: (v, ctx) => {
          seen.push(`relay.pin ${ctx.valid('relay.pin')}`, `relay ${ctx.valid('relay')}`, `relay typed ${ctx.typed('relay')}`, `zones ${ctx.valid('zones')}`);
          if (ctx.valid('zones')) ctx.problem('zones[0].name', `${JSON.stringify(v.zones[0]!.name)} is used twice`, 'trùng tên');
        },
      }),
    ).toThrow(expect.objectContaining({ problems: [{ path: 'relay.pin', message: '"x" must be a whole number from 2 to 27', vi: '"x" không hợp lệ, cần một số nguyên từ 2 đến 27' }, { path: 'zones[0].name', message: '"A" is used twice', vi: 'trùng tên' }] }));
    expect(seen).toEqual(['relay.pin false', 'relay false', 'relay typed true', 'zones true']);
  });
});
