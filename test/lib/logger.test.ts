// The log lines: JSON by default, a human line with pretty, and the syslog priority prefix journald reads when
// standard output is the journal.
import { describe, expect, it } from 'vitest';
import { createLoggerFactory, type LoggerFactoryOptions } from '../../lib/logger.js';

const T = Date.UTC(2026, 0, 2, 3, 4, 5);

function lines(options: Omit<LoggerFactoryOptions, 'out' | 'now'>): string[] {
  const out: string[] = [];
  const log = createLoggerFactory({ ...options, out: { write: (l: string) => out.push(l) }, now: () => T })('loa:test');
  log.debug('d');
  log.info('i', { n: 1 });
  log.warn(() => 'w');
  log.error('e\nsecond line');
  return out;
}

describe('createLoggerFactory', () => {
  it('writes one JSON object a line, without a prefix unless asked', () => {
    expect(lines({ level: 'debug' })).toEqual([
      '{"t":"2026-01-02T03:04:05.000Z","level":"debug","ns":"loa:test","msg":"d"}\n',
      '{"t":"2026-01-02T03:04:05.000Z","level":"info","ns":"loa:test","msg":"i","n":1}\n',
      '{"t":"2026-01-02T03:04:05.000Z","level":"warn","ns":"loa:test","msg":"w"}\n',
      '{"t":"2026-01-02T03:04:05.000Z","level":"error","ns":"loa:test","msg":"e\\nsecond line"}\n',
    ]);
  });

  it('starts each line with the syslog priority journald reads (<7> debug, <6> info, <4> warn, <3> error)', () => {
    const got = lines({ level: 'debug', syslogPrefix: true });
    expect(got.map((l) => l.slice(0, 3))).toEqual(['<7>', '<6>', '<4>', '<3>']);
    // The rest is the same JSON line; a newline in a message stays escaped, so journald sees one line.
    expect(JSON.parse(got[3]!.slice(3))).toMatchObject({ level: 'error', msg: 'e\nsecond line' });
    expect(got.every((l) => l.indexOf('\n') === l.length - 1)).toBe(true);
  });

  it('keeps the level filter with the prefix, and prefixes pretty lines too', () => {
    expect(lines({ syslogPrefix: true }).map((l) => l.slice(0, 3))).toEqual(['<6>', '<4>', '<3>']);
    expect(lines({ level: 'warn', pretty: true, syslogPrefix: true })[0]).toBe('<4>03:04:05 WARN  loa:test w\n');
    expect(lines({ level: 'warn', pretty: true })[0]).toBe('03:04:05 WARN  loa:test w\n');
  });
});
