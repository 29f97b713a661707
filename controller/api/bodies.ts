/**
 * The JSON bodies the API accepts, one schema each (lib/schema.ts): the routes check a body with {@link checkedBody},
 * their TypeScript types come from the schemas, and the OpenAPI document shows the very same schemas as its
 * components (openapi.ts). Bodies are open (a key the schema does not name is ignored), so that an older console
 * sending one more field keeps working.
 */
import { ConfigError } from '../../lib/config-error.js';
import { check, must, secret, Type, type Static, type TSchema } from '../../lib/schema.js';
import { COMMAND_ACTIONS, PRIORITIES } from '../../protocol/index.js';
import { both } from '../content/errors.js';
import { HttpError, type HttpRequest } from '../http/server.js';
import { ROLES } from '../users/roles.js';
import { jsonBody } from './guard.js';

/** What a command is sent to: one unit, or every unit of a team or a commune. */
export const COMMAND_KINDS = ['unit', 'team', 'commune'] as const;

const filled = (en: string, vi: string) => Type.String({ minLength: 1, pattern: '\\S', ...must(en, vi) });
const optionalText = Type.Optional(Type.Union([Type.String(), Type.Null()], must('a string', 'một chuỗi')));
const day = (description: string) => Type.Optional(Type.Union([Type.String({ description }), Type.Null()], must('a day YYYY-MM-DD', 'một ngày YYYY-MM-DD')));
const targets = Type.Optional(
  Type.Union([Type.Array(Type.String({ description: 'district, commune:ID, team:ID or unit:ID' })), Type.Null()], must('an array such as ["commune:ID"]', 'một danh sách như ["commune:ID"]')),
);
const priority = Type.Optional(Type.Union([...PRIORITIES.map((p) => Type.Literal(p)), Type.Null()]));
const password = Type.String({ minLength: 8, ...secret, ...must('a password of at least 8 characters', 'một mật khẩu ít nhất 8 ký tự') });

/** `POST /api/login`, `POST /api/session`. */
export const loginBody = Type.Object({ user: filled('the user name', 'tên đăng nhập'), password: Type.String({ minLength: 1, ...secret, ...must('the password', 'mật khẩu') }) });

/** `POST /api/users`. */
export const newUserBody = Type.Object({
  name: filled('a user name of a-z, 0-9, . _ - (1–32)', 'một tên đăng nhập gồm a-z, 0-9, . _ - (1–32)'),
  role: Type.Union(
    ROLES.map((r) => Type.Literal(r)),
    must(ROLES.join(' | '), ROLES.join(' | ')),
  ),
  password,
  displayName: Type.Optional(filled('a name people read, e.g. Công an xã Dân Lực', 'một tên mọi người đọc, ví dụ Công an xã Dân Lực')),
});

/** `POST /api/users/:name/password`. */
export const passwordBody = Type.Object({ password });

/** `POST /api/content/speech`: a text spoken by espeak-ng as a clip, with the clip's details. */
export const speechBody = Type.Object({
  title: filled('the clip’s title', 'tên của bản tin'),
  text: filled('the Vietnamese text to speak', 'văn bản tiếng Việt cần đọc'),
  summary: optionalText,
  language: optionalText,
  category: optionalText,
  priority,
  targets,
  validFrom: day('YYYY-MM-DD (Vietnam day)'),
  validUntil: day('YYYY-MM-DD (Vietnam day, inclusive)'),
});

/** `POST /api/content/:id/approve`: each field given overrides what the submitter asked. */
export const approvalBody = Type.Object({ priority, targets, validFrom: day('YYYY-MM-DD (Vietnam day)'), validUntil: day('YYYY-MM-DD (Vietnam day, inclusive)') });

/** `POST /api/commands`; `args` is checked with the action (fleet-routes.ts `commandAction`). */
export const commandBody = Type.Object({
  target: Type.Object({ kind: Type.Union(COMMAND_KINDS.map((k) => Type.Literal(k))), id: filled('the id of the unit, team or commune', 'mã của xe, tổ hoặc xã') }),
  action: Type.Union(COMMAND_ACTIONS.map((a) => Type.Literal(a))),
  args: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'set-volume { volume }, play-clip { clip }, set-config { version, document }, update { version, rollback? }' })),
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604_800, 'x-unit': 's' })),
});

/** The schemas by the name the OpenAPI document gives them (components.schemas). */
export const BODY_SCHEMAS = {
  LoginBody: loginBody,
  NewUserBody: newUserBody,
  PasswordBody: passwordBody,
  SpeechBody: speechBody,
  ApprovalBody: approvalBody,
  CommandBody: commandBody,
} as const;

/**
 * The request's JSON body checked against `schema`: 400 `bad-field` naming every bad field with its path and value
 * (a secret is never repeated), in Vietnamese then English.
 */
export async function checkedBody<T extends TSchema>(req: HttpRequest, schema: T): Promise<Static<T>> {
  return checkBody(schema, await jsonBody(req));
}

/** A parsed body checked against `schema`, as {@link checkedBody}. */
export function checkBody<T extends TSchema>(schema: T, body: unknown): Static<T> {
  try {
    return check(schema, body);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const vi = err.problems.map((p) => `${p.path}: ${p.vi ?? p.message}`).join('; ');
    const en = err.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new HttpError(400, 'bad-field', both(`Nội dung yêu cầu không hợp lệ: ${vi}`, `the request body is not valid: ${en}`));
  }
}
