// JSON bodies a client can make hurt: nesting deep enough to overflow the stack (was a 500), and a bad value
// echoed whole in the error (a 1 MB value made a 2 MB answer). Through the API guard, on a loopback server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiRoute, badField, jsonBody, jsonDepth, MAX_JSON_DEPTH } from '../../../controller/api/guard.js';
import { excerpt, HttpServer } from '../../../controller/http/server.js';
import { intParam } from '../../../controller/api/params.js';

let server: HttpServer;
const noSessions = { sessionUser: () => Promise.reject(new Error('no sessions in this test')) };

beforeEach(async () => {
  server = new HttpServer({ port: 0 });
  apiRoute(server, noSessions, 'POST', '/api/things', 'public', async ({ req }) => {
    const body = await jsonBody(req);
    if (typeof body.kind !== 'string') throw badField('kind', 'a string', body.kind);
    return { kind: body.kind };
  });
  apiRoute(server, noSessions, 'GET', '/api/things', 'public', async ({ req }) => ({ limit: intParam(req.query, 'limit', 10, 1, 100) }));
  await server.start();
});
afterEach(() => server.stop());

const post = (body: string): Promise<Response> => fetch(`${server.url}/api/things`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

describe('JSON bodies', () => {
  it('answers 400 with a short message to a body 10,000 deep', async () => {
    const deep = `{"kind":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const r = await post(deep);
    expect(r.status).toBe(400);
    const text = await r.text();
    expect(text.length).toBeLessThan(300);
    expect(JSON.parse(text)).toEqual({ code: 'too-deep', error: expect.stringMatching(/^Nội dung JSON lồng quá 32 tầng/) });
  });

  it(`takes ${MAX_JSON_DEPTH} levels, and counts no bracket inside a string`, async () => {
    const ok = await post(`{"kind":"${'[{'.repeat(100)}\\"]"${',"x":[[[]]]'}}`);
    expect(ok.status).toBe(200);
    const nested = `{"kind":"x","a":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`;
    expect((await post(nested)).status).toBe(200);
    expect(jsonDepth(Buffer.from(nested))).toBe(MAX_JSON_DEPTH);
    expect(jsonDepth(Buffer.from('{"a":"\\\\"}'))).toBe(1); // an escaped backslash does not escape the quote after it
    expect(jsonDepth(Buffer.from('["é{[", {}]'))).toBe(2);
  });

  it('repeats only the start of a bad value: a 1 MB value gets an answer under 1 KB', async () => {
    const r = await post(JSON.stringify({ kind: ['x'.repeat(1_000_000)] }));
    expect(r.status).toBe(400);
    const text = await r.text();
    expect(text.length).toBeLessThan(1024);
    expect(JSON.parse(text)).toMatchObject({ code: 'bad-field', error: expect.stringContaining('["xxxxx') });
    const s = await post(JSON.stringify({ kind: 7, other: 'y'.repeat(900_000) }));
    expect(await s.json()).toMatchObject({ error: expect.stringContaining('got 7') });
  });

  it('cuts long query values too', async () => {
    const r = await fetch(`${server.url}/api/things?limit=${'9'.repeat(1500)}`);
    expect(r.status).toBe(400);
    expect((await r.text()).length).toBeLessThan(500);
  });
});

describe('excerpt', () => {
  it('shows a value as JSON, cut to the length asked with "…"', () => {
    expect(excerpt('abc')).toBe('"abc"');
    expect(excerpt('a'.repeat(100), 10)).toBe(`"${'a'.repeat(9)}…`);
    expect(excerpt({ a: [1, 2] })).toBe('{"a":[1,2]}');
    expect(excerpt(undefined)).toBe('undefined');
    expect(excerpt(10n)).toBe('[object BigInt]');
  });
});
