// HttpRequest.bodyToFile over real HTTP: a body streamed into a file past the server's own body limit, and one that
// goes over the route's limit without saying so in Content-Length (chunked) refused with 413 and nothing left.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { HttpServer, sendJson } from '../../../controller/http/server.js';

let dir: string;
let server: HttpServer;
let stored: Buffer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-body-'));
  stored = undefined;
  // The server's own limit is 1 kB; the route takes up to 64 kB into a file.
  server = new HttpServer({ port: 0, maxBodyBytes: 1024 });
  server.route('POST', '/upload', async (req, res) => {
    const file = join(dir, 'upload');
    const size = await req.bodyToFile(file, 64 * 1024);
    stored = await readFile(file);
    sendJson(res, 200, { size });
  });
  await server.start();
});

afterEach(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A chunked body (no Content-Length) of `chunks` × 1000 bytes. */
function chunked(chunks: number): ReadableStream {
  let sent = 0;
  return Readable.toWeb(
    new Readable({
      read() {
        this.push(sent++ < chunks ? Buffer.alloc(1000, sent % 251) : null);
      },
    }),
  ) as ReadableStream;
}

it('streams a body larger than the server’s limit into the file', async () => {
  const body = Buffer.alloc(40_000, 7);
  const res = await fetch(`${server.url}/upload`, { method: 'POST', body });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ size: 40_000 });
  expect(stored?.equals(body)).toBe(true);
});

it('refuses a chunked body over the route’s limit with 413 and removes the file', async () => {
  const res = await fetch(`${server.url}/upload`, { method: 'POST', body: chunked(100), duplex: 'half' } as RequestInit);
  expect(res.status).toBe(413);
  expect(((await res.json()) as { code: string }).code).toBe('body-too-large');
  expect(stored).toBeUndefined();
  expect(await readdir(dir)).toEqual([]);
});
