/**
 * A strict ustar (POSIX.1-1988) writer and streaming reader, for the release bundles: small enough to read in one
 * sitting, and strict where a general tar is forgiving. The reader knows regular files and folders only (a link or
 * a device is refused, so an archive can never point outside the folder it is unpacked into), checks every header's
 * checksum, caps the number of entries and each entry's size, and hands each file's bytes out as a stream so that a
 * large archive is never held in memory. `tar tvf` reads what the writer writes.
 */
import type { Readable, Writable } from 'node:stream';

export const BLOCK = 512;

export type TarEntryType = 'file' | 'dir';

export interface TarHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  size: number;
  /** Unix seconds. */
  mtime: number;
}

/** A tar that is not well formed, or breaks one of the reader's limits; `code` says which. */
export class TarError extends Error {
  constructor(
    readonly code: 'truncated' | 'checksum' | 'entry-type' | 'name' | 'too-many' | 'too-large' | 'trailing',
    message: string,
  ) {
    super(message);
    this.name = 'TarError';
  }
}

// --- writing ------------------------------------------------------------------------------------------------------

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** ustar splits a long name at a `/` into a prefix (≤ 155 bytes) and a name (≤ 100 bytes). */
function splitName(name: string): { prefix: string; base: string } {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', base: name };
  for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1)) {
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(base) <= 100 && base.length > 0) return { prefix, base };
  }
  throw new TarError('name', `path "${name}" is too long for a ustar archive (100 bytes, or 155 + 100 split at a /)`);
}

export function tarHeader(h: TarHeader): Buffer {
  const block = Buffer.alloc(BLOCK, 0);
  const name = h.type === 'dir' && !h.name.endsWith('/') ? `${h.name}/` : h.name;
  const { prefix, base } = splitName(name);
  block.write(base, 0, 100, 'utf8');
  block.write(octal(h.mode & 0o7777, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(h.type === 'file' ? h.size : 0, 12), 124, 'ascii');
  block.write(octal(Math.max(0, Math.floor(h.mtime)), 12), 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write(h.type === 'file' ? '0' : '5', 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  block.write('root', 265, 'ascii');
  block.write('root', 297, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + ' ', 148, 'ascii');
  return block;
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK, 0);
}

/** Writes entries one after the other to `out`; a file's bytes come from a Buffer or a stream of exactly `size`. */
export class TarWriter {
  constructor(private readonly out: Writable) {}

  async #write(chunk: Buffer): Promise<void> {
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }

  async dir(name: string, mode = 0o755, mtime = 0): Promise<void> {
    await this.#write(tarHeader({ name, type: 'dir', mode, size: 0, mtime }));
  }

  async file(name: string, data: Buffer | { size: number; stream: AsyncIterable<Buffer> }, mode = 0o644, mtime = 0): Promise<void> {
    const size = Buffer.isBuffer(data) ? data.length : data.size;
    await this.#write(tarHeader({ name, type: 'file', mode, size, mtime }));
    if (Buffer.isBuffer(data)) {
      await this.#write(data);
    } else {
      let written = 0;
      for await (const chunk of data.stream) {
        written += chunk.length;
        if (written > size) throw new TarError('too-large', `${name} grew while it was archived (over ${size} bytes)`);
        await this.#write(chunk);
      }
      if (written !== size) throw new TarError('truncated', `${name} gave ${written} bytes, ${size} were announced`);
    }
    await this.#write(padding(size));
  }

  /** The two zero blocks that end an archive; the stream is left open for the caller to end. */
  async finish(): Promise<void> {
    await this.#write(Buffer.alloc(BLOCK * 2, 0));
  }
}

// --- reading ------------------------------------------------------------------------------------------------------

export interface TarLimits {
  /** Entries at most (default 100,000). */
  maxEntries?: number;
  /** Bytes of one file at most (default 1 GiB). */
  maxEntryBytes?: number;
}

export interface TarEntry extends TarHeader {
  /** The file's bytes, exactly `size` of them; read them (or not) before asking for the next entry. */
  body: AsyncIterable<Buffer>;
}

function readOctal(block: Buffer, offset: number, width: number, what: string): number {
  const text = block.toString('ascii', offset, offset + width).replace(/[\0 ]+$/u, '').replace(/^ +/u, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/u.test(text)) throw new TarError('checksum', `tar header ${what} "${text}" is not an octal number`);
  return parseInt(text, 8);
}

function readString(block: Buffer, offset: number, width: number): string {
  const end = block.indexOf(0, offset);
  return block.toString('utf8', offset, end === -1 || end > offset + width ? offset + width : end);
}

export function parseHeader(block: Buffer): TarHeader | null {
  if (block.every((b) => b === 0)) return null;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  const stored = readOctal(block, 148, 8, 'checksum');
  if (stored !== sum) throw new TarError('checksum', `tar header checksum ${stored} does not match its bytes (${sum}): the archive is damaged`);
  const flag = String.fromCharCode(block[156]!);
  const prefix = block.toString('ascii', 257, 262) === 'ustar' ? readString(block, 345, 155) : '';
  const base = readString(block, 0, 100);
  let name = prefix ? `${prefix}/${base}` : base;
  let type: TarEntryType;
  if (flag === '0' || flag === '\0') type = 'file';
  else if (flag === '5') type = 'dir';
  else throw new TarError('entry-type', `tar entry "${name}" has type '${flag}': only files and folders are accepted`);
  if (type === 'dir') name = name.replace(/\/+$/u, '');
  return { name, type, mode: readOctal(block, 100, 8, 'mode'), size: type === 'file' ? readOctal(block, 124, 12, 'size') : 0, mtime: readOctal(block, 136, 12, 'mtime') };
}

/** Reads exact byte counts from a stream of chunks. */
class ChunkReader {
  #pending: Buffer[] = [];
  #buffered = 0;
  readonly #it: AsyncIterator<Buffer>;
  #done = false;

  constructor(source: AsyncIterable<Buffer | string>) {
    const inner = source[Symbol.asyncIterator]();
    this.#it = {
      next: async () => {
        const r = await inner.next();
        return r.done ? r : { done: false, value: typeof r.value === 'string' ? Buffer.from(r.value) : r.value };
      },
    };
  }

  async #fill(n: number): Promise<boolean> {
    while (this.#buffered < n && !this.#done) {
      const r = await this.#it.next();
      if (r.done) this.#done = true;
      else if (r.value.length > 0) {
        this.#pending.push(r.value);
        this.#buffered += r.value.length;
      }
    }
    return this.#buffered >= n;
  }

  /** Exactly n bytes, or null at a clean end; throws when the stream ends inside them. */
  async exact(n: number, what: string): Promise<Buffer | null> {
    if (!(await this.#fill(n))) {
      if (this.#buffered === 0) return null;
      throw new TarError('truncated', `the archive ends inside ${what}`);
    }
    const all = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return out;
  }

  /** Up to `max` bytes of what is there (at least one), for streaming a body; throws at the end of the stream. */
  async some(max: number, what: string): Promise<Buffer> {
    if (!(await this.#fill(1))) throw new TarError('truncated', `the archive ends inside ${what}`);
    const first = this.#pending[0]!;
    if (first.length <= max) {
      this.#pending.shift();
      this.#buffered -= first.length;
      return first;
    }
    this.#pending[0] = first.subarray(max);
    this.#buffered -= max;
    return first.subarray(0, max);
  }

  async atEnd(): Promise<boolean> {
    return !(await this.#fill(1));
  }
}

/**
 * The entries of an archive, in order. Each entry's `body` must be read before the next entry is asked for (what is
 * left unread is skipped). Throws TarError on a damaged or unexpected archive, and on bytes after its end.
 */
export async function* readTar(source: Readable | AsyncIterable<Buffer>, limits: TarLimits = {}): AsyncGenerator<TarEntry> {
  const maxEntries = limits.maxEntries ?? 100_000;
  const maxEntryBytes = limits.maxEntryBytes ?? 1024 ** 3;
  const reader = new ChunkReader(source as AsyncIterable<Buffer>);
  let count = 0;
  for (;;) {
    const block = await reader.exact(BLOCK, 'a header');
    if (block === null) throw new TarError('truncated', 'the archive ends without its two closing blocks');
    const header = parseHeader(block);
    if (header === null) {
      const second = await reader.exact(BLOCK, 'the closing blocks');
      if (second === null || !second.every((b) => b === 0)) throw new TarError('truncated', 'the archive ends without its two closing blocks');
      // Some writers pad to a record of 10 KiB: zeros only after the end.
      for (;;) {
        const more = await reader.exact(BLOCK, 'the padding after the end');
        if (more === null) return;
        if (!more.every((b) => b === 0)) throw new TarError('trailing', 'there are bytes after the end of the archive');
      }
    }
    count += 1;
    if (count > maxEntries) throw new TarError('too-many', `the archive has more than ${maxEntries} entries`);
    if (header.size > maxEntryBytes) throw new TarError('too-large', `"${header.name}" is ${header.size} bytes, over the ${maxEntryBytes} allowed`);
    let left = header.size;
    const body = async function* (): AsyncGenerator<Buffer> {
      while (left > 0) {
        const chunk = await reader.some(left, `"${header.name}"`);
        left -= chunk.length;
        yield chunk;
      }
    };
    yield { ...header, body: body() };
    while (left > 0) left -= (await reader.some(left, `"${header.name}"`)).length;
    const pad = (BLOCK - (header.size % BLOCK)) % BLOCK;
    if (pad > 0 && (await reader.exact(pad, `the padding of "${header.name}"`)) === null) throw new TarError('truncated', `the archive ends inside the padding of "${header.name}"`);
    if (await reader.atEnd()) throw new TarError('truncated', 'the archive ends without its two closing blocks');
  }
}
