/**
 * The office part of the JSON API: sessions (login, logout), the periodic reports, the content list and the approval
 * steps, and the OpenAPI document itself. Described in openapi.ts.
 */
import type { SqliteDb } from '../../lib/sqlite.js';
import { CLIP_STATUSES, type ContentLibrary } from '../content/library.js';
import type { ContentWorkflow } from '../content/workflow.js';
import type { HttpServer } from '../http/server.js';
import { buildReport, legacyHeading, parsePeriod, REPORT_FORMATS, type Lang, type ReportFormat, type ReportHeading } from '../reports/index.js';
import { ROLES } from '../users/roles.js';
import type { Session, User } from '../users/users.js';
import { apiRoute, APPROVERS, badField, CONTENT_READERS, jsonBody, READERS, WITHDRAWERS, type SessionLookup } from './guard.js';
import { checkedBody, loginBody } from './bodies.js';
import { approvalRequest } from './content-write-routes.js';
import { openApiDocument } from './openapi.js';
import { choiceParam, nameParam } from './params.js';

/** What the routes need of the user store (UserStore fits). */
export interface SessionStore extends SessionLookup {
  /** `from`: the client's address, for the login throttle. */
  login(name: string, password: string, from?: string): Promise<Session>;
  logout(token: string): Promise<void>;
}

export interface OfficeRoutesOptions {
  db: SqliteDb;
  users: SessionStore;
  library: ContentLibrary;
  workflow: ContentWorkflow;
  /** `id`: the network name; `name`: the area's name (the API document's title). */
  district: { id: string; name: string };
  /** The reports' header and signature words: `reportHeading(config)` (default: the 2021 plan's words for `district.name`). */
  heading?: ReportHeading;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
}

const REPORT_TYPES: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

/** Formats a browser should save rather than show. */
const REPORT_FILES: Partial<Record<ReportFormat, true>> = { csv: true, docx: true };

const userView = (u: User): Record<string, unknown> => ({ name: u.name, displayName: u.displayName, role: u.role });

export function registerOfficeRoutes(server: HttpServer, o: OfficeRoutesOptions): void {
  const nowS = (): number => Math.floor((o.clock ?? Date.now)() / 1000);
  const doc = openApiDocument(o.district);
  const heading = o.heading ?? legacyHeading(o.district.name);

  apiRoute(server, o.users, 'GET', '/api/openapi.json', 'public', async () => doc);

  apiRoute(server, o.users, 'POST', '/api/login', 'public', async ({ req }) => {
    const body = await checkedBody(req, loginBody);
    const session = await o.users.login(body.user, body.password, req.raw.socket.remoteAddress);
    return { token: session.token, expiresAt: session.expiresAt, user: userView(session.user) };
  });

  apiRoute(server, o.users, 'POST', '/api/logout', ROLES, async ({ token }) => {
    await o.users.logout(token!);
    return undefined;
  });

  apiRoute(server, o.users, 'GET', '/api/reports', READERS, async ({ req, res }) => {
    const lang = choiceParam(req.query, 'lang', ['vi', 'en'] as const, 'vi') satisfies Lang;
    const periodText = req.query.get('period');
    if (periodText === null || periodText === '') throw badField('period', '2026-11, 2026-Q4, 2026-H2 or 2026', periodText);
    const period = parsePeriod(periodText, lang);
    const commune = nameParam(req.query, 'commune');
    const format = choiceParam(req.query, 'format', REPORT_FORMATS, 'json');
    const body = await buildReport(o.db, o.library, { period, now: nowS(), format, lang, heading, ...(commune === undefined ? {} : { commune }) });
    // The commune id is a slug (nameParam), so the file name stays ASCII.
    const name = `bao-cao-${period.id}${commune === undefined ? '' : `-${commune}`}`;
    res.writeHead(200, {
      'Content-Type': REPORT_TYPES[format],
      'Content-Length': body.length,
      ...(REPORT_FILES[format] === true ? { 'Content-Disposition': `attachment; filename="${name}.${format}"` } : {}),
    });
    res.end(body);
  });

  apiRoute(server, o.users, 'GET', '/api/content', CONTENT_READERS, async ({ req }) => {
    const statusText = req.query.get('status');
    const status = statusText === null || statusText === '' ? undefined : choiceParam(req.query, 'status', CLIP_STATUSES, 'submitted');
    return { clips: await o.library.list(status === undefined ? {} : { status }) };
  });

  apiRoute(server, o.users, 'GET', '/api/content/:id', CONTENT_READERS, async ({ req }) => {
    const clip = await o.library.get(req.params.id!);
    return { clip, audit: await o.library.audit(clip.id) };
  });

  apiRoute(server, o.users, 'POST', '/api/content/:id/approve', APPROVERS, async ({ req, user }) => {
    const { priority, changes } = approvalRequest(await jsonBody(req), o.district.id);
    return { clip: await o.workflow.approve(user!, req.params.id!, priority, changes) };
  });

  apiRoute(server, o.users, 'POST', '/api/content/:id/reject', APPROVERS, async ({ req, user }) => {
    const body = await jsonBody(req);
    return { clip: await o.workflow.reject(user!, req.params.id!, typeof body.reason === 'string' ? body.reason : '') };
  });

  apiRoute(server, o.users, 'POST', '/api/content/:id/request-changes', APPROVERS, async ({ req, user }) => {
    const body = await jsonBody(req);
    return { clip: await o.workflow.requestChanges(user!, req.params.id!, typeof body.note === 'string' ? body.note : '') };
  });

  apiRoute(server, o.users, 'POST', '/api/content/:id/withdraw', WITHDRAWERS, async ({ req, user }) => {
    const body = await jsonBody(req);
    return { clip: await o.workflow.withdraw(user!, req.params.id!, typeof body.reason === 'string' ? body.reason : '') };
  });
}
