// HTTP logins under password guessing, on a running controller: 429 with Retry-After after 5 wrong tries of one
// account from one address, while the right password from another address still works; an unknown name costs as
// long as a wrong password. Clients pick their source address in 127/8 (Linux routes all of it to loopback).
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startController, type Rig } from '../app/harness.js';

let rig: Rig;
let port: number;

beforeAll(async () => {
  rig = await startController();
  port = Number(new URL(rig.controller.httpUrl).port);
  await rig.controller.users.add({ name: 'xem', role: 'viewer', password: PASSWORD });
});

afterAll(async () => {
  await rig.close();
});

interface Answer {
  status: number;
  ms: number;
  retryAfter: string | undefined;
  json: Record<string, unknown>;
}

function login(user: string, password: string, from: string): Promise<Answer> {
  const body = Buffer.from(JSON.stringify({ user, password }));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/api/login', localAddress: from, agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const retry = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, retryAfter: typeof retry === 'string' ? retry : undefined, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('HTTP login throttling', () => {
  it('answers the 6th wrong try within a minute 429 at once, and lets the right password in from another address', async () => {
    const wrong = await Promise.all(Array.from({ length: 5 }, (_, i) => login('xem', `sai-mat-khau-${i}`, '127.0.0.2')));
    expect(wrong.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    const sixth = await login('xem', 'sai-mat-khau-6', '127.0.0.2');
    expect(sixth.status).toBe(429);
    expect(sixth.ms).toBeLessThan(50); // refused before any scrypt
    expect(Number(sixth.retryAfter)).toBeGreaterThan(0);
    expect(Number(sixth.retryAfter)).toBeLessThanOrEqual(60);
    expect(sixth.json).toEqual({ code: 'throttled', error: expect.stringMatching(/^Đăng nhập sai quá nhiều lần: hãy thử lại sau \d+ giây \(too many failed logins/) });
    // Even the right password waits, from that address…
    expect((await login('xem', PASSWORD, '127.0.0.2')).status).toBe(429);
    // …but not from another one.
    const ok = await login('xem', PASSWORD, '127.0.0.3');
    expect(ok.status).toBe(200);
    expect(ok.json.token).toEqual(expect.any(String));
  });

  it('takes as long for an unknown name as for a wrong password', async () => {
    await login('khong-co', 'sai-mat-khau', '127.0.0.4'); // the first unknown name makes the decoy hash
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 4; i++) {
      unknown.push((await login(`khong-co-${i}`, 'sai-mat-khau', '127.0.0.5')).ms);
      wrong.push((await login('xem', 'sai-mat-khau', '127.0.0.6')).ms);
    }
    const ratio = median(wrong) / median(unknown);
    expect(ratio, `unknown ${unknown.map((t) => t.toFixed(1)).join(', ')} ms; wrong ${wrong.map((t) => t.toFixed(1)).join(', ')} ms`).toBeGreaterThan(1 / 3);
    expect(ratio).toBeLessThan(3);
  });
});
