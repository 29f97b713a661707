import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRIORITIES, type Manifest, type ManifestClip, type Priority } from '../../../protocol/index.js';
import { buildPlaylist, emergencyClips, nextClip, targetsCart, type CartIdentity, type PlaylistInput } from '../../../device/logic/playlist.js';

const cart: CartIdentity = { unitName: 'dan-luc-01', unitNumber: 7, team: 'to-dan-luc', commune: 'dan-luc', district: 'trieu-son' };
const T0 = Date.UTC(2026, 10, 29, 3, 0, 0); // 10:00 local
const sec = (ms: number): number => Math.floor(ms / 1000);

function clip(id: string, over: Partial<ManifestClip> = {}): ManifestClip {
  return { id, sha256: 'ab'.repeat(32), size: 1000, durationMs: 30_000, priority: 'ordinary', title: `Bài ${id}`, validFrom: 0, validUntil: 0, targets: [], ...over };
}

function manifest(clips: ManifestClip[], over: Partial<Manifest> = {}): Manifest {
  return { district: 'trieu-son', version: 3, issued: sec(T0) - 86_400, expires: sec(T0) + 30 * 86_400, targets: [{ kind: 'district', id: 'trieu-son' }], clips, ...over };
}

function input(m: Manifest, over: Partial<PlaylistInput> = {}): PlaylistInput {
  return { manifest: m, cart, verified: new Set(m.clips.map((c) => c.id)), now: T0, ...over };
}

const ids = (clips: readonly ManifestClip[]): string[] => clips.map((c) => c.id);

describe('targeting', () => {
  it('matches the unit by name or number, its team, commune and district, nothing else', () => {
    expect(targetsCart([{ kind: 'unit', id: 'dan-luc-01' }], cart)).toBe(true);
    expect(targetsCart([{ kind: 'unit', id: '7' }], cart)).toBe(true);
    expect(targetsCart([{ kind: 'team', id: 'to-dan-luc' }], cart)).toBe(true);
    expect(targetsCart([{ kind: 'commune', id: 'dan-luc' }], cart)).toBe(true);
    expect(targetsCart([{ kind: 'district', id: 'trieu-son' }], cart)).toBe(true);
    expect(targetsCart([{ kind: 'unit', id: '8' }, { kind: 'commune', id: 'dan-ly' }, { kind: 'team', id: 'dan-luc' }], cart)).toBe(false);
    expect(targetsCart([], cart)).toBe(false);
  });

  it('keeps clips for this cart and leaves out clips for another commune', () => {
    const m = manifest([
      clip('all'),
      clip('mine', { targets: [{ kind: 'commune', id: 'dan-luc' }] }),
      clip('unit7', { targets: [{ kind: 'unit', id: '7' }] }),
      clip('other', { targets: [{ kind: 'commune', id: 'dan-ly' }] }),
    ]);
    const p = buildPlaylist(input(m));
    expect(ids(p.clips)).toEqual(['all', 'mine', 'unit7']);
    expect(p.excluded.map((e) => [e.clip.id, e.reason])).toEqual([['other', 'not-targeted']]);
  });

  it('plays nothing from a manifest whose own targets leave this cart out, even clips that name it', () => {
    const m = manifest([clip('a'), clip('b', { targets: [{ kind: 'unit', id: 'dan-luc-01' }] })], { targets: [{ kind: 'commune', id: 'dan-ly' }] });
    const p = buildPlaylist(input(m));
    expect(p.clips).toEqual([]);
    expect(p.excluded.map((e) => e.reason)).toEqual(['not-targeted', 'not-targeted']);
  });
});

describe('valid window', () => {
  const from = sec(T0) + 3600;
  const until = sec(T0) + 7200;
  const m = manifest([clip('window', { validFrom: from, validUntil: until }), clip('open')]);
  const reasonAt = (now: number): string | undefined => buildPlaylist(input(m, { now })).excluded.find((e) => e.clip.id === 'window')?.reason;

  it('opens at validFrom and closes after validUntil (inclusive, in seconds)', () => {
    expect(reasonAt(from * 1000 - 1)).toBe('not-yet-valid');
    expect(reasonAt(from * 1000)).toBeUndefined();
    expect(reasonAt(until * 1000)).toBeUndefined();
    expect(reasonAt(until * 1000 + 1)).toBe('expired');
    expect(ids(buildPlaylist(input(m, { now: until * 1000 + 1 })).clips)).toEqual(['open']);
  });

  it('treats validFrom 0 as open and validUntil 0 as the manifest expiry, which also caps a later validUntil', () => {
    const long = manifest([clip('zero'), clip('late', { validUntil: sec(T0) + 365 * 86_400 })]);
    const end = long.expires * 1000;
    expect(ids(buildPlaylist(input(long, { now: 0 })).clips)).toEqual(['zero', 'late']);
    expect(ids(buildPlaylist(input(long, { now: end })).clips)).toEqual(['zero', 'late']);
    expect(buildPlaylist(input(long, { now: end + 1 })).excluded.map((e) => e.reason)).toEqual(['expired', 'expired']);
  });

  it('reports a clip whose file is missing or failed its check, after the other reasons', () => {
    const m2 = manifest([clip('ok'), clip('gone'), clip('gone-later', { validFrom: from })]);
    const p = buildPlaylist(input(m2, { verified: new Set(['ok']) }));
    expect(ids(p.clips)).toEqual(['ok']);
    expect(p.excluded.map((e) => [e.clip.id, e.reason])).toEqual([
      ['gone', 'missing-file'],
      ['gone-later', 'not-yet-valid'],
    ]);
  });

  it('refuses a time that is not a number', () => {
    expect(() => buildPlaylist(input(m, { now: Number.NaN }))).toThrow(/now must be ms since the epoch, got NaN/);
  });
});

describe('order', () => {
  const m = manifest([
    clip('o1'),
    clip('p1', { priority: 'priority' }),
    clip('e1', { priority: 'emergency' }),
    clip('o2'),
    clip('e2', { priority: 'emergency' }),
    clip('p2', { priority: 'priority' }),
  ]);

  it('puts emergency first, then priority, then ordinary, in manifest order within each', () => {
    const list = buildPlaylist(input(m)).clips;
    expect(ids(list)).toEqual(['e1', 'e2', 'p1', 'p2', 'o1', 'o2']);
    expect(ids(emergencyClips(list))).toEqual(['e1', 'e2']);
  });

  it('nextClip goes on in order and wraps around', () => {
    const list = buildPlaylist(input(m)).clips;
    expect(nextClip(list, null)?.id).toBe('e1');
    expect(nextClip(list, 'p2')?.id).toBe('o1');
    expect(nextClip(list, 'o2')?.id).toBe('e1');
    expect(nextClip(list, 'not-there')?.id).toBe('e1');
    expect(nextClip([], 'o1')).toBeNull();
    expect(nextClip([clip('only')], 'only')?.id).toBe('only');
  });

  it('for any manifest: playable and excluded split the clips, ordered by priority, stable within one', () => {
    const arbClip = fc.record({
      n: fc.nat(),
      priority: fc.constantFrom<Priority>(...PRIORITIES),
      from: fc.option(fc.integer({ min: -7200, max: 7200 })),
      until: fc.option(fc.integer({ min: -7200, max: 7200 })),
      commune: fc.constantFrom('', 'dan-luc', 'dan-ly'),
      verified: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(arbClip, { maxLength: 30 }), (specs) => {
        const clips = specs.map((s, i) =>
          clip(`c${i}`, {
            priority: s.priority,
            validFrom: s.from === null ? 0 : sec(T0) + s.from,
            validUntil: s.until === null ? 0 : sec(T0) + s.until,
            targets: s.commune ? [{ kind: 'commune', id: s.commune }] : [],
          }),
        );
        const verified = new Set(clips.filter((_, i) => specs[i]!.verified).map((c) => c.id));
        const p = buildPlaylist(input(manifest(clips), { verified }));
        expect(p.clips.length + p.excluded.length).toBe(clips.length);
        const rank = (c: ManifestClip): number => PRIORITIES.indexOf(c.priority) * 1000 + clips.indexOf(c);
        for (let i = 1; i < p.clips.length; i++) expect(rank(p.clips[i - 1]!)).toBeLessThan(rank(p.clips[i]!));
        for (const c of p.clips) {
          expect(verified.has(c.id)).toBe(true);
          expect(c.targets.every((t) => t.id === 'dan-luc')).toBe(true);
        }
        for (const { clip: c, reason } of p.excluded) {
          const s = specs[clips.indexOf(c)]!;
          if (reason === 'missing-file') expect(s.verified).toBe(false);
          if (reason === 'not-targeted') expect(s.commune).toBe('dan-ly');
          if (reason === 'not-yet-valid') expect(s.from).toBeGreaterThan(0);
          if (reason === 'expired') expect(s.until).toBeLessThan(0);
        }
      }),
    );
  });
});
