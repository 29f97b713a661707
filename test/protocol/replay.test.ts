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
