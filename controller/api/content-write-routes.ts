/**
 * The console's content writes (docs/console.md, "Content, playlist, users"): submitting an uploaded recording or a
 * text to speak, listening to a clip before deciding, and publishing the playlist. They do what `loa content add`
 * and `loa manifest publish` do, through the same library, workflow and parsing (content/clip-input.ts), so the
 * console and the command line accept and refuse the same things with the same messages.
 *
 * An upload is streamed to a temporary file in the clips folder (never held in memory; at most 50 MB), converted by
 * the library, and removed whatever happens.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Priority } from '../../protocol/index.js';
import { clipDetails, parseIsoDay, parseTarget, type ClipInput, type DateFields } from '../content/clip-input.js';
import type { ContentLibrary, StoredFile } from '../content/library.js';
import type { PublishedManifest } from '../content/manifests.js';
import { sendClipFile } from '../content/routes.js';
import type { ApprovalChanges, ContentWorkflow } from '../content/workflow.js';
import { both } from '../content/errors.js';
import { HttpError, sendJson, type HttpServer } from '../http/server.js';
import type { Role } from '../users/roles.js';
import type { Static } from '../../lib/schema.js';
import { approvalBody, checkBody, checkedBody, speechBody } from './bodies.js';
import { apiRoute, APPROVERS, badField, CONTENT_READERS, type SessionLookup } from './guard.js';

/** Who may submit clips (as `loa content add`). */
export const SUBMITTERS: readonly Role[] = ['submitter', 'approver'];

/** Largest upload, bytes (docs/console.md: at most 50 MB; the importer's own limit is the same). */
export const MAX_UPLOAD_BYTES = 50_000_000;

/** The media types an upload may declare; the importer then recognises WAV or MP3 by the first bytes anyway. */
export const UPLOAD_TYPES: readonly string[] = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave', 'audio/mpeg', 'audio/mp3'];

/** Dates in the upload's query: `from=YYYY-MM-DD&until=YYYY-MM-DD`. */
const QUERY_DATES: DateFields = { form: 'yyyy-mm-dd', from: 'from', until: 'until' };
/** Dates in a JSON body: `validFrom`, `validUntil`, YYYY-MM-DD. */
const BODY_DATES: DateFields = { form: 'yyyy-mm-dd', from: 'validFrom', until: 'validUntil' };

export interface ContentWriteRoutesOptions {
  users: SessionLookup;
  library: ContentLibrary;
  workflow: ContentWorkflow;
  /** The running controller's publisher (`ManifestPublisher` fits): the same path as `loa manifest publish`. */
  manifests: { publish(by?: string): Promise<PublishedManifest> };
  district: { id: string };
  /** Largest upload, bytes (default {@link MAX_UPLOAD_BYTES}). */
  maxUploadBytes?: number;
}

/** A query parameter's text, undefined when absent or empty. */
function queryText(query: URLSearchParams, name: string): string | undefined {
  const text = query.get(name);
  return text === null || text === '' ? undefined : text;
}

/** The clip's details from the upload's query. The title is checked here, before a byte of the body is read. */
function uploadInput(query: URLSearchParams): ClipInput {
  const title = queryText(query, 'title');
  if (title === undefined || title.trim() === '') throw badField('title', 'the clip’s title', query.get('title'));
  return {
    title,
    summary: queryText(query, 'summary'),
    language: queryText(query, 'language'),
    category: queryText(query, 'category'),
    priority: queryText(query, 'priority'),
    targets: query.getAll('target').filter((t) => t !== ''),
    validFrom: queryText(query, 'from'),
    validUntil: queryText(query, 'until'),
  };
}

/** What a person typed, as the clip input reads it: a `null` field is one left out. */
function speechInput(body: Static<typeof speechBody>): ClipInput {
  return {
    title: body.title,
    summary: body.summary ?? undefined,
    language: body.language ?? undefined,
    category: body.category ?? undefined,
    priority: body.priority ?? undefined,
    targets: body.targets ?? undefined,
    validFrom: body.validFrom ?? undefined,
    validUntil: body.validUntil ?? undefined,
  };
}

/**
 * The body of `POST /api/content/:id/approve` ({@link approvalBody}): `{ priority?, targets?, validFrom?, validUntil? }`,
 * each given one overriding what the submitter asked.
 */
export function approvalRequest(value: unknown, district: string): { priority: Priority | undefined; changes: ApprovalChanges } {
  const { priority, targets, validFrom, validUntil } = checkBody(approvalBody, value);
  return {
    priority: priority ?? undefined,
    changes: {
      ...(targets === undefined || targets === null ? {} : { targets: targets.map((t) => parseTarget(t, district)) }),
      ...(validFrom === undefined || validFrom === null ? {} : { validFrom: parseIsoDay(BODY_DATES.from, validFrom) }),
      ...(validUntil === undefined || validUntil === null ? {} : { validUntil: parseIsoDay(BODY_DATES.until, validUntil, true) }),
    },
  };
}

/** 415 unless the upload declares a WAV or MP3 media type. */
function checkUploadType(contentType: string | undefined): void {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (UPLOAD_TYPES.includes(type)) return;
  throw new HttpError(
    415,
    'unsupported-media-type',
    both(`Tệp gửi lên phải là âm thanh WAV hoặc MP3 (Content-Type: audio/wav hoặc audio/mpeg), nhận "${type}"`, `the upload must be WAV or MP3 audio (Content-Type: audio/wav or audio/mpeg), got "${type}"`),
  );
}

export function registerContentWriteRoutes(server: HttpServer, o: ContentWriteRoutesOptions): void {
  const district = o.district.id;

  apiRoute(server, o.users, 'POST', '/api/content', SUBMITTERS, async ({ req, res, user }) => {
    checkUploadType(req.raw.headers['content-type']);
    const details = clipDetails(uploadInput(req.query), district, QUERY_DATES);
    const upload = join(o.library.clipsDir, `.upload-${randomBytes(6).toString('hex')}`);
    let file: StoredFile;
    try {
      await req.bodyToFile(upload, o.maxUploadBytes ?? MAX_UPLOAD_BYTES);
      file = await o.library.addFile(upload);
    } finally {
      // Before the answer: once the client has it, nothing of the upload is left behind.
      await rm(upload, { force: true });
    }
    sendJson(res, 201, { clip: await o.workflow.submit(user!, file, details, queryText(req.query, 'filename') ?? 'upload') });
  });

  apiRoute(server, o.users, 'POST', '/api/content/speech', SUBMITTERS, async ({ req, res, user }) => {
    const body = await checkedBody(req, speechBody);
    const text = body.text;
    const details = clipDetails(speechInput(body), district, BODY_DATES);
    const file = await o.library.addSpeech(text);
    sendJson(res, 201, { clip: await o.workflow.submit(user!, file, details, 'tts') });
  });

  apiRoute(server, o.users, 'GET', '/api/content/:id/audio', CONTENT_READERS, async ({ req, res }) => {
    const clip = await o.library.get(req.params.id!);
    // The ETag is the file's SHA-256; a resubmission changes the file, so the browser must ask again each time.
    try {
      await sendClipFile(req, res, o.library.clipPath(clip.sha256), clip.sha256, 'private, no-cache');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      throw new HttpError(404, 'no-audio', both(`Không tìm thấy tệp âm thanh của bản tin ${clip.id} trong thư mục dữ liệu: hãy khôi phục từ bản sao lưu`, `the audio file of clip ${clip.id} is missing from the data folder: restore it from a backup`));
    }
  });

  apiRoute(server, o.users, 'POST', '/api/manifests', APPROVERS, async ({ res, user }) => {
    const m = await o.manifests.publish(user!.name);
    sendJson(res, 201, { version: m.version, clips: m.clips, issued: m.issued, expires: m.expires, announced: m.announced });
  });
}
