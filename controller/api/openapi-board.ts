/**
 * The operating board's part of the OpenAPI document (board-routes.ts): the response shapes and the paths of the
 * activity log, members, training records, reviews and reward proposals.
 */
import { ACTIVITY_KINDS, ACTIVITY_STATUSES, MAX_PHOTO_BYTES, REVIEW_SECTIONS } from '../board/types.js';
import { PHOTO_TYPES, REVIEW_FORMATS, REWARD_FORMATS } from './board-routes.js';
import { ACTIVITY_READERS, APPROVERS, READERS, RECORDERS } from './guard.js';
import { body, errors, json, nullable, ok, op, path, query, ref, type Json } from './openapi-parts.js';

/** The response shapes of the board's routes (controller/board/types.ts), described for the console's authors. */
export function boardSchemas(): Json {
  const str = { type: 'string' };
  const int = { type: 'integer' };
  const texts = (keys: readonly string[]): Json => ({ type: 'object', properties: Object.fromEntries(keys.map((k) => [k, str])) });
  return {
    ActivityPhoto: { type: 'object', properties: { sha256: str, type: { enum: PHOTO_TYPES }, size: int } },
    Activity: {
      type: 'object',
      properties: {
        id: { ...int, description: 'shown as HD-<id>' }, kind: { enum: ACTIVITY_KINDS }, at: { ...int, description: 'when it took place, Unix seconds' },
        communeId: str, communeName: { ...str, description: 'the commune’s name on the activity’s day' }, place: str, lat: nullable('number'), lon: nullable('number'),
        teamId: str, teamName: str, members: { type: 'array', items: { type: 'object', properties: { id: int, name: str } } }, peopleReached: int, note: str,
        submitter: str, submittedAt: int, status: { enum: ACTIVITY_STATUSES }, decidedBy: nullable('string'), decidedAt: nullable('integer'),
        reason: { ...nullable('string'), description: 'the last return reason' }, photos: { type: 'array', items: ref('ActivityPhoto') },
      },
    },
    ActivityAuditEntry: {
      type: 'object',
      properties: { time: int, actor: str, actorRole: str, action: { enum: ['submit', 'resubmit', 'confirm', 'return', 'withdraw', 'add-photo'] }, from: nullable('string'), to: { enum: ACTIVITY_STATUSES }, detail: nullable('string') },
    },
    Team: { type: 'object', properties: { id: str, name: str, communeId: str, communeName: str } },
    Member: { type: 'object', properties: { id: int, name: str, role: { enum: ['leader', 'member'] }, teamId: str } },
    TrainingRecord: { type: 'object', properties: { id: int, memberId: int, memberName: str, teamId: str, course: str, day: { ...str, description: 'YYYY-MM-DD' }, recordedBy: str, recordedAt: int } },
    ReviewSections: texts(REVIEW_SECTIONS),
    ReviewSummary: {
      type: 'object',
      properties: {
        id: int, period: str, commune: nullable('string'), status: { enum: ['draft', 'final'] }, createdBy: str, createdAt: int,
        finalisedBy: nullable('string'), finalisedAt: nullable('integer'), version: { ...int, description: 'the newest saved version' },
      },
    },
    Review: {
      allOf: [
        ref('ReviewSummary'),
        {
          type: 'object',
          properties: {
            sections: ref('ReviewSections'),
            versions: { type: 'array', items: { type: 'object', properties: { version: int, savedBy: str, savedAt: int } } },
            data: { type: 'object', description: 'the figures (ReviewData: totals and communes, each figure with previous period and last year, Δ and %; activity totals; late notes): computed now for a draft, as frozen for a final review' },
          },
        },
      ],
    },
    RewardCriteria: {
      type: 'object',
      properties: {
        minHours: nullable('number'), minActiveRatio: nullable('number'), minCommunesReached: nullable('integer'), minActivities: nullable('integer'),
        noFaults: { type: 'boolean' }, topRanks: nullable('integer'), minMemberActivities: int,
      },
    },
    RewardProposal: {
      type: 'object',
      properties: {
        period: str, criteria: ref('RewardCriteria'), computedAt: int,
        candidates: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              kind: { enum: ['team', 'member'] }, id: str, name: str, teamId: str, teamName: str, communeName: str, figures: { type: 'object' },
              reasons: { type: 'array', items: texts(['vi', 'en']) }, source: { enum: ['criteria', 'board'] }, removed: { type: ['object', 'null'] }, added: { type: ['object', 'null'] },
            },
          },
        },
      },
    },
  };
}

/** The operating board's routes (board-routes.ts). */
export function boardPaths(): Json {
  const READ = ACTIVITY_READERS;
  const activityId = path('id', 'activity number, e.g. 12 (HD-12 also)');
  const reviewId = path('id', 'review id');
  const period = (required: boolean): Json => query('period', '2026-11 (month), 2026-Q4, 2026-H2, 2026', { type: 'string' }, required);
  const lang = query('lang', 'vi (default) or en', { enum: ['vi', 'en'] });
  const one = (name: string, schema: Json): Json => ({ type: 'object', properties: { [name]: schema } });
  const activityStep = (summary: string, roles: readonly string[], bodyName?: 'ActivityBody' | 'ReturnActivityBody' | 'WithdrawActivityBody'): Json => ({
    post: op(summary, roles, {
      parameters: [activityId],
      ...(bodyName === undefined ? {} : { requestBody: body(bodyName) }),
      responses: { '200': ok('the activity after the step', one('activity', ref('Activity'))), ...errors(400, 401, 403, 404, 409) },
    }),
  });
  const reviewStep = (summary: string, bodyName?: 'ReviewSaveBody' | 'RedraftBody', codes: number[] = [400, 401, 403, 404, 409]): Json => ({
    post: op(summary, APPROVERS, { parameters: [reviewId], ...(bodyName === undefined ? {} : { requestBody: body(bodyName) }), responses: { '200': ok('the review', one('review', ref('Review'))), ...errors(...codes) } }),
  });
  const criteriaAnswer = ok('the criteria in force and who set them (null: the defaults)', { type: 'object', properties: { criteria: ref('RewardCriteria'), setBy: nullable('string'), setAt: nullable('integer') } });
  const docx = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
  return {
    '/api/activities': {
      get: op('the teams’ activities, newest first', READ, {
        parameters: [query('status', 'only this status', { enum: ACTIVITY_STATUSES }), query('commune', 'only this commune id'), query('team', 'only this team id'), period(false)],
        responses: { '200': ok('activities', one('activities', { type: 'array', items: ref('Activity') })), ...errors(400, 401, 403) },
      }),
      post: op('record an activity (oral propaganda, a meeting, leaflets, a tip to the police, training, other), as `loa activity add`; it waits for an approver', RECORDERS, {
        requestBody: body('ActivityBody'),
        responses: { '201': ok('the recorded activity (submitted)', one('activity', ref('Activity'))), ...errors(400, 401, 403, 404) },
      }),
    },
    '/api/activities/{id}': {
      get: op('one activity and its audit trail', READ, {
        parameters: [activityId],
        responses: { '200': ok('the activity', { type: 'object', properties: { activity: ref('Activity'), audit: { type: 'array', items: ref('ActivityAuditEntry') } } }), ...errors(401, 403, 404) },
      }),
    },
    '/api/activities/{id}/resubmit': activityStep('send a returned activity again, corrected (its submitter)', RECORDERS, 'ActivityBody'),
    '/api/activities/{id}/confirm': activityStep('confirm a submitted activity (another approver than the one who recorded it)', APPROVERS),
    '/api/activities/{id}/return': activityStep('return a submitted activity to its submitter with a reason', APPROVERS, 'ReturnActivityBody'),
    '/api/activities/{id}/withdraw': activityStep('withdraw an activity (its submitter before a decision; an approver any time, a confirmed one with a reason)', RECORDERS, 'WithdrawActivityBody'),
    '/api/activities/{id}/photos': {
      post: op('add a photo to a submitted or returned activity (the body: the image)', RECORDERS, {
        parameters: [activityId],
        requestBody: { required: true, description: `at most ${MAX_PHOTO_BYTES} bytes; recognised by its first bytes`, content: Object.fromEntries(PHOTO_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) },
        responses: {
          '201': ok('the stored photo', one('photo', ref('ActivityPhoto'))),
          '413': { description: `over ${MAX_PHOTO_BYTES} bytes (code photo-too-large)`, content: json(ref('Error')) },
          '415': { description: 'not a JPEG, PNG or WebP image (code not-photo)', content: json(ref('Error')) },
          ...errors(400, 401, 403, 404, 409),
        },
      }),
    },
    '/api/activities/{id}/photos/{sha256}': {
      get: op('one photo of an activity; private cache, immutable (named by its content)', READ, {
        parameters: [activityId, path('sha256', 'SHA-256 of the photo, hex')],
        responses: { '200': { description: 'the image; ETag = SHA-256', content: Object.fromEntries(PHOTO_TYPES.map((t) => [t, {}])) }, '304': { description: 'not modified' }, ...errors(401, 403, 404) },
      }),
    },
    '/api/teams': {
      get: op('the teams, for the forms', READ, {
        parameters: [query('commune', 'only the teams working in this commune (its own, or across a merger)')],
        responses: { '200': ok('teams', one('teams', { type: 'array', items: ref('Team') })), ...errors(400, 401, 403, 404) },
      }),
    },
    '/api/members': {
      get: op('the teams’ members, for the forms', READ, { parameters: [query('team', 'only this team id')], responses: { '200': ok('members', one('members', { type: 'array', items: ref('Member') })), ...errors(400, 401, 403, 404) } }),
      post: op('add a member to a team, as `loa member add`', APPROVERS, { requestBody: body('MemberBody'), responses: { '201': ok('the new member', one('member', ref('Member'))), ...errors(400, 401, 403, 404) } }),
    },
    '/api/training': {
      get: op('members’ training records', READ, {
        parameters: [query('member', 'only this member id', { type: 'integer' }), query('team', 'only this team’s members'), query('from', 'from this day, YYYY-MM-DD (inclusive)'), query('until', 'until this day, YYYY-MM-DD (inclusive)')],
        responses: { '200': ok('training records', one('training', { type: 'array', items: ref('TrainingRecord') })), ...errors(400, 401, 403) },
      }),
      post: op('record a member’s training course, as `loa member training add`', RECORDERS, { requestBody: body('TrainingBody'), responses: { '201': ok('the record', one('record', ref('TrainingRecord'))), ...errors(400, 401, 403, 404) } }),
    },
    '/api/reviews': {
      get: op('the reviews (báo cáo, sơ kết, tổng kết) of the periods', READERS, {
        parameters: [period(false), query('commune', 'only this commune’s reviews')],
        responses: { '200': ok('reviews', one('reviews', { type: 'array', items: ref('ReviewSummary') })), ...errors(400, 401, 403) },
      }),
      post: op('open the review of a period (the whole area, or a commune): the existing one, or a new draft written from the figures', APPROVERS, {
        requestBody: body('ReviewOpenBody'),
        responses: { '200': ok('the review', one('review', ref('Review'))), ...errors(400, 401, 403, 404) },
      }),
    },
    '/api/reviews/{id}': { get: op('one review: its newest text, versions and figures', READERS, { parameters: [reviewId], responses: { '200': ok('the review', one('review', ref('Review'))), ...errors(401, 403, 404) } }) },
    '/api/reviews/{id}/versions/{version}': {
      get: op('the text of one saved version', READERS, {
        parameters: [reviewId, path('version', '1 = the draft the controller wrote')],
        responses: { '200': ok('the sections', one('sections', ref('ReviewSections'))), ...errors(400, 401, 403, 404) },
      }),
    },
    '/api/reviews/{id}/versions': reviewStep('save edited sections as a new version (409 stale-version when someone saved after baseVersion; 409 bad-status when final)', 'ReviewSaveBody'),
    '/api/reviews/{id}/redraft': reviewStep('a new version drafted again from today’s figures', 'RedraftBody'),
    '/api/reviews/{id}/finalise': reviewStep('finalise (sign) the review: its figures and text are frozen', undefined, [401, 403, 404, 409]),
    '/api/reviews/{id}/document': {
      get: op('the review as a document in the administrative format', READERS, {
        parameters: [reviewId, query('format', 'docx (default; an attachment bao-cao-so-ket-<period>[-<commune>].docx) or html (printable A4)', { enum: REVIEW_FORMATS }), lang],
        responses: { '200': { description: 'the document', content: { [docx]: { schema: { type: 'string', format: 'binary' } }, 'text/html': { schema: { type: 'string' } } } }, ...errors(400, 401, 403, 404) },
      }),
    },
    '/api/rewards': {
      get: op('the reward proposal (đề xuất khen thưởng) of a period: the teams and members the criteria and the board propose', READERS, {
        parameters: [period(true)],
        responses: { '200': ok('the proposal', one('proposal', ref('RewardProposal'))), ...errors(400, 401, 403) },
      }),
    },
    '/api/rewards/criteria': {
      get: op('the reward criteria of a period kind', READERS, { parameters: [query('kind', 'month (default), quarter, half or year', { enum: ['month', 'quarter', 'half', 'year'] })], responses: { '200': criteriaAnswer, ...errors(400, 401, 403) } }),
      post: op('set the reward criteria of a period kind', APPROVERS, { requestBody: body('CriteriaBody'), responses: { '200': criteriaAnswer, ...errors(400, 401, 403) } }),
    },
    '/api/rewards/adjustments': {
      post: op('the board adds or removes a team or a member from a period’s proposal, with a reason (the newest decides)', APPROVERS, {
        requestBody: body('AdjustmentBody'),
        responses: { '200': ok('the proposal after it', one('proposal', ref('RewardProposal'))), ...errors(400, 401, 403, 404) },
      }),
    },
    '/api/rewards/document': {
      get: op('the proposal for the internal-affairs office (thi đua – khen thưởng), as an attachment de-nghi-khen-thuong-<period>.<csv|docx>', READERS, {
        parameters: [period(true), query('format', 'csv (default; UTF-8 with BOM, for Excel) or docx', { enum: REWARD_FORMATS }), lang],
        responses: { '200': { description: 'the file', content: { 'text/csv': { schema: { type: 'string' } }, [docx]: { schema: { type: 'string', format: 'binary' } } } }, ...errors(400, 401, 403) },
      }),
    },
  };
}

