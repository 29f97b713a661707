import { describe, expect, it } from 'vitest';
import { clipUtf8 } from '../../lib/utf8.js';

describe('clipUtf8', () => {
  it('keeps a text that fits, and cuts a longer one between characters, by UTF-8 bytes', () => {
    expect(clipUtf8('abc', 3)).toBe('abc');
    const vi = 'Đường dây loa bị đứt ở thôn Tiến Thành '.repeat(60); // ~2.9 KB of 2- and 3-byte letters
    const cut = clipUtf8(vi, 1024);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(cut)).toBeGreaterThan(1018);
    expect(cut.endsWith('...')).toBe(true);
    expect(vi.startsWith(cut.slice(0, -3))).toBe(true);
    expect(cut).not.toContain('\ufffd');
    // A 4-byte character at the edge is dropped whole, never split.
    expect(clipUtf8('ab😀cd', 5, '')).toBe('ab');
    expect(clipUtf8('ab😀cd', 7, '')).toBe('ab😀c');
  });
});
