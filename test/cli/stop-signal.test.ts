// A running `loa unit run` or `loa controller run` stops at the first Ctrl-C; a second one during the stop must not
// take node's default action (end the process half-way, the relay perhaps still on). While a program stops, a
// listener stays on both signals; it goes when the program says it has stopped.
import { describe, expect, it } from 'vitest';
import { untilStopSignal } from '../../cli/io.js';

describe('untilStopSignal', () => {
  it('resolves at the first signal, keeps the later ones from killing the stop, and lets go when released', async () => {
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') };
    const stopped = untilStopSignal();
    process.emit('SIGINT');
    const release = await stopped;
    // The stop is under way: a second Ctrl-C or a systemd SIGTERM finds a listener, so node does not exit.
    expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    process.emit('SIGINT');
    process.emit('SIGTERM');
    release();
    expect(process.listenerCount('SIGINT')).toBe(before.int);
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
  });
});
