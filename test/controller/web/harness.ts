// The console tests' rig: a controller on loopback ports 0 whose console folder is a tiny fake build in a temp
// folder, and a raw HTTP(S) client (node:http, so that the tests see exactly the bytes and headers sent, and can
// trust the district CA over TLS).
import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { DistrictController } from '../../../controller/app/controller.js';
import { startController } from '../app/harness.js';

export const PASSWORD = 'mat-khau-thu-nghiem';
export const APP_JS = `console.log(${JSON.stringify('xe loa '.repeat(200))});\n`;
export const INDEX_HTML = '<!doctype html><html lang="vi"><head><meta charset="utf-8"><script type="module" src="/assets/app-3f2a9c.js"></script></head><body><div id="app"></div></body></html>\n';

/** A fake `dist/web`: index.html, one hashed script, a root file and a font. */
export async function makeDist(dir: string): Promise<string> {
  const root = join(dir, 'web');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), INDEX_HTML);
  await writeFile(join(root, 'assets', 'app-3f2a9c.js'), APP_JS);
  await writeFile(join(root, 'assets', 'font-1.woff2'), Buffer.from('wOF2 fake font'));
  await writeFile(join(root, 'robots.txt'), 'User-agent: *\nDisallow: /\n');
  return root;
}

export interface ConsoleRig {
  dir: string;
  controller: DistrictController;
  /** The CA the HTTPS listener's certificate chains to, when `tls`. */
  ca: string | undefined;
  close(): Promise<void>;
}

export async function startConsole(options: { tls?: boolean; webDir?: string } = {}): Promise<ConsoleRig> {
  const rig = await startController({ http: { port: 0, tls: options.tls === true } }, { webDir: async (dir) => options.webDir ?? (await makeDist(dir)) });
  return { dir: rig.dir, controller: rig.controller, ca: rig.controller.caCertPem ?? undefined, close: () => rig.close() };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: any;
}

export interface Ask {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Trust this CA (HTTPS). */
  ca?: string;
}

/** One request; the body is taken raw (no decompression). A path is sent as written (no normalisation). */
export function ask(base: string, path: string, o: Ask = {}): Promise<Reply> {
  const url = new URL(base);
  const body = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
  const headers = { ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } : {}), ...o.headers };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: o.method ?? 'GET', headers, agent: false, ...(o.ca ? { ca: o.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = JSON.parse(all.toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all, text: all.toString('utf8'), json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The `loa_session=…` pair of a Set-Cookie answer, to send back as `Cookie`. */
export function cookieOf(reply: Reply): string {
  const set = reply.headers['set-cookie']?.[0];
  if (!set) throw new Error(`no Set-Cookie in the answer ${reply.status} ${reply.text}`);
  return set.split(';')[0]!;
}

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; " +
  "worker-src 'self' blob:; child-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The headers docs/console.md puts on every response. */
export function expectSecurityHeaders(r: Reply, expect: (v: unknown, m?: string) => { toBe(x: unknown): void }): void {
  expect(r.headers['content-security-policy'], `CSP of a ${r.status}`).toBe(CSP);
  expect(r.headers['x-content-type-options']).toBe('nosniff');
  expect(r.headers['referrer-policy']).toBe('no-referrer');
  expect(r.headers['x-frame-options']).toBe('DENY');
}
