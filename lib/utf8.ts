/**
 * Texts measured the way the protocol measures them: in bytes of UTF-8 (SPEC.md §1), where a Vietnamese letter
 * takes two or three.
 */

/**
 * `text` cut to at most `maxBytes` bytes of UTF-8, between two characters, and then ending in `mark`; `text` itself
 * when it fits.
 */
export function clipUtf8(text: string, maxBytes: number, mark = '...'): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes - Buffer.byteLength(mark));
  // Back off to the first byte of a character (continuation bytes are 10xxxxxx).
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8') + mark;
}
