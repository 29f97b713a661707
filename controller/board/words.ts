/**
 * The activity log's kinds and statuses in words, Vietnamese and English: a label (the CLI's tables, messages, the
 * documents' columns) and, for the kinds, the phrase a review's sentence uses.
 */
import type { ActivityKind, ActivityStatus } from './types.js';

export const KIND_WORDS: Record<ActivityKind, { vi: string; en: string }> = {
  oral: { vi: 'tuyên truyền miệng', en: 'oral propaganda' },
  meeting: { vi: 'họp, sinh hoạt', en: 'meeting' },
  leaflets: { vi: 'phát tờ rơi', en: 'leaflets' },
  'police-tip': { vi: 'cung cấp tin cho công an', en: 'tip to the police' },
  training: { vi: 'tập huấn', en: 'training' },
  other: { vi: 'khác', en: 'other' },
};

export const STATUS_WORDS: Record<ActivityStatus, { vi: string; en: string }> = {
  submitted: { vi: 'chờ xác nhận', en: 'submitted' },
  returned: { vi: 'bị trả lại', en: 'returned' },
  confirmed: { vi: 'đã xác nhận', en: 'confirmed' },
  withdrawn: { vi: 'đã rút', en: 'withdrawn' },
};

/** Activity kinds as a sentence names them. */
export const KIND_PHRASES: Record<ActivityKind, { vi: string; en: string }> = {
  oral: { vi: 'tuyên truyền miệng', en: 'oral propaganda' },
  meeting: { vi: 'họp, sinh hoạt', en: 'meetings' },
  leaflets: { vi: 'phát tờ rơi', en: 'leaflets' },
  'police-tip': { vi: 'cung cấp tin báo cho cơ quan Công an', en: 'tips passed to the police' },
  training: { vi: 'tập huấn', en: 'training' },
  other: { vi: 'hoạt động khác', en: 'other activities' },
};
