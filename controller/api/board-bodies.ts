/**
 * The JSON bodies of the operating board's routes (board-routes.ts), one schema each, as bodies.ts does for the rest
 * of the API: the routes check a body with `checkedBody`, the OpenAPI document shows these very schemas in
 * `components.schemas` (openapi.ts). The schemas check the shapes; what the values mean (a day that exists, a team
 * that works in the commune, the criteria's ranges) is checked by the board's services, which the CLI calls too, so
 * that the console and the command line refuse the same things with the same words.
 */
import { must, Type } from '../../lib/schema.js';
import { ACTIVITY_KINDS, REVIEW_SECTIONS, type ReviewSection } from '../board/types.js';

const filled = (en: string, vi: string) => Type.String({ minLength: 1, pattern: '\\S', ...must(en, vi) });
const optionalText = (en: string, vi: string) => Type.Optional(Type.Union([Type.String(), Type.Null()], must(en, vi)));
const lang = Type.Optional(Type.Union([Type.Literal('vi'), Type.Literal('en')], must('vi or en', 'vi hoặc en')));
const coordinate = (en: string, vi: string) => Type.Optional(Type.Union([Type.Number(), Type.Null()], must(en, vi)));

/** `POST /api/activities`, `POST /api/activities/:id/resubmit`: what a submitter says about an activity. */
export const activityBody = Type.Object({
  kind: Type.Union(
    ACTIVITY_KINDS.map((k) => Type.Literal(k)),
    must(ACTIVITY_KINDS.join(' | '), ACTIVITY_KINDS.join(' | ')),
  ),
  date: filled('a day YYYY-MM-DD (Vietnam day)', 'một ngày YYYY-MM-DD (giờ Việt Nam)'),
  time: Type.Optional(filled('a time HH:MM (Vietnam time; default 08:00)', 'một giờ HH:MM (giờ Việt Nam; mặc định 08:00)')),
  commune: filled('the commune id', 'mã xã'),
  team: filled('the team id', 'mã tổ'),
  place: optionalText('the village or hamlet, as text', 'thôn, xóm, dạng chữ'),
  lat: coordinate('a latitude in degrees, or null', 'vĩ độ (độ), hoặc null'),
  lon: coordinate('a longitude in degrees, or null', 'kinh độ (độ), hoặc null'),
  members: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), must('a list of member ids, e.g. [3, 7]', 'danh sách mã thành viên, ví dụ [3, 7]'))),
  peopleReached: Type.Integer({ minimum: 0, ...must('the number of people reached, a whole number', 'số người được tuyên truyền, một số nguyên') }),
  note: optionalText('a short note', 'một ghi chú ngắn'),
});

/** `POST /api/activities/:id/return`: the reason is what the submitter reads. */
export const returnBody = Type.Object({ reason: filled('the reason, for the submitter', 'lý do, để người gửi sửa') });

/** `POST /api/activities/:id/withdraw`: a confirmed activity needs a reason. */
export const withdrawActivityBody = Type.Object({ reason: optionalText('the reason', 'lý do') });

/** `POST /api/members`: a member of a team (the registry). */
export const memberBody = Type.Object({
  team: filled('the team id', 'mã tổ'),
  name: filled('the member’s full name', 'họ và tên thành viên'),
  role: Type.Optional(Type.Union([Type.Literal('leader'), Type.Literal('member')], must('leader or member', 'leader (tổ trưởng) hoặc member (thành viên)'))),
  phone: optionalText('a phone number', 'một số điện thoại'),
});

/** `POST /api/training`: a member's training course. */
export const trainingBody = Type.Object({
  member: Type.Integer({ minimum: 1, ...must('the member id', 'mã thành viên') }),
  course: filled('the course’s name', 'tên khóa tập huấn'),
  day: filled('a day YYYY-MM-DD (the course’s last day)', 'một ngày YYYY-MM-DD (ngày cuối của khóa)'),
});

/** `POST /api/reviews`: the review of a period, for the whole area (commune null or left out) or one commune. */
export const reviewOpenBody = Type.Object({
  period: filled('a period: 2026-11, 2026-Q4, 2026-H2 or 2026', 'một kỳ: 2026-11, 2026-Q4, 2026-H2 hoặc 2026'),
  commune: optionalText('a commune id, or null for the whole area', 'mã xã, hoặc null cho cả khu vực'),
  lang,
});

const sectionText = Type.Optional(Type.String({ maxLength: 20_000 }));
/** One optional text per narrative section; `satisfies` keeps it in step with REVIEW_SECTIONS. */
const sectionTexts = {
  situation: sectionText,
  results: sectionText,
  shortcomings: sectionText,
  causes: sectionText,
  lessons: sectionText,
  directions: sectionText,
  proposals: sectionText,
} satisfies Record<ReviewSection, unknown>;

/**
 * `POST /api/reviews/:id/versions`: the sections changed (closed: a misspelt section name is refused with a "did you
 * mean", never dropped with the text typed into it) and the version they were edited from.
 */
export const reviewSaveBody = Type.Object({
  sections: Type.Object(sectionTexts, { additionalProperties: false, ...must(`an object of ${REVIEW_SECTIONS.join(', ')}`, `một đối tượng gồm ${REVIEW_SECTIONS.join(', ')}`) }),
  baseVersion: Type.Integer({ minimum: 1, ...must('the version the text was edited from', 'phiên bản đã sửa từ đó') }),
});

/** `POST /api/reviews/:id/redraft`. */
export const redraftBody = Type.Object({ lang });

const PERIOD_KINDS = ['month', 'quarter', 'half', 'year'] as const;
export const periodKind = Type.Union(
  PERIOD_KINDS.map((k) => Type.Literal(k)),
  must(PERIOD_KINDS.join(' | '), PERIOD_KINDS.join(' | ')),
);

/** `POST /api/rewards/criteria`; the criteria themselves are checked by rewards.ts `checkCriteria`. */
export const criteriaBody = Type.Object({
  kind: periodKind,
  criteria: Type.Record(Type.String(), Type.Unknown(), {
    description: '{ minHours, minActiveRatio, minCommunesReached, minActivities (number or null: not applied), noFaults (boolean), topRanks (integer or null), minMemberActivities (integer) }',
    ...must('an object of criteria', 'một đối tượng tiêu chí'),
  }),
});

/** `POST /api/rewards/adjustments`: the board adds or removes a team or a member, with its reason. */
export const adjustmentBody = Type.Object({
  period: filled('a period: 2026-11, 2026-Q4, 2026-H2 or 2026', 'một kỳ: 2026-11, 2026-Q4, 2026-H2 hoặc 2026'),
  kind: Type.Union([Type.Literal('team'), Type.Literal('member')], must('team or member', 'team (tổ) hoặc member (thành viên)')),
  id: Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 1 })], must('the team id, or the member id', 'mã tổ, hoặc mã thành viên')),
  action: Type.Union([Type.Literal('add'), Type.Literal('remove')], must('add or remove', 'add (thêm) hoặc remove (bớt)')),
  reason: filled('the board’s reason', 'lý do của Ban điều hành'),
});

/** The schemas by the name the OpenAPI document gives them (components.schemas). */
export const BOARD_BODY_SCHEMAS = {
  ActivityBody: activityBody,
  ReturnActivityBody: returnBody,
  WithdrawActivityBody: withdrawActivityBody,
  MemberBody: memberBody,
  TrainingBody: trainingBody,
  ReviewOpenBody: reviewOpenBody,
  ReviewSaveBody: reviewSaveBody,
  RedraftBody: redraftBody,
  CriteriaBody: criteriaBody,
  AdjustmentBody: adjustmentBody,
} as const;
