/**
 * The operating board's part of the JSON API, on which the console's board pages are built: the teams' activity log
 * with its photos, the registry's teams and members for the forms, members' training records, the period reviews
 * with their versions and documents, and the reward proposals. Described in
 * openapi.ts; the bodies are board-bodies.ts.
 *
 * The routes only read the request and write the answer: every rule (who may confirm, what a field may hold, when a
 * review is frozen) is the services' (controller/board/), which `loa activity`, `loa review` and `loa reward` call
 * too. Their `BoardError`s become HTTP statuses in guard.ts.
 *
 * A photo is streamed to a temporary file in the photos folder (never held in memory; at most {@link MAX_PHOTO_BYTES}),
 * recognised and stored by the activity log, and the temporary file removed whatever happens.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { activityInput } from '../board/activity-input.js';
import { BoardError } from '../board/errors.js';
import { renderReviewDocx, renderReviewHtml } from '../board/render-review.js';
import { renderRewardsCsv, renderRewardsDocx } from '../board/render-rewards.js';
import { checkCriteria } from '../board/rewards.js';
import {
  ACTIVITY_STATUSES,
  MAX_PHOTO_BYTES,
  type ActivityAuditEntry,
  type ActivityFilter,
  type ActivityInput,
  type ActivityPhoto,
  type ActivityRecord,
  type Actor,
  type ReviewRecord,
  type ReviewSections,
  type ReviewSummary,
  type RewardCriteria,
  type RewardProposal,
  type TrainingRecord,
} from '../board/types.js';
import { both } from '../content/errors.js';
import type { FleetRegistry, Member, Team } from '../fleet/registry.js';
import { sendImmutableFile } from '../http/ranged-file.js';
import { HttpError, sendJson, type HttpServer } from '../http/server.js';
import { InvalidPeriodError, parsePeriod, vnDay, vnDayRange, type Lang, type Period, type PeriodKind, type ReportHeading } from '../reports/index.js';
import { activityBody, adjustmentBody, criteriaBody, memberBody, redraftBody, returnBody, reviewOpenBody, reviewSaveBody, trainingBody, withdrawActivityBody } from './board-bodies.js';
import { checkedBody } from './bodies.js';
import { ACTIVITY_READERS, apiRoute, APPROVERS, badField, READERS, RECORDERS, type SessionLookup } from './guard.js';
import { choiceParam, intParam, nameParam } from './params.js';

/** The media types a photo upload may declare; the activity log then recognises the image by its first bytes anyway. */
export const PHOTO_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp'];

/** A photo is named by its content, so its bytes never change under its address. */
const PHOTO_CACHE = 'private, max-age=31536000, immutable';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const FILE_TYPES = { docx: DOCX, html: 'text/html; charset=utf-8', csv: 'text/csv; charset=utf-8' } as const;

export const REVIEW_FORMATS = ['docx', 'html'] as const;
export const REWARD_FORMATS = ['csv', 'docx'] as const;
const LANGS = ['vi', 'en'] as const;
const PERIOD_KINDS = ['month', 'quarter', 'half', 'year'] as const satisfies readonly PeriodKind[];

/** What the routes need of the activity log (controller/board/activities.ts `ActivityLog` fits). */
export interface ActivityService {
  readonly photosDir: string;
  record(actor: Actor, input: ActivityInput): Promise<ActivityRecord>;
  resubmit(actor: Actor, id: number, input: ActivityInput): Promise<ActivityRecord>;
  confirm(actor: Actor, id: number): Promise<ActivityRecord>;
  sendBack(actor: Actor, id: number, reason: string): Promise<ActivityRecord>;
  withdraw(actor: Actor, id: number, reason?: string): Promise<ActivityRecord>;
  get(id: number): Promise<ActivityRecord>;
  list(filter?: ActivityFilter): Promise<ActivityRecord[]>;
  audit(id: number): Promise<ActivityAuditEntry[]>;
  addPhoto(actor: Actor, id: number, file: string): Promise<ActivityPhoto>;
  photoFile(id: number, sha256: string): Promise<{ path: string; type: string; size: number }>;
}

/** What the routes need of the training records (training.ts `TrainingRecords` fits). */
export interface TrainingService {
  add(actor: Actor, r: { member: number; course: string; day: string }): Promise<TrainingRecord>;
  list(filter?: { member?: number; team?: string; from?: string; until?: string }): Promise<TrainingRecord[]>;
}

/** What the routes need of the reviews (reviews.ts `Reviews` fits). */
export interface ReviewService {
  list(filter?: { period?: string; commune?: string | null }): Promise<ReviewSummary[]>;
  open(actor: Actor, period: string, commune: string | null, lang?: Lang): Promise<ReviewRecord>;
  get(id: number): Promise<ReviewRecord>;
  versionText(id: number, version: number): Promise<ReviewSections>;
  save(actor: Actor, id: number, sections: Partial<ReviewSections>, baseVersion: number): Promise<ReviewRecord>;
  redraft(actor: Actor, id: number, lang?: Lang): Promise<ReviewRecord>;
  finalise(actor: Actor, id: number): Promise<ReviewRecord>;
}

/** What the routes need of the reward proposals (rewards.ts `Rewards` fits). */
export interface RewardService {
  criteria(kind: PeriodKind): Promise<{ criteria: RewardCriteria; setBy: string | null; setAt: number | null }>;
  setCriteria(actor: Actor, kind: PeriodKind, criteria: RewardCriteria): Promise<void>;
  propose(period: string): Promise<RewardProposal>;
  adjust(actor: Actor, period: string, a: { kind: 'team' | 'member'; id: string; action: 'add' | 'remove'; reason: string }): Promise<RewardProposal>;
}

/** The board's services, built and started by the composition root (app/controller.ts). */
export interface BoardServices {
  activities: ActivityService;
  training: TrainingService;
  reviews: ReviewService;
  rewards: RewardService;
}

export interface BoardRoutesOptions {
  sessions: SessionLookup;
  board: BoardServices;
  registry: Pick<FleetRegistry, 'listTeams' | 'listMembers' | 'addMember' | 'communeHistory'>;
  /** The documents' header and signature words (`reportHeading(config)`). */
  heading: ReportHeading;
  /** Unix milliseconds (default `Date.now`). */
  clock?: () => number;
}

/** An activity's number from the path: `12`, or `HD-12` as the CLI and the console show it. */
function activityId(text: string): number {
  const m = /^(?:HD-)?(\d{1,9})$/i.exec(text);
  if (m) return Number(m[1]);
  throw new BoardError('unknown-activity', both(`Không có hoạt động "${text}": số hoạt động có dạng 12 hoặc HD-12`, `no activity "${text}": an activity number looks like 12 or HD-12`));
}

function reviewId(text: string): number {
  if (/^\d{1,9}$/.test(text)) return Number(text);
  throw new BoardError('unknown-review', both(`Không có báo cáo "${text}": mã báo cáo là một số (GET /api/reviews)`, `no review "${text}": a review id is a number (GET /api/reviews)`));
}

/** A period text as reports/period.ts reads it; the refusal in Vietnamese, then English (400 invalid-period). */
function periodOf(text: string): Period {
  try {
    return parsePeriod(text, 'vi');
  } catch (err) {
    if (!(err instanceof InvalidPeriodError)) throw err;
    throw new HttpError(400, err.code, both(err.message.replace(/\.$/, ''), new InvalidPeriodError(text, 'en').message));
  }
}

/** The `period` query parameter; undefined when absent and not `required`. */
function periodParam(query: URLSearchParams, required: true): Period;
function periodParam(query: URLSearchParams, required: false): Period | undefined;
function periodParam(query: URLSearchParams, required: boolean): Period | undefined {
  const text = query.get('period');
  if (text === null || text === '') {
    if (required) throw badField('period', '2026-11, 2026-Q4, 2026-H2 or 2026', text);
    return undefined;
  }
  return periodOf(text);
}

/** A `YYYY-MM-DD` query parameter, as text; undefined when absent. */
function dayParam(query: URLSearchParams, name: string): string | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  if (vnDayRange(text) === undefined) throw badField(name, 'a day YYYY-MM-DD', text);
  return text;
}

/** A body with its `null` fields left out: to the services, a null is a field not given. */
function given<T extends object>(body: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));
}

/** 415 unless the upload declares a JPEG, PNG or WebP image. */
function checkPhotoType(contentType: string | undefined): void {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!PHOTO_TYPES.includes(type)) throw notPhoto(type);
}

/** `declared`: the Content-Type refused; '' when the bytes themselves are no image. */
function notPhoto(declared: string): BoardError {
  const [vi, en] = declared === '' ? ['tệp gửi lên không phải ảnh', 'the file sent is not an image'] : [`nhận "${declared}"`, `got "${declared}"`];
  return new BoardError(
    'not-photo',
    both(`Ảnh phải là JPEG, PNG hoặc WebP (Content-Type: image/jpeg, image/png hoặc image/webp), ${vi}: chọn một tệp ảnh`, `a photo must be a JPEG, PNG or WebP image (Content-Type: image/jpeg, image/png or image/webp), ${en}: choose a photo file`),
  );
}

/** A document as a download (`fileName`: ASCII, made of ids and a period) or, without a name, to be shown. */
function sendDocument(res: ServerResponse, body: Buffer | string, type: string, fileName?: string): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': bytes.length,
    ...(fileName === undefined ? {} : { 'Content-Disposition': `attachment; filename="${fileName}"` }),
  });
  res.end(bytes);
}

const memberView = (m: Member): { id: number; name: string; role: string; teamId: string } => ({ id: m.id, name: m.name, role: m.role, teamId: m.team });

export function registerBoardRoutes(server: HttpServer, o: BoardRoutesOptions): void {
  registerActivityRoutes(server, o);
  registerRegistryRoutes(server, o);
  registerReviewRoutes(server, o);
  registerRewardRoutes(server, o);
}

function registerActivityRoutes(server: HttpServer, o: BoardRoutesOptions): void {
  const log = o.board.activities;
  apiRoute(server, o.sessions, 'GET', '/api/activities', ACTIVITY_READERS, async ({ req }) => {
    const q = req.query;
    const statusText = q.get('status');
    const status = statusText === null || statusText === '' ? undefined : choiceParam(q, 'status', ACTIVITY_STATUSES, 'submitted');
    const commune = nameParam(q, 'commune');
    const team = nameParam(q, 'team');
    const period = periodParam(q, false);
    const filter: ActivityFilter = {
      ...(status === undefined ? {} : { status }),
      ...(commune === undefined ? {} : { commune }),
      ...(team === undefined ? {} : { team }),
      ...(period === undefined ? {} : { from: period.start, until: period.end }),
    };
    return { activities: await log.list(filter) };
  });

  apiRoute(server, o.sessions, 'POST', '/api/activities', RECORDERS, async ({ req, res, user }) => {
    const input = activityInput(given(await checkedBody(req, activityBody)));
    sendJson(res, 201, { activity: await log.record(user!, input) });
  });

  apiRoute(server, o.sessions, 'GET', '/api/activities/:id', ACTIVITY_READERS, async ({ req }) => {
    const activity = await log.get(activityId(req.params.id!));
    return { activity, audit: await log.audit(activity.id) };
  });

  apiRoute(server, o.sessions, 'POST', '/api/activities/:id/resubmit', RECORDERS, async ({ req, user }) => {
    const id = activityId(req.params.id!);
    const input = activityInput(given(await checkedBody(req, activityBody)));
    return { activity: await log.resubmit(user!, id, input) };
  });

  apiRoute(server, o.sessions, 'POST', '/api/activities/:id/confirm', APPROVERS, async ({ req, user }) => ({ activity: await log.confirm(user!, activityId(req.params.id!)) }));

  apiRoute(server, o.sessions, 'POST', '/api/activities/:id/return', APPROVERS, async ({ req, user }) => {
    const id = activityId(req.params.id!);
    const { reason } = await checkedBody(req, returnBody);
    return { activity: await log.sendBack(user!, id, reason) };
  });

  apiRoute(server, o.sessions, 'POST', '/api/activities/:id/withdraw', RECORDERS, async ({ req, user }) => {
    const id = activityId(req.params.id!);
    const { reason } = await checkedBody(req, withdrawActivityBody);
    return { activity: await log.withdraw(user!, id, reason ?? undefined) };
  });

  apiRoute(server, o.sessions, 'POST', '/api/activities/:id/photos', RECORDERS, async ({ req, res, user }) => {
    checkPhotoType(req.raw.headers['content-type']);
    // Refused before a byte of the body is read: no 5 MB upload for an activity that is not there.
    const activity = await log.get(activityId(req.params.id!));
    const upload = join(log.photosDir, `.upload-${randomBytes(6).toString('hex')}`);
    let photo: ActivityPhoto;
    try {
      await req.bodyToFile(upload, MAX_PHOTO_BYTES);
      photo = await log.addPhoto(user!, activity.id, upload);
    } catch (err) {
      // In the browser's words: the log's messages name the temporary file, a path on the server.
      if ((err instanceof HttpError && err.status === 413) || (err instanceof BoardError && err.code === 'photo-too-large')) throw photoTooLarge();
      if (err instanceof BoardError && err.code === 'not-photo') throw notPhoto('');
      throw err;
    } finally {
      // Before the answer: once the client has it, nothing of the upload is left behind.
      await rm(upload, { force: true });
    }
    sendJson(res, 201, { photo });
  });

  apiRoute(server, o.sessions, 'GET', '/api/activities/:id/photos/:sha256', ACTIVITY_READERS, async ({ req, res }) => {
    const id = activityId(req.params.id!);
    const sha256 = req.params.sha256!;
    if (!/^[0-9a-f]{64}$/.test(sha256)) {
      throw new BoardError('unknown-photo', both(`Hoạt động HD-${id} không có ảnh "${sha256}": ảnh được gọi bằng SHA-256 (64 chữ số hex)`, `activity HD-${id} has no photo "${sha256}": a photo is named by its SHA-256 (64 hex digits)`));
    }
    const file = await log.photoFile(id, sha256);
    await sendImmutableFile(req, res, { path: file.path, sha256, cacheControl: PHOTO_CACHE, contentType: file.type });
  });
}

function photoTooLarge(): BoardError {
  const mb = MAX_PHOTO_BYTES / 1_000_000;
  return new BoardError('photo-too-large', both(`Ảnh quá lớn: tối đa ${mb} MB; hãy giảm kích thước ảnh rồi gửi lại`, `the photo is too large: at most ${mb} MB; make it smaller and send it again`));
}

/** Whether `team` works in commune `c`: its own, the former commune it covers, or across a merger either way. */
function teamWorksIn(team: Team, c: string, currentOf: ReadonlyMap<string, string>): boolean {
  return team.commune === c || team.formerCommune === c || currentOf.get(c) === team.commune || currentOf.get(team.commune) === c;
}

function registerRegistryRoutes(server: HttpServer, o: BoardRoutesOptions): void {
  const today = (): number => vnDay(Math.floor((o.clock ?? Date.now)() / 1000));

  apiRoute(server, o.sessions, 'GET', '/api/teams', ACTIVITY_READERS, async ({ req }) => {
    const commune = nameParam(req.query, 'commune');
    const view = (await o.registry.communeHistory()).asOf(today());
    if (commune !== undefined && !view.currentOf.has(commune)) {
      throw new BoardError('unknown-commune', both(`Không có xã "${commune}" (GET /api/communes liệt kê các xã)`, `no commune "${commune}" (GET /api/communes lists them)`));
    }
    const teams = (await o.registry.listTeams()).filter((t) => commune === undefined || teamWorksIn(t, commune, view.currentOf));
    return { teams: teams.map((t) => ({ id: t.id, name: t.name, communeId: t.commune, communeName: view.nameOf(t.commune) })) };
  });

  apiRoute(server, o.sessions, 'GET', '/api/members', ACTIVITY_READERS, async ({ req }) => {
    const team = nameParam(req.query, 'team');
    if (team !== undefined && !(await o.registry.listTeams()).some((t) => t.id === team)) {
      throw new BoardError('unknown-team', both(`Không có tổ "${team}" (GET /api/teams liệt kê các tổ)`, `no team "${team}" (GET /api/teams lists them)`));
    }
    return { members: (await o.registry.listMembers(team)).map(memberView) };
  });

  apiRoute(server, o.sessions, 'POST', '/api/members', APPROVERS, async ({ req, res }) => {
    const body = await checkedBody(req, memberBody);
    const member = await o.registry.addMember({ team: body.team, name: body.name.trim(), ...(body.role === undefined ? {} : { role: body.role }), ...(body.phone ? { phone: body.phone.trim() } : {}) });
    sendJson(res, 201, { member: memberView(member) });
  });

  apiRoute(server, o.sessions, 'GET', '/api/training', ACTIVITY_READERS, async ({ req }) => {
    const q = req.query;
    const member = q.get('member') ? intParam(q, 'member', 0, 1, 999_999_999) : undefined;
    const team = nameParam(q, 'team');
    const from = dayParam(q, 'from');
    const until = dayParam(q, 'until');
    const filter = { ...(member === undefined ? {} : { member }), ...(team === undefined ? {} : { team }), ...(from === undefined ? {} : { from }), ...(until === undefined ? {} : { until }) };
    return { training: await o.board.training.list(filter) };
  });

  apiRoute(server, o.sessions, 'POST', '/api/training', RECORDERS, async ({ req, res, user }) => {
    const body = await checkedBody(req, trainingBody);
    sendJson(res, 201, { record: await o.board.training.add(user!, { member: body.member, course: body.course, day: body.day }) });
  });
}

function registerReviewRoutes(server: HttpServer, o: BoardRoutesOptions): void {
  const reviews = o.board.reviews;
  const nowS = (): number => Math.floor((o.clock ?? Date.now)() / 1000);

  apiRoute(server, o.sessions, 'GET', '/api/reviews', READERS, async ({ req }) => {
    const period = periodParam(req.query, false);
    const commune = nameParam(req.query, 'commune');
    return { reviews: await reviews.list({ ...(period === undefined ? {} : { period: period.id }), ...(commune === undefined ? {} : { commune }) }) };
  });

  apiRoute(server, o.sessions, 'POST', '/api/reviews', APPROVERS, async ({ req, user }) => {
    const body = await checkedBody(req, reviewOpenBody);
    const commune = body.commune === undefined || body.commune === null || body.commune.trim() === '' ? null : body.commune.trim();
    return { review: await reviews.open(user!, periodOf(body.period).id, commune, body.lang ?? 'vi') };
  });

  apiRoute(server, o.sessions, 'GET', '/api/reviews/:id', READERS, async ({ req }) => ({ review: await reviews.get(reviewId(req.params.id!)) }));

  apiRoute(server, o.sessions, 'GET', '/api/reviews/:id/versions/:version', READERS, async ({ req }) => {
    const id = reviewId(req.params.id!);
    const text = req.params.version!;
    if (!/^\d{1,9}$/.test(text)) throw badField('version', 'a version number (1 = the first draft)', text);
    return { sections: await reviews.versionText(id, Number(text)) };
  });

  apiRoute(server, o.sessions, 'POST', '/api/reviews/:id/versions', APPROVERS, async ({ req, user }) => {
    const id = reviewId(req.params.id!);
    const body = await checkedBody(req, reviewSaveBody);
    return { review: await reviews.save(user!, id, body.sections, body.baseVersion) };
  });

  apiRoute(server, o.sessions, 'POST', '/api/reviews/:id/redraft', APPROVERS, async ({ req, user }) => {
    const id = reviewId(req.params.id!);
    const body = await checkedBody(req, redraftBody);
    return { review: await reviews.redraft(user!, id, body.lang ?? 'vi') };
  });

  apiRoute(server, o.sessions, 'POST', '/api/reviews/:id/finalise', APPROVERS, async ({ req, user }) => ({ review: await reviews.finalise(user!, reviewId(req.params.id!)) }));

  apiRoute(server, o.sessions, 'GET', '/api/reviews/:id/document', READERS, async ({ req, res }) => {
    const format = choiceParam(req.query, 'format', REVIEW_FORMATS, 'docx');
    const lang = choiceParam(req.query, 'lang', LANGS, 'vi');
    const review = await reviews.get(reviewId(req.params.id!));
    if (format === 'html') {
      sendDocument(res, renderReviewHtml(review, { lang, heading: o.heading }), FILE_TYPES.html);
      return;
    }
    // A final review is dated the day it was signed: its document stays the same bytes however late it is fetched.
    const docx = await renderReviewDocx(review, { lang, heading: o.heading, issuedAt: review.finalisedAt ?? nowS() });
    // The period is an id (2026-Q4) and the commune a slug: the name stays ASCII.
    sendDocument(res, docx, DOCX, `bao-cao-so-ket-${review.period}${review.commune === null ? '' : `-${review.commune}`}.docx`);
  });
}

function registerRewardRoutes(server: HttpServer, o: BoardRoutesOptions): void {
  const rewards = o.board.rewards;
  const nowS = (): number => Math.floor((o.clock ?? Date.now)() / 1000);

  apiRoute(server, o.sessions, 'GET', '/api/rewards', READERS, async ({ req }) => ({ proposal: await rewards.propose(periodParam(req.query, true).id) }));

  apiRoute(server, o.sessions, 'GET', '/api/rewards/criteria', READERS, async ({ req }) => rewards.criteria(choiceParam(req.query, 'kind', PERIOD_KINDS, 'month')));

  apiRoute(server, o.sessions, 'POST', '/api/rewards/criteria', APPROVERS, async ({ req, user }) => {
    const body = await checkedBody(req, criteriaBody);
    await rewards.setCriteria(user!, body.kind, checkCriteria(body.criteria));
    return rewards.criteria(body.kind);
  });

  apiRoute(server, o.sessions, 'POST', '/api/rewards/adjustments', APPROVERS, async ({ req, user }) => {
    const body = await checkedBody(req, adjustmentBody);
    const period = periodOf(body.period).id;
    return { proposal: await rewards.adjust(user!, period, { kind: body.kind, id: String(body.id), action: body.action, reason: body.reason }) };
  });

  apiRoute(server, o.sessions, 'GET', '/api/rewards/document', READERS, async ({ req, res }) => {
    const period = periodParam(req.query, true);
    const format = choiceParam(req.query, 'format', REWARD_FORMATS, 'csv');
    const lang = choiceParam(req.query, 'lang', LANGS, 'vi');
    const proposal = await rewards.propose(period.id);
    const body = format === 'csv' ? renderRewardsCsv(proposal, lang) : await renderRewardsDocx(proposal, { lang, heading: o.heading, issuedAt: nowS() });
    sendDocument(res, body, FILE_TYPES[format], `de-nghi-khen-thuong-${period.id}.${format}`);
  });
}
