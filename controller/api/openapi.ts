/**
 * The OpenAPI 3.1 document of everything the controller's HTTP server answers (served at `GET /api/openapi.json`).
 * Hand-written beside the routes, with their role lists and enums; test/controller/api/api.test.ts checks that every
 * registered route is in it and every operation in it is registered, so the two cannot drift. `x-roles` lists who may
 * call an operation (admin always may); an operation without `security` needs no session.
 */
import { COMMAND_ACTIONS, PRIORITIES } from '../../protocol/index.js';
import { CLIP_STATUSES } from '../content/library.js';
import { REPORT_FORMATS } from '../reports/index.js';
import { ROLES } from '../users/roles.js';
import { COMMAND_KINDS } from './fleet-routes.js';
import { APPROVERS, COMMAND_SENDERS, CONTENT_READERS, READERS, UNIT_READERS, WITHDRAWERS } from './guard.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string): Json => ({ type: [type, 'null'] });
const query = (name: string, description: string, schema: Json = { type: 'string' }, required = false): Json => ({ name, in: 'query', required, description, schema });
const path = (name: string, description: string): Json => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const json = (schema: Json): Json => ({ 'application/json': { schema } });
const ok = (description: string, schema: Json): Json => ({ description, content: json(schema) });
const errors = (...codes: number[]): Json =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));

function op(summary: string, roles: readonly string[] | null, extra: Json): Json {
  return { summary, ...(roles === null ? { security: [] } : { security: [{ session: [] }], 'x-roles': roles }), ...extra };
}

const range = [
  query('from', 'YYYY-MM-DD (Vietnam day, inclusive) or Unix seconds; default 7 days ago'),
  query('to', 'YYYY-MM-DD (Vietnam day, inclusive) or Unix seconds (exclusive); default tomorrow'),
  query('unit', 'only this unit id'),
  query('limit', 'at most this many rows (1–10000, default 1000)', { type: 'integer' }),
];

const schemas: Json = {
  Error: { type: 'object', required: ['error', 'code'], properties: { error: { type: 'string', description: 'Vietnamese, then English in brackets' }, code: { type: 'string' } } },
  Session: { type: 'object', properties: { token: { type: 'string' }, expiresAt: { type: 'integer' }, user: { type: 'object', properties: { name: { type: 'string' }, displayName: { type: 'string' }, role: { enum: ROLES } } } } },
  Unit: {
    type: 'object',
    properties: {
      id: { type: 'string' }, number: { type: 'integer' }, commune: { type: 'string' }, communeName: { type: 'string' }, team: { type: 'string' }, teamName: { type: 'string' },
      profile: { type: 'string' }, firmware: { ...nullable('string'), description: 'the version in the latest hello of the cart, else the one given at provisioning' }, provisionedAt: { type: 'integer' }, online: { type: 'boolean' }, lastSeen: nullable('integer'),
      position: { type: ['object', 'null'], properties: { time: { type: 'integer' }, lat: { type: 'number' }, lon: { type: 'number' }, quality: nullable('string'), speed: nullable('number') } },
      battery: { type: 'object', properties: { mv: nullable('integer'), ma: nullable('integer'), soc: nullable('integer'), solarMv: nullable('integer'), solarMa: nullable('integer') } },
      playerState: nullable('string'), amplifierOn: nullable('boolean'), volume: nullable('integer'), faults: { type: 'array', items: { type: 'string' } },
      manifestVersion: nullable('integer'), clipsMissing: nullable('integer'), outboxDepth: nullable('integer'),
    },
  },
  Play: { type: 'object', properties: { unitId: { type: 'string' }, record: { type: 'integer' }, clip: { type: 'string' }, manifestVersion: { type: 'integer' }, start: { type: 'integer' }, timeSource: { type: 'string' }, seconds: { type: 'number' }, outcome: { type: 'string' }, trigger: { type: 'string' }, volume: { type: 'integer' }, lat: nullable('number'), lon: nullable('number') } },
  Event: { type: 'object', properties: { unitId: { type: 'string' }, record: { type: 'integer' }, time: { type: 'integer' }, timeSource: { type: 'string' }, kind: { type: 'string' }, code: { type: 'string' }, detail: { type: 'string' } } },
  Command: { type: 'object', properties: { unitId: { type: 'string' }, counter: { type: 'integer' }, action: { type: 'string' }, args: { type: 'object' }, issued: { type: 'integer' }, expires: { type: 'integer' }, issuedBy: nullable('string'), status: { type: 'string' }, detail: nullable('string'), resultTime: nullable('integer'), state: { type: 'string' } } },
  SentCommand: { type: 'object', properties: { unitId: { type: 'string' }, counter: { type: 'integer' }, issued: { type: 'integer' }, expires: { type: 'integer' }, delivered: { type: 'boolean' } } },
  Clip: { type: 'object', properties: { id: { type: 'string' }, sha256: { type: 'string' }, size: { type: 'integer' }, durationMs: { type: 'integer' }, title: { type: 'string' }, status: { enum: CLIP_STATUSES }, requestedPriority: { type: 'string' }, approvedPriority: nullable('string'), submitter: { type: 'string' }, approver: nullable('string'), note: nullable('string') } },
  Listing: { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' }, count: { type: 'integer' }, truncated: { type: 'boolean' } } },
};

const responses: Json = Object.fromEntries(
  [
    [400, 'a parameter or field is not valid'],
    [401, 'no valid session (log in: POST /api/login)'],
    [403, 'the session’s role may not do this'],
    [404, 'no such thing'],
    [409, 'not possible in the current state'],
    [429, 'too many failed logins: wait the seconds in Retry-After'],
    [503, 'too busy checking passwords: try again after Retry-After'],
  ].map(([c, d]) => [`E${String(c)}`, { description: d, content: json(ref('Error')) }]),
);

const clipStep = (summary: string, body: Json): Json =>
  op(summary, APPROVERS, {
    parameters: [path('id', 'clip id, e.g. c-0007')],
    requestBody: { content: json({ type: 'object', properties: body }) },
    responses: { '200': ok('the clip after the step', { type: 'object', properties: { clip: ref('Clip') } }), ...errors(400, 401, 403, 404, 409) },
  });

/** The document, with the district in its title. */
export function openApiDocument(district: { id: string; name: string }): Json {
  return {
    openapi: '3.1.0',
    info: { title: `Loa — bộ điều khiển huyện ${district.name} (${district.id})`, version: '1', description: 'District controller API. Times are Unix seconds; days are Vietnam days (UTC+7). Errors: { error, code }.' },
    components: { securitySchemes: { session: { type: 'http', scheme: 'bearer', description: 'the token from POST /api/login' } }, schemas, responses },
    paths: {
      '/api/openapi.json': { get: op('this document', null, { responses: { '200': ok('OpenAPI 3.1', { type: 'object' }) } }) },
      '/api/login': {
        post: op('log in: user name and password → session token', null, {
          requestBody: { required: true, content: json({ type: 'object', required: ['user', 'password'], properties: { user: { type: 'string' }, password: { type: 'string' } } }) },
          responses: { '200': ok('a session', ref('Session')), ...errors(400, 401, 429, 503) },
        }),
      },
      '/api/logout': { post: op('end this session', ROLES, { responses: { '204': { description: 'ended' }, ...errors(401) } }) },
      '/api/units': { get: op('every active unit with its last state', UNIT_READERS, { responses: { '200': ok('units', { type: 'object', properties: { units: { type: 'array', items: ref('Unit') } } }), ...errors(401, 403) } }) },
      '/api/units/{id}': { get: op('one unit with its last state', UNIT_READERS, { parameters: [path('id', 'unit id')], responses: { '200': ok('the unit', ref('Unit')), ...errors(401, 403, 404) } }) },
      '/api/units/{id}/track': {
        get: op('the unit’s GNSS track of one Vietnam day', UNIT_READERS, {
          parameters: [path('id', 'unit id'), query('day', 'YYYY-MM-DD', { type: 'string' }, true), query('format', 'geojson (default) or gpx', { enum: ['geojson', 'gpx'] })],
          responses: {
            '200': { description: 'a GeoJSON FeatureCollection with one LineString, or a GPX 1.1 document', content: { 'application/geo+json': { schema: { type: 'object' } }, 'application/gpx+xml': { schema: { type: 'string' } } } },
            ...errors(400, 401, 403, 404),
          },
        }),
      },
      '/api/plays': { get: op('plays in a time range', READERS, { parameters: range, responses: { '200': ok('plays', { allOf: [ref('Listing'), { type: 'object', properties: { plays: { type: 'array', items: ref('Play') } } }] }), ...errors(400, 401, 403) } }) },
      '/api/events': {
        get: op('events in a time range', UNIT_READERS, {
          parameters: [...range, query('kind', 'only this kind (info, button, fault, block, …)')],
          responses: { '200': ok('events', { allOf: [ref('Listing'), { type: 'object', properties: { events: { type: 'array', items: ref('Event') } } }] }), ...errors(400, 401, 403) },
        }),
      },
      '/api/commands': {
        get: op('commands sent, newest first', UNIT_READERS, { parameters: [query('unit', 'only this unit id'), query('limit', '1–5000, default 200', { type: 'integer' })], responses: { '200': ok('commands', { type: 'object', properties: { commands: { type: 'array', items: ref('Command') } } }), ...errors(400, 401, 403) } }),
        post: op('sign and send a command to a unit, a team or a commune (one per cart); a technician may send only sync-now and reboot', COMMAND_SENDERS, {
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              required: ['target', 'action'],
              properties: {
                target: { type: 'object', required: ['kind', 'id'], properties: { kind: { enum: COMMAND_KINDS }, id: { type: 'string' } } },
                action: { enum: COMMAND_ACTIONS },
                args: { type: 'object', description: 'set-volume { volume }, play-clip { clip }, set-config { key, value }' },
                ttlSeconds: { type: 'integer', minimum: 1, maximum: 604800 },
              },
            }),
          },
          responses: { '200': ok('one signed command per cart', { type: 'object', properties: { sent: { type: 'array', items: ref('SentCommand') } } }), ...errors(400, 401, 403, 404, 409) },
        }),
      },
      '/api/reports': {
        get: op('the periodic report', READERS, {
          parameters: [
            query('period', '2026-11 (month), 2026-Q4, 2026-H2, 2026', { type: 'string' }, true),
            query('commune', 'only the units of this commune'),
            query('format', 'json (default), csv (UTF-8 with BOM, for Excel) or html (printable A4)', { enum: REPORT_FORMATS }),
            query('lang', 'vi (default) or en', { enum: ['vi', 'en'] }),
          ],
          responses: { '200': { description: 'the report', content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } }, 'text/html': { schema: { type: 'string' } } } }, ...errors(400, 401, 403, 404) },
        }),
      },
      '/api/content': { get: op('clips, newest first', CONTENT_READERS, { parameters: [query('status', 'only clips in this status', { enum: CLIP_STATUSES })], responses: { '200': ok('clips', { type: 'object', properties: { clips: { type: 'array', items: ref('Clip') } } }), ...errors(400, 401, 403) } }) },
      '/api/content/{id}': { get: op('one clip and its audit trail', CONTENT_READERS, { parameters: [path('id', 'clip id')], responses: { '200': ok('the clip', { type: 'object', properties: { clip: ref('Clip'), audit: { type: 'array', items: { type: 'object' } } } }), ...errors(401, 403, 404) } }) },
      '/api/content/{id}/approve': { post: clipStep('approve a submitted clip (optionally with its final priority)', { priority: { enum: PRIORITIES } }) },
      '/api/content/{id}/reject': { post: clipStep('reject a clip with a reason', { reason: { type: 'string' } }) },
      '/api/content/{id}/request-changes': { post: clipStep('ask the submitter for changes', { note: { type: 'string' } }) },
      '/api/content/{id}/withdraw': {
        post: { ...clipStep('withdraw a clip (approver; or the submitter before a decision)', { reason: { type: 'string' } }), 'x-roles': WITHDRAWERS },
      },
      '/content/manifest': { get: op('the latest signed manifest (carts)', null, { responses: { '200': { description: 'signed bytes; ETag = SHA-256', content: { 'application/octet-stream': {} } }, '304': { description: 'not modified' }, ...errors(404) } }) },
      '/content/manifests/{version}': { get: op('one signed manifest version (carts)', null, { parameters: [path('version', 'manifest version')], responses: { '200': { description: 'signed bytes', content: { 'application/octet-stream': {} } }, ...errors(404) } }) },
      '/content/clips/{sha256}': {
        get: op('a clip file listed by a manifest (carts); Range supported', null, {
          parameters: [path('sha256', 'SHA-256 of the file, hex')],
          responses: { '200': { description: 'WAV', content: { 'audio/wav': {} } }, '206': { description: 'part of it' }, '416': { description: 'range not satisfiable' }, ...errors(404) },
        }),
      },
      '/content/key-rotations/{n}': { get: op('the n-th signed key rotation (carts with an old key)', null, { parameters: [path('n', '1 = the first')], responses: { '200': { description: 'signed bytes', content: { 'application/octet-stream': {} } }, ...errors(404) } }) },
    },
  };
}

/** Every (method, route pattern) the document describes, patterns written as the router writes them (`:id`). */
export function documentedRoutes(doc: Json): { method: string; pattern: string }[] {
  const out: { method: string; pattern: string }[] = [];
  for (const [p, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of Object.keys(item)) out.push({ method: method.toUpperCase(), pattern: p.replace(/\{([^}]+)\}/g, ':$1') });
  }
  return out;
}
