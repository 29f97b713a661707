/**
 * The board pages' pure helpers (web/src/lib/board.ts): the activity form's API body, the photo types, the list's
 * query, who is offered which step, the changed sections of a review, signed differences, the proposal grouped by
 * team, the criteria form; and, at compile time, that the console's copies of the board's types still match
 * controller/board/types.ts.
 */
import { describe, expect, it } from 'vitest';
import * as Controller from '../../controller/board/types.js';
import * as Board from '../../web/src/lib/board.js';
import {
  activitiesQuery,
  activityBody,
  activityFormOf,
  activitySteps,
  changedSections,
  communesOfTeams,
  criteriaForm,
  criteriaOfForm,
  groupCandidates,
  imageTypeOf,
  mayAddPhotos,
  parsePeriodId,
  percentText,
  photoPath,
  rewardsDocPath,
  reviewDocPath,
  signed,
  type ActivityForm,
  type ActivityRecord,
  type RewardCandidate,
  type ReviewSections,
} from '../../web/src/lib/board.js';
import { makeT } from '../../web/src/lib/i18n.js';
import { matchRoute } from '../../web/src/lib/routes.js';
import { can } from '../../web/src/lib/roles.js';

/** True only when A and B are the same type both ways (a field added, removed or retyped on one side fails). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree = <T extends true>(): T => true as T;

describe('the console’s copy of the board’s types', () => {
  it('matches controller/board/types.ts (checked by the compiler) and its constants', () => {
    agree<Same<Board.ActivityRecord, Controller.ActivityRecord>>();
    agree<Same<Board.ActivityAuditEntry, Controller.ActivityAuditEntry>>();
    agree<Same<Board.TrainingRecord, Controller.TrainingRecord>>();
    agree<Same<Board.ReviewRecord, Controller.ReviewRecord>>();
    agree<Same<Board.ReviewFigureSet, Controller.ReviewFigureSet>>();
    agree<Same<Board.RewardProposal, Controller.RewardProposal>>();
    agree<Same<Board.RewardCriteria, Controller.RewardCriteria>>();
    expect(Board.ACTIVITY_KINDS).toEqual(Controller.ACTIVITY_KINDS);
    expect(Board.ACTIVITY_STATUSES).toEqual(Controller.ACTIVITY_STATUSES);
    expect(Board.REVIEW_SECTIONS).toEqual(Controller.REVIEW_SECTIONS);
    expect(Board.MAX_PHOTO_BYTES).toBe(Controller.MAX_PHOTO_BYTES);
    expect(Board.MAX_PHOTOS).toBe(Controller.MAX_PHOTOS);
  });
});

const FORM: ActivityForm = {
  kind: 'oral',
  date: '2026-11-28',
  time: '19:30',
  commune: 'dan-luc',
  team: 'dan-luc-ttt',
  place: '  Thôn 3 ',
  lat: '',
  lon: '',
  members: [4, 7],
  peopleReached: '120',
  note: '',
};

describe('the activity form', () => {
  it('makes the API body, leaving out what was not filled in', () => {
    expect(activityBody(FORM)).toEqual({
      body: { kind: 'oral', date: '2026-11-28', time: '19:30', commune: 'dan-luc', team: 'dan-luc-ttt', place: 'Thôn 3', members: [4, 7], peopleReached: 120 },
    });
  });

  it('takes a point with a decimal comma, and only both coordinates together', () => {
    expect(activityBody({ ...FORM, lat: '19,8123', lon: '105.71' })).toMatchObject({ body: { lat: 19.8123, lon: 105.71 } });
    expect(activityBody({ ...FORM, lat: '19.8' })).toEqual({ problem: 'board.problem.point' });
    expect(activityBody({ ...FORM, lat: '95', lon: '105' })).toEqual({ problem: 'board.problem.point' });
  });

  it('names the first problem before anything is sent', () => {
    expect(activityBody({ ...FORM, date: '28/11/2026' })).toEqual({ problem: 'board.problem.date' });
    expect(activityBody({ ...FORM, time: '24:00' })).toEqual({ problem: 'board.problem.time' });
    expect(activityBody({ ...FORM, team: '' })).toEqual({ problem: 'board.problem.team' });
    expect(activityBody({ ...FORM, peopleReached: '-3' })).toEqual({ problem: 'board.problem.people' });
    expect(activityBody({ ...FORM, peopleReached: '2.5' })).toEqual({ problem: 'board.problem.people' });
    expect(activityBody({ ...FORM, peopleReached: '' })).toEqual({ problem: 'board.problem.people' });
    // Every problem has words in both languages.
    for (const key of ['board.problem.date', 'board.problem.time', 'board.problem.team', 'board.problem.people', 'board.problem.point']) {
      expect(makeT('vi')(key)).not.toBe(key);
      expect(makeT('en')(key)).not.toBe(key);
    }
  });

  it('fills the form back from a recorded activity, in Vietnam time, and makes the same body again', () => {
    // 2026-11-28T12:30:00Z = 19:30 on 28/11/2026 in Vietnam.
    const at = Date.UTC(2026, 10, 28, 12, 30) / 1000;
    const record: ActivityRecord = {
      id: 5, kind: 'meeting', at, communeId: 'dan-luc', communeName: 'Xã Dân Lực', place: 'Thôn 3', lat: 19.81, lon: null, teamId: 'dan-luc-ttt',
      teamName: 'Tổ', members: [{ id: 4, name: 'An' }], peopleReached: 40, note: 'họp', submitter: 'phong-vh', submittedAt: at, status: 'returned',
      decidedBy: 'ca-huyen', decidedAt: at, reason: 'thiếu ảnh', photos: [],
    };
    const form = activityFormOf(record);
    expect(form).toMatchObject({ date: '2026-11-28', time: '19:30', lat: '19.81', lon: '', members: [4], peopleReached: '40' });
    // Half a point is not a point: the form asks for the other coordinate before resubmitting.
    expect(activityBody(form)).toEqual({ problem: 'board.problem.point' });
    expect(activityBody({ ...form, lat: '' })).toEqual({
      body: { kind: 'meeting', date: '2026-11-28', time: '19:30', commune: 'dan-luc', team: 'dan-luc-ttt', place: 'Thôn 3', members: [4], peopleReached: 40, note: 'họp' },
    });
  });

  it('uploads JPEG, PNG and WebP photos with their type, from the browser’s type or the extension', () => {
    expect(imageTypeOf({ name: 'a.JPG', type: '' })).toBe('image/jpeg');
    expect(imageTypeOf({ name: 'x', type: 'image/png' })).toBe('image/png');
    expect(imageTypeOf({ name: 'b.webp', type: '' })).toBe('image/webp');
    expect(imageTypeOf({ name: 'c.heic', type: 'image/heic' })).toBeNull();
    expect(imageTypeOf({ name: 'd.gif', type: 'image/gif' })).toBeNull();
  });
});

describe('the activity list and its steps', () => {
  it('asks for the filters given, and no others', () => {
    expect(activitiesQuery({ period: '2026-11', commune: '', status: '' })).toBe('period=2026-11');
    expect(activitiesQuery({ period: '', commune: 'dan-luc', status: 'submitted' })).toBe('commune=dan-luc&status=submitted');
    expect(photoPath(12, 'ab12')).toBe('/api/activities/12/photos/ab12');
  });

  it('lists each commune of the teams once, by name', () => {
    const teams = [
      { id: 't2', name: 'Tổ 2', communeId: 'dinh-tan', communeName: 'Xã Định Tân' },
      { id: 't1', name: 'Tổ 1', communeId: 'dan-luc', communeName: 'Xã Dân Lực' },
      { id: 't3', name: 'Tổ 3', communeId: 'dan-luc', communeName: 'Xã Dân Lực' },
    ];
    expect(communesOfTeams(teams)).toEqual([
      ['dan-luc', 'Xã Dân Lực'],
      ['dinh-tan', 'Xã Định Tân'],
    ]);
  });

  it('offers confirm and return only to an approver, and withdraw to the submitter of their own before a decision', () => {
    const mine = { status: 'submitted' as const, submitter: 'phong-vh' };
    expect(activitySteps('approver', 'ca-huyen', mine)).toEqual(['confirm', 'return', 'withdraw']);
    expect(activitySteps('admin', 'quan-tri', mine)).toEqual(['confirm', 'return', 'withdraw']);
    // Four eyes: an approver who recorded it may not decide on it.
    expect(activitySteps('approver', 'phong-vh', mine)).toEqual(['withdraw']);
    expect(activitySteps('submitter', 'phong-vh', mine)).toEqual(['withdraw']);
    expect(activitySteps('submitter', 'phong-vh', { ...mine, status: 'returned' })).toEqual(['resubmit', 'withdraw']);
    expect(activitySteps('submitter', 'other', { ...mine, status: 'returned' })).toEqual([]);
    expect(activitySteps('approver', 'phong-vh', { ...mine, status: 'returned' })).toEqual(['resubmit', 'withdraw']);
    expect(activitySteps('submitter', 'phong-vh', { ...mine, status: 'confirmed' })).toEqual([]);
    expect(activitySteps('submitter', 'someone-else', mine)).toEqual([]);
    expect(activitySteps('viewer', 'xem', mine)).toEqual([]);
    expect(activitySteps('technician', 'ky-thuat', mine)).toEqual([]);
    expect(activitySteps('approver', 'ca-huyen', { ...mine, status: 'confirmed' })).toEqual(['withdraw']);
    expect(activitySteps('approver', 'ca-huyen', { ...mine, status: 'returned' })).toEqual(['withdraw']);
    expect(activitySteps('approver', 'ca-huyen', { ...mine, status: 'withdrawn' })).toEqual([]);
  });

  it('lets the submitter of an activity or an approver add photos, before a decision only', () => {
    const mine = { status: 'submitted' as const, submitter: 'phong-vh' };
    expect(mayAddPhotos('submitter', 'phong-vh', mine)).toBe(true);
    expect(mayAddPhotos('submitter', 'other', mine)).toBe(false);
    expect(mayAddPhotos('approver', 'ca-huyen', { ...mine, status: 'returned' })).toBe(true);
    expect(mayAddPhotos('approver', 'ca-huyen', { ...mine, status: 'confirmed' })).toBe(false);
    expect(mayAddPhotos('viewer', 'xem', mine)).toBe(false);
  });

  it('shows the pages to the roles the API lets read them', () => {
    expect(matchRoute('/hoat-dong')).toEqual({ page: 'activities' });
    expect(matchRoute('/so-ket/')).toEqual({ page: 'reviews' });
    expect(matchRoute('/khen-thuong')).toEqual({ page: 'rewards' });
    expect(['viewer', 'approver', 'submitter', 'technician', 'admin'].filter((r) => can(r as 'viewer', 'activities'))).toEqual(['viewer', 'approver', 'submitter', 'admin']);
    expect(['viewer', 'approver', 'submitter', 'technician', 'admin'].filter((r) => can(r as 'viewer', 'reviews'))).toEqual(['viewer', 'approver', 'admin']);
  });
});

const SECTIONS: ReviewSections = { situation: 'a', results: 'b', shortcomings: 'c', causes: 'd', lessons: 'e', directions: 'f', proposals: 'g' };

describe('the review page', () => {
  it('sends only the sections the approver changed', () => {
    expect(changedSections(SECTIONS, { ...SECTIONS })).toEqual({});
    expect(changedSections(SECTIONS, { ...SECTIONS, results: 'b2', proposals: '' })).toEqual({ results: 'b2', proposals: '' });
  });

  it('writes differences with their sign and percents, or a dash with nothing to compare', () => {
    const one = (v: number): string => v.toFixed(1).replace('.', ',');
    expect(signed(12.5, one)).toBe('+12,5');
    expect(signed(-3, String)).toBe('−3');
    expect(signed(0, String)).toBe('0');
    expect(percentText(-40, one)).toBe('−40,0 %');
    expect(percentText(null, one)).toBe('—');
  });

  it('reads period ids and links the documents', () => {
    expect(parsePeriodId('2026-11')).toEqual({ kind: 'month', year: 2026, index: 11 });
    expect(parsePeriodId('2026-Q4')).toEqual({ kind: 'quarter', year: 2026, index: 4 });
    expect(parsePeriodId('2026-H1')).toEqual({ kind: 'half', year: 2026, index: 1 });
    expect(parsePeriodId('2026')).toEqual({ kind: 'year', year: 2026, index: 1 });
    expect(parsePeriodId('2026-13')).toBeNull();
    expect(parsePeriodId('2026-Q5')).toBeNull();
    expect(reviewDocPath(3, 'docx', 'vi')).toBe('/api/reviews/3/document?format=docx&lang=vi');
    expect(rewardsDocPath('2026-Q4', 'csv', 'en')).toBe('/api/rewards/document?period=2026-Q4&format=csv&lang=en');
  });
});

const figures = (rank: number | null): RewardCandidate['figures'] => ({ rank, score: 0, broadcastHours: 0, activeDays: 0, daysElapsed: 30, communesReached: 0, activities: 0, peopleReached: 0, faults: 0 });
const candidate = (kind: 'team' | 'member', id: string, name: string, teamId: string, rank: number | null, removed = false): RewardCandidate => ({
  kind,
  id,
  name,
  teamId,
  teamName: `Tổ ${teamId}`,
  communeName: 'Xã',
  figures: figures(rank),
  reasons: [],
  source: 'criteria',
  removed: removed ? { reason: 'vi phạm', by: 'ca-huyen', at: 1 } : null,
  added: null,
});

describe('the reward proposal', () => {
  it('lists teams by rank (unranked last) with their members under them, removed members last', () => {
    const groups = groupCandidates([
      candidate('member', '9', 'Vũ', 'b', null),
      candidate('team', 'b', 'Tổ b', 'b', 2),
      candidate('member', '3', 'An', 'a', null, true),
      candidate('team', 'a', 'Tổ a', 'a', 1),
      candidate('member', '4', 'Bình', 'a', null),
      candidate('member', '5', 'Cúc', 'c', null),
    ]);
    expect(groups.map((g) => [g.teamId, g.team?.id ?? null, g.members.map((m) => m.name)])).toEqual([
      ['a', 'a', ['Bình', 'An']],
      ['b', 'b', ['Vũ']],
      ['c', null, ['Cúc']],
    ]);
  });

  it('turns the criteria into a form and back; an empty field is a criterion not applied', () => {
    const criteria = { minHours: 20, minActiveRatio: 0.6, minCommunesReached: null, minActivities: 2, noFaults: true, topRanks: null, minMemberActivities: 1 };
    expect(criteriaOfForm(criteriaForm(criteria))).toEqual({ criteria });
    expect(criteriaOfForm({ ...criteriaForm(criteria), minHours: ' ', minActiveRatio: '0,75' })).toEqual({ criteria: { ...criteria, minHours: null, minActiveRatio: 0.75 } });
    expect(criteriaOfForm({ ...criteriaForm(criteria), minActiveRatio: '1.5' })).toEqual({ field: 'minActiveRatio' });
    expect(criteriaOfForm({ ...criteriaForm(criteria), minActivities: '-1' })).toEqual({ field: 'minActivities' });
    expect(criteriaOfForm({ ...criteriaForm(criteria), minMemberActivities: '' })).toEqual({ field: 'minMemberActivities' });
  });
});
