/**
 * The OpenAPI 3.1 document of everything the controller's HTTP server answers (served at `GET /api/openapi.json`).
 * Written beside the routes, with their role lists and enums; the request bodies are the very schemas the routes check
 * them with (bodies.ts), in `components.schemas`. test/controller/api/api.test.ts checks that every
 * registered route is in it and every operation in it is registered, so the two cannot drift. `x-roles` lists who may
 * call an operation (admin always may); an operation without `security` needs no session.
 */
import { PRIORITIES } from '../../protocol/index.js';
import { CLIP_STATUSES } from '../content/library.js';
import { REPORT_FORMATS } from '../reports/index.js';
import { ROLES } from '../users/roles.js';
import { MAX_UPLOAD_BYTES, SUBMITTERS, UPLOAD_TYPES } from './content-write-routes.js';
import { APPROVERS, COMMAND_SENDERS, CONTENT_READERS, READERS, UNIT_READERS, WITHDRAWERS } from './guard.js';
import { ADMINS } from './user-routes.js';
import { BODY_SCHEMAS, commandBody } from './bodies.js';
import { BOARD_BODY_SCHEMAS } from './board-bodies.js';
import { boardPaths, boardSchemas } from './openapi-board.js';
import { body, errors, json, nullable, ok, op, path, query, ref, type Json } from './openapi-parts.js';

const range = [
  query('from', 'YYYY-MM-DD (Vietnam day, inclusive) or Unix seconds; default 7 days ago'),
  query('to', 'YYYY-MM-DD (Vietnam day, inclusive) or Unix seconds (exclusive); default tomorrow'),
  query('unit', 'only this unit id'),
  query('limit', 'at most this many rows (1–10000, default 1000)', { type: 'integer' }),
];

/** A TypeBox schema as JSON Schema (its TypeScript-only symbol keys dropped). */
const jsonSchema = (schema: unknown): Json => JSON.parse(JSON.stringify(schema)) as Json;


const schemas: Json = {
  ...Object.fromEntries(Object.entries({ ...BODY_SCHEMAS, ...BOARD_BODY_SCHEMAS }).map(([name, schema]) => [name, jsonSchema(schema)])),
  ...boardSchemas(),
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
      energy: {
        type: ['object', 'null'],
        description: 'the cart’s last energy forecast, null until it sent one; old when online is false. Minutes are whole, capped at 1440 (a day or more)',
        required: ['minutesLeft', 'minutesLeftNoSun', 'reserveMinutes', 'minutesToFull', 'healthPercent', 'at'],
        properties: {
          minutesLeft: { type: 'integer', minimum: 0, maximum: 1440, description: 'ordinary broadcast minutes left at the cart’s volume before the emergency reserve, with the day’s expected sun' },
          minutesLeftNoSun: { type: 'integer', minimum: 0, maximum: 1440, description: 'the same from the battery alone' },
          reserveMinutes: { type: 'integer', minimum: 0, maximum: 1440, description: 'emergency minutes at the reserve volume above the cut-off' },
          minutesToFull: { ...nullable('integer'), description: 'at the current sun; null when not charging' },
          healthPercent: { ...nullable('integer'), description: 'learned capacity as % of nominal; null until learned' },
          at: { type: 'integer', description: 'Unix seconds (server time) the forecast arrived' },
        },
      },
    },
  },
  Play: { type: 'object', properties: { unitId: { type: 'string' }, record: { type: 'integer' }, clip: { type: 'string' }, manifestVersion: { type: 'integer' }, start: { type: 'integer' }, timeSource: { type: 'string' }, seconds: { type: 'number' }, outcome: { type: 'string' }, trigger: { type: 'string' }, volume: { type: 'integer' }, lat: nullable('number'), lon: nullable('number') } },
  Event: { type: 'object', properties: { unitId: { type: 'string' }, record: { type: 'integer' }, time: { type: 'integer' }, timeSource: { type: 'string' }, kind: { type: 'string' }, code: { type: 'string' }, detail: { type: 'string' } } },
  Command: { type: 'object', properties: { unitId: { type: 'string' }, counter: { type: 'integer' }, action: { type: 'string' }, args: { type: 'object' }, issued: { type: 'integer' }, expires: { type: 'integer' }, issuedBy: nullable('string'), status: { type: 'string' }, detail: nullable('string'), resultTime: nullable('integer'), state: { type: 'string' } } },
  SentCommand: { type: 'object', properties: { unitId: { type: 'string' }, counter: { type: 'integer' }, issued: { type: 'integer' }, expires: { type: 'integer' }, delivered: { type: 'boolean' } } },
  Clip: { type: 'object', properties: { id: { type: 'string' }, sha256: { type: 'string' }, size: { type: 'integer' }, durationMs: { type: 'integer' }, title: { type: 'string' }, status: { enum: CLIP_STATUSES }, requestedPriority: { type: 'string' }, approvedPriority: nullable('string'), submitter: { type: 'string' }, approver: nullable('string'), note: nullable('string') } },
  User: { type: 'object', properties: { name: { type: 'string' }, displayName: { type: 'string' }, role: { enum: ROLES }, createdAt: { type: 'integer' }, disabled: { type: 'boolean' } } },
  Listing: { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' }, count: { type: 'integer' }, truncated: { type: 'boolean' } } },
};

const responses: Json = Object.fromEntries(
  [
    [400, 'a parameter or field is not valid'],
    [401, 'no valid session (log in: POST /api/login)'],
    [403, 'the session’s role may not do this (code forbidden), or a cookie’s request lacks its X-CSRF-Token (code csrf)'],
    [404, 'no such thing'],
    [409, 'not possible in the current state'],
    [429, 'too many failed logins: wait the seconds in Retry-After'],
    [503, 'too busy checking passwords: try again after Retry-After'],
  ].map(([c, d]) => [`E${String(c)}`, { description: d, content: json(ref('Error')) }]),
);

/** An upload refused for its size or declared type. */
const payloadErrors: Json = {
  '413': { description: `over ${MAX_UPLOAD_BYTES} bytes`, content: json(ref('Error')) },
  '415': { description: 'not declared as WAV or MP3 audio', content: json(ref('Error')) },
};

const clipStep = (summary: string, schema: Json): Json =>
  op(summary, APPROVERS, {
    parameters: [path('id', 'clip id, e.g. c-0007')],
    requestBody: { content: json(schema) },
    responses: { '200': ok('the clip after the step', { type: 'object', properties: { clip: ref('Clip') } }), ...errors(400, 401, 403, 404, 409) },
  });

/** The document, with the controller's area (its network name, `district.id`) in its title. */
export function openApiDocument(district: { id: string; name: string }): Json {
  return {
    openapi: '3.1.0',
    info: { title: `Loa — bộ điều khiển khu vực ${district.name} (${district.id})`, version: '1', description: 'Area controller API (a province, or an area of communes; the 2021 plan\'s district controller). Times are Unix seconds; days are Vietnam days (UTC+7). Errors: { error, code }.' },
    components: {
      securitySchemes: {
        session: { type: 'http', scheme: 'bearer', description: 'the token from POST /api/login' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'loa_session', description: 'the cookie set by POST /api/session; other methods than GET/HEAD also need the header X-CSRF-Token (403 csrf without it)' },
      },
      schemas,
      responses,
    },
    paths: {
      '/api/openapi.json': { get: op('this document', null, { responses: { '200': ok('OpenAPI 3.1', { type: 'object' }) } }) },
      '/api/login': {
        post: op('log in: user name and password → session token', null, {
          requestBody: body('LoginBody'),
          responses: { '200': ok('a session', ref('Session')), ...errors(400, 401, 429, 503) },
        }),
      },
      '/api/logout': { post: op('end this session', ROLES, { responses: { '204': { description: 'ended' }, ...errors(401) } }) },
      '/api/session': {
        post: op('log in the browser: user name and password → the HttpOnly cookie loa_session and the CSRF token (throttled as POST /api/login)', null, {
          requestBody: body('LoginBody'),
          responses: { '200': { description: 'logged in; Set-Cookie: loa_session=…; Path=/; HttpOnly; SameSite=Strict (; Secure over HTTPS)', content: json({ type: 'object', properties: { user: { type: 'object', properties: { name: { type: 'string' }, role: { enum: ROLES }, displayName: { type: 'string' } } }, csrf: { type: 'string', description: 'send as X-CSRF-Token with every other method than GET/HEAD' } } }) }, ...errors(400, 401, 429, 503) },
        }),
        get: op('this session’s user and CSRF token', ROLES, { responses: { '200': ok('the session', { type: 'object', properties: { user: { type: 'object', properties: { name: { type: 'string' }, role: { enum: ROLES }, displayName: { type: 'string' } } }, csrf: { type: 'string', description: 'send as X-CSRF-Token with every other method than GET/HEAD' } } }), ...errors(401) } }),
        delete: op('log out: the session ends and the cookie is cleared', ROLES, { responses: { '204': { description: 'ended' }, ...errors(401, 403) } }),
      },
      '/api/units': { get: op('every active unit with its last state', UNIT_READERS, { responses: { '200': ok('units', { type: 'object', properties: { units: { type: 'array', items: ref('Unit') } } }), ...errors(401, 403) } }) },
      '/api/live': {
        get: op('live fleet (server-sent events): event units { units: [Unit] }, then event unit (one Unit) at each change of state, position, battery or link; ": keep-alive" every 15 s', UNIT_READERS, {
          responses: {
            '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '503': { description: 'too many live streams (4 per session, 200 in all): try again after Retry-After', content: json(ref('Error')) },
            ...errors(401, 403),
          },
        }),
      },
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
      '/api/units/{id}/telemetry': {
        get: op('the unit’s battery and solar readings, one a minute, over one Vietnam day', UNIT_READERS, {
          parameters: [path('id', 'unit id'), query('day', 'YYYY-MM-DD', { type: 'string' }, true)],
          responses: { '200': ok('the samples', { type: 'object', properties: { unit: { type: 'string' }, day: { type: 'string' }, samples: { type: 'array', items: { type: 'object' } } } }), ...errors(400, 401, 403, 404) },
        }),
      },
      '/api/units/{id}/alerts': {
        get: op('what the ingest found wrong with the unit’s frames (counters gone back, record numbers reused, rate-limited)', UNIT_READERS, {
          parameters: [path('id', 'unit id')],
          responses: { '200': ok('the alerts, latest first', { type: 'object', properties: { alerts: { type: 'array', items: { type: 'object' } } } }), ...errors(401, 403, 404) },
        }),
      },
      '/api/communes': { get: op('the communes with their centres and how many active carts each has', UNIT_READERS, { responses: { '200': ok('communes', { type: 'object', properties: { communes: { type: 'array', items: { type: 'object' } } } }), ...errors(401, 403) } }) },
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
          requestBody: body('CommandBody'),
          responses: { '200': ok('one signed command per cart', { type: 'object', properties: { sent: { type: 'array', items: ref('SentCommand') } } }), ...errors(400, 401, 403, 404, 409) },
        }),
      },
      '/api/reports': {
        get: op('the periodic report', READERS, {
          parameters: [
            query('period', '2026-11 (month), 2026-Q4, 2026-H2, 2026', { type: 'string' }, true),
            query('commune', 'only the units of this commune'),
            query('format', 'json (default), csv (UTF-8 with BOM, for Excel), html (printable A4) or docx (Word, laid out per Nghị định 30/2020/NĐ-CP, as an attachment)', { enum: REPORT_FORMATS }),
            query('lang', 'vi (default) or en', { enum: ['vi', 'en'] }),
          ],
          responses: { '200': { description: 'the report', content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } }, 'text/html': { schema: { type: 'string' } }, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { schema: { type: 'string', format: 'binary' } } } }, ...errors(400, 401, 403, 404) },
        }),
      },
      '/api/content': {
        get: op('clips, newest first', CONTENT_READERS, { parameters: [query('status', 'only clips in this status', { enum: CLIP_STATUSES })], responses: { '200': ok('clips', { type: 'object', properties: { clips: { type: 'array', items: ref('Clip') } } }), ...errors(400, 401, 403) } }),
        post: op('submit an uploaded recording (the body: WAV or MP3) as a clip, as `loa content add FILE`', SUBMITTERS, {
          parameters: [
            query('title', 'the clip’s title', { type: 'string' }, true),
            query('priority', 'requested priority (default ordinary)', { enum: PRIORITIES }),
            query('summary', 'what the clip says'),
            query('category', 'a-z, 0-9, - (default chung)'),
            query('language', 'language code (default vi)'),
            query('target', 'district (the whole area), commune:ID, team:ID or unit:ID; repeat for several; none = the whole area'),
            query('from', 'valid from this Vietnam day, YYYY-MM-DD'),
            query('until', 'valid until the end of this Vietnam day, YYYY-MM-DD'),
            query('filename', 'the uploaded file’s name, kept as the clip’s source'),
          ],
          requestBody: { required: true, description: `at most ${MAX_UPLOAD_BYTES} bytes`, content: Object.fromEntries(UPLOAD_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) },
          responses: { '201': ok('the submitted clip', { type: 'object', properties: { clip: ref('Clip') } }), ...errors(400, 401, 403), ...payloadErrors },
        }),
      },
      '/api/content/speech': {
        post: op('submit a text spoken in Vietnamese by espeak-ng as a clip, as `loa content add --tts`', SUBMITTERS, {
          requestBody: body('SpeechBody'),
          responses: { '201': ok('the submitted clip', { type: 'object', properties: { clip: ref('Clip') } }), ...errors(400, 401, 403) },
        }),
      },
      '/api/content/{id}/audio': {
        get: op('the clip’s audio, to listen before deciding; Range supported', CONTENT_READERS, {
          parameters: [path('id', 'clip id')],
          responses: { '200': { description: 'WAV', content: { 'audio/wav': {} } }, '206': { description: 'part of it' }, '304': { description: 'not modified (ETag = SHA-256)' }, '416': { description: 'range not satisfiable' }, ...errors(401, 403, 404) },
        }),
      },
      '/api/content/{id}': { get: op('one clip and its audit trail', CONTENT_READERS, { parameters: [path('id', 'clip id')], responses: { '200': ok('the clip', { type: 'object', properties: { clip: ref('Clip'), audit: { type: 'array', items: { type: 'object' } } } }), ...errors(401, 403, 404) } }) },
      '/api/content/{id}/approve': {
        post: clipStep('approve a submitted clip, optionally with its final priority, targets and validity instead of those asked', ref('ApprovalBody')),
      },
      '/api/content/{id}/reject': { post: clipStep('reject a clip with a reason', { type: 'object', properties: { reason: { type: 'string' } } }) },
      '/api/content/{id}/request-changes': { post: clipStep('ask the submitter for changes', { type: 'object', properties: { note: { type: 'string' } } }) },
      '/api/content/{id}/withdraw': {
        post: { ...clipStep('withdraw a clip (approver; or the submitter before a decision)', { type: 'object', properties: { reason: { type: 'string' } } }), 'x-roles': WITHDRAWERS },
      },
      '/api/manifests': {
        post: op('publish the playlist: sign the next manifest of every approved, valid clip and announce it, as `loa manifest publish`', APPROVERS, {
          responses: {
            '201': ok('the new manifest', { type: 'object', properties: { version: { type: 'integer' }, clips: { type: 'integer' }, issued: { type: 'integer' }, expires: { type: 'integer' }, announced: { type: 'boolean', description: 'the broker took the announcement' } } }),
            ...errors(401, 403, 503),
          },
        }),
      },
      '/api/users': {
        get: op('every user (never a password hash)', ADMINS, { responses: { '200': ok('users', { type: 'object', properties: { users: { type: 'array', items: ref('User') } } }), ...errors(401, 403) } }),
        post: op('add a user', ADMINS, {
          requestBody: body('NewUserBody'),
          responses: { '201': ok('the new user', { type: 'object', properties: { user: ref('User') } }), ...errors(400, 401, 403, 409) },
        }),
      },
      '/api/users/{name}/password': {
        post: op('set a user’s password; their sessions end', ADMINS, {
          parameters: [path('name', 'user name')],
          requestBody: body('PasswordBody'),
          responses: { '204': { description: 'set' }, ...errors(400, 401, 403, 404) },
        }),
      },
      ...boardPaths(),
      '/content/manifest': { get: op('the latest signed manifest (carts)', null, { responses: { '200': { description: 'signed bytes; ETag = SHA-256', content: { 'application/octet-stream': {} } }, '304': { description: 'not modified' }, ...errors(404) } }) },
      '/content/cues': {
        get: op('the signed spoken cues pack (carts): cues.json, cues.sig and the WAVs in one ustar', null, {
          responses: { '200': { description: 'the pack; ETag = SHA-256 of cues.json, X-Loa-Cues-Version', content: { 'application/x-tar': {} } }, '304': { description: 'not modified' }, ...errors(404) },
        }),
      },
      '/content/manifests/{version}': { get: op('one signed manifest version (carts)', null, { parameters: [path('version', 'manifest version')], responses: { '200': { description: 'signed bytes', content: { 'application/octet-stream': {} } }, ...errors(404) } }) },
      '/content/clips/{sha256}': {
        get: op('a clip file listed by a manifest (carts); Range supported', null, {
          parameters: [path('sha256', 'SHA-256 of the file, hex')],
          responses: { '200': { description: 'WAV', content: { 'audio/wav': {} } }, '206': { description: 'part of it' }, '416': { description: 'range not satisfiable' }, ...errors(404) },
        }),
      },
      '/content/key-rotations/{n}': { get: op('the n-th signed key rotation (carts with an old key)', null, { parameters: [path('n', '1 = the first')], responses: { '200': { description: 'signed bytes', content: { 'application/octet-stream': {} } }, ...errors(404) } }) },
      // Releases and rollouts (controller/releases/, release-routes.ts) and remote settings (settings-routes.ts):
      // described here by their routes and roles; their bodies are checked in those files.
      '/api/releases': { get: op('the releases on this controller, their rollouts and the firmware each unit reported', UNIT_READERS, { responses: { '200': ok('releases', { type: 'object', properties: { releases: { type: 'array', items: { type: 'object' } }, rollouts: { type: 'array', items: { type: 'object' } }, units: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, firmware: nullable('string') } } } } }), ...errors(401, 403) } }) },
      '/api/releases/{version}/rollout': {
        get: op('the rollout of a release', UNIT_READERS, { parameters: [path('version', 'release version, e.g. 0.2.0')], responses: { '200': ok('the rollout', { type: 'object' }), ...errors(401, 403, 404) } }),
        post: op('start rolling a release out: canary units first, then the rest', APPROVERS, {
          parameters: [path('version', 'release version, e.g. 0.2.0')],
          requestBody: { content: json({ type: 'object', properties: { canary: {}, then: { type: ['string', 'null'], description: '"commune:ID", "team:ID", "all" or null' }, pause: { type: 'boolean' }, healthyMinutes: { type: 'integer' } } }) },
          responses: { '200': ok('the rollout', { type: 'object' }), ...errors(400, 401, 403, 404, 409) },
        }),
      },
      ...Object.fromEntries(
        (['resume', 'stop', 'rollback'] as const).map((step) => [
          `/api/releases/{version}/rollout/${step}`,
          { post: op(`${step} the rollout of a release`, APPROVERS, { parameters: [path('version', 'release version, e.g. 0.2.0')], responses: { '200': ok('the rollout', { type: 'object' }), ...errors(401, 403, 404, 409) } }) },
        ]),
      ),
      '/api/settings': {
        get: op('the settings documents sent, newest first', UNIT_READERS, { parameters: [query('limit', '1–5000, default 200', { type: 'integer' })], responses: { '200': ok('documents', { type: 'object', properties: { documents: { type: 'array', items: { type: 'object' } } } }), ...errors(400, 401, 403) } }),
        post: op('sign and send a settings document (sections policy, player, link, storage) to a unit, a team or a commune', APPROVERS, {
          requestBody: { required: true, content: json({ type: 'object', required: ['target', 'document'], properties: { target: jsonSchema(commandBody.properties.target), document: { type: 'object' }, ttlSeconds: { type: 'integer', minimum: 1, maximum: 604800 } } }) },
          responses: { '200': ok('the settings sent', { type: 'object' }), ...errors(400, 401, 403, 404) },
        }),
      },
      '/api/units/{id}/settings': { get: op('the settings a unit was sent and the ones it applied', UNIT_READERS, { parameters: [path('id', 'unit id')], responses: { '200': ok('the unit’s settings', { type: 'object' }), ...errors(401, 403, 404) } }) },
      '/releases/{version}/{arch}/{file}': {
        get: op('a release file (carts): the signed release, its archive', null, {
          parameters: [path('version', 'release version'), path('arch', 'arm64, armhf…'), path('file', 'file name')],
          responses: { '200': { description: 'the file', content: { 'application/octet-stream': {} } }, ...errors(404) },
        }),
      },
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
