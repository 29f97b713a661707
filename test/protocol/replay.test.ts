import { describe, expect, it } from 'vitest';
import { checkReplay, freshReplayState, REPLAY_WINDOW, type ReplayState } from '../../protocol/index.js';

function feed(state: ReplayState, pairs: [number, number][]): string[] {
  const verdicts: string[] = [];
  for (const [boot, seq] of pairs) {
    const { verdict, next } = checkReplay(state, boot, seq);
    verdicts.push(verdict);
    state = next;
  }
  return verdicts;
}

describe('replay window', () => {
  it('accepts new counters, once each, a little out of order', () => {
    expect(feed(freshReplayState(), [[1, 0], [1, 2], [1, 1], [1, 1], [1, 2], [1, 3]])).toEqual(['new', 'new', 'new', 'duplicate', 'duplicate', 'new']);
  });

  it('refuses an older boot and anything below the window', () => {
    expect(feed(freshReplayState(), [[2, 5], [1, 900], [2, 5 + REPLAY_WINDOW + 10], [2, 6], [2, 5 + REPLAY_WINDOW + 9]])).toEqual([
      'new',
      'old-boot',
      'new',
      'too-old',
      'new',
    ]);
  });

  it('starts afresh on a new boot and survives being stored as JSON', () => {
    let state = freshReplayState();
    for (let seq = 0; seq < 200; seq++) state = checkReplay(state, 1, seq).next;
    state = JSON.parse(JSON.stringify(state)) as ReplayState;
    expect(checkReplay(state, 1, 199).verdict).toBe('duplicate');
    expect(checkReplay(state, 2, 0).verdict).toBe('new');
  });
});

describe('replay window, exact bounds (SPEC §2.1)', () => {
  it('starts empty: the first frame passes whatever its boot, boot 0 included', () => {
    expect(freshReplayState()).toEqual({ boot: 0, top: -1, seen: '0' });
    expect(feed(freshReplayState(), [[0, 0], [0, 1], [0, 0]])).toEqual(['new', 'new', 'duplicate']);
    expect(feed(freshReplayState(), [[0, 7]])).toEqual(['new']);
  });

  it('accepts 1 to 63 below the highest once each, and nothing 64 below', () => {
    const top = 1000;
    expect(feed(freshReplayState(), [[3, top], [3, top - 63], [3, top - 64], [3, top]])).toEqual(['new', 'new', 'too-old', 'duplicate']);
  });

  it('restarts the window at the first seq of a new boot', () => {
    expect(feed(freshReplayState(), [[3, 10], [4, 70], [4, 7], [4, 6], [3, 11]])).toEqual(['new', 'new', 'new', 'too-old', 'old-boot']);
  });
});
