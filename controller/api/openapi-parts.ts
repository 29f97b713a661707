/**
 * The small builders the OpenAPI document (openapi.ts, openapi-board.ts) is written with: references, parameters,
 * JSON bodies and answers, error answers, and an operation with the roles it needs.
 */
import { BODY_SCHEMAS } from './bodies.js';
import { BOARD_BODY_SCHEMAS } from './board-bodies.js';

export type Json = Record<string, unknown>;

export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
export const nullable = (type: string): Json => ({ type: [type, 'null'] });
export const query = (name: string, description: string, schema: Json = { type: 'string' }, required = false): Json => ({ name, in: 'query', required, description, schema });
export const path = (name: string, description: string): Json => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
export const json = (schema: Json): Json => ({ 'application/json': { schema } });
export const ok = (description: string, schema: Json): Json => ({ description, content: json(schema) });
export const errors = (...codes: number[]): Json =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));

export function op(summary: string, roles: readonly string[] | null, extra: Json): Json {
  return { summary, ...(roles === null ? { security: [] } : { security: [{ session: [] }, { cookie: [] }], 'x-roles': roles }), ...extra };
}

/** A request body that is one of the checked schemas. */
export const body = (name: keyof typeof BODY_SCHEMAS | keyof typeof BOARD_BODY_SCHEMAS): Json => ({ required: true, content: json(ref(name)) });
