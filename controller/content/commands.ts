/**
 * What stands behind the `loa content …` and `loa manifest publish` commands: each function does the work and returns
 * the text to print (Vietnamese, or English with lang 'en'), or throws a domain error (`ContentError`, `UserError`)
 * whose message says what to do. The acting user is named with `--as USER`; their role decides what they may do.
 *
 *   loa content add FILE | --tts TEXT --title … [--summary … --language vi --category … --priority P
 *                   --target district|commune:ID|team:ID|unit:ID … --from dd/mm/yyyy --until dd/mm/yyyy] --as USER
 *   loa content list [--status S]            loa content show ID
 *   loa content approve ID [--priority P] --as USER
 *   loa content reject ID --reason … --as USER       loa content changes ID --note … --as USER
 *   loa content withdraw ID [--reason …] --as USER   loa manifest publish --as USER
 */
import { basename } from 'node:path';
import type { Priority } from '../../protocol/index.js';
import { vnDate } from '../reports/period.js';
import { requireRole, type Actor } from '../users/roles.js';
import { clipDetails, parsePriority, type DateFields } from './clip-input.js';
import { both, ContentError } from './errors.js';
import type { ClipRecord, ClipStatus, ContentLibrary } from './library.js';
import type { ManifestPublisher } from './manifests.js';
import type { ContentWorkflow, StepOrigin, WorkflowActor } from './workflow.js';

export type Lang = 'vi' | 'en';

export interface ContentCommandsOptions {
  library: ContentLibrary;
  workflow: ContentWorkflow;
  manifests: ManifestPublisher;
  /** Finds the user named by `--as` (a `UserStore` fits). */
  users: { get(name: string): Promise<Actor> };
  district: string;
  /** Where the commands run from (`loa content …` on the host: the system account), written into every audit row. */
  origin?: StepOrigin;
}

export interface AddRequest {
  /** An uploaded WAV or MP3, or… */
  file?: string;
  /** …Vietnamese text to speak (espeak-ng). */
  tts?: string;
  title: string;
  summary?: string;
  language?: string;
  category?: string;
  priority?: string;
  /** `district`, `commune:ID`, `team:ID`, `unit:ID`; none = the whole district. */
  targets?: string[];
  /** dd/mm/yyyy [HH:MM], Vietnam time. */
  validFrom?: string;
  validUntil?: string;
  as: string;
}

const PRIORITY_TEXT: Record<Priority, [string, string]> = { emergency: ['khẩn cấp', 'emergency'], priority: ['ưu tiên', 'priority'], ordinary: ['thường', 'ordinary'] };
const STATUS_TEXT: Record<ClipStatus, [string, string]> = {
  submitted: ['chờ duyệt', 'submitted'],
  'changes-requested': ['cần sửa', 'changes requested'],
  approved: ['đã duyệt', 'approved'],
  rejected: ['bị từ chối', 'rejected'],
  withdrawn: ['đã rút', 'withdrawn'],
};

/** The command line's date fields: `--from dd/mm/yyyy [HH:MM]`, `--until …`. */
const CLI_DATES: DateFields = { form: 'dd/mm/yyyy', from: '--from', until: '--until' };

function t(lang: Lang, pair: readonly [string, string]): string {
  return lang === 'en' ? pair[1] : pair[0];
}

/** dd/mm/yyyy in Vietnam time (UTC+7): the date format of every command's output. */
export { vnDate as formatDate } from '../reports/period.js';

export { parseTarget, parseVnDate } from './clip-input.js';

function seconds(ms: number, lang: Lang): string {
  const s = (ms / 1000).toFixed(1);
  return lang === 'en' ? `${s} s` : `${s.replace('.', ',')} giây`;
}

export class ContentCommands {
  readonly #o: ContentCommandsOptions;

  constructor(options: ContentCommandsOptions) {
    this.#o = options;
  }

  /** The user named by `--as`, with where the command runs from. */
  async #actor(name: string): Promise<WorkflowActor> {
    const actor = await this.#o.users.get(name);
    return this.#o.origin ? { ...actor, origin: this.#o.origin } : actor;
  }

  async add(req: AddRequest, lang: Lang = 'vi'): Promise<string> {
    const actor = await this.#actor(req.as);
    requireRole(actor, ['submitter', 'approver'], 'gửi bản tin / submit clips');
    if ((req.file === undefined) === (req.tts === undefined)) {
      throw new ContentError('bad-field', both('Cần đúng một trong hai: một tệp âm thanh hoặc --tts VĂN_BẢN', 'give exactly one of: an audio file or --tts TEXT'));
    }
    const details = clipDetails(req, this.#o.district, CLI_DATES);
    const file = req.file !== undefined ? await this.#o.library.addFile(req.file) : await this.#o.library.addSpeech(req.tts!);
    const clip = await this.#o.workflow.submit(actor, file, details, req.file !== undefined ? basename(req.file) : 'tts');
    return lang === 'en'
      ? `Submitted clip ${clip.id} "${clip.title}" (${seconds(clip.durationMs, lang)}, sha256 ${clip.sha256.slice(0, 12)}…), waiting for approval.`
      : `Đã gửi bản tin ${clip.id} "${clip.title}" (${seconds(clip.durationMs, lang)}, sha256 ${clip.sha256.slice(0, 12)}…), đang chờ phê duyệt.`;
  }

  async list(filter: { status?: ClipStatus } = {}, lang: Lang = 'vi'): Promise<string> {
    const clips = await this.#o.library.list(filter);
    if (clips.length === 0) return lang === 'en' ? 'No clips.' : 'Chưa có bản tin nào.';
    const head = lang === 'en' ? ['ID', 'Status', 'Priority', 'Length', 'Submitted', 'By', 'Title'] : ['Mã', 'Trạng thái', 'Ưu tiên', 'Thời lượng', 'Ngày gửi', 'Người gửi', 'Tiêu đề'];
    const rows = clips.map((c) => [c.id, t(lang, STATUS_TEXT[c.status]), t(lang, PRIORITY_TEXT[c.approvedPriority ?? c.requestedPriority]), seconds(c.durationMs, lang), vnDate(c.submittedAt), c.submitter, c.title]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    return [head, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
  }

  async show(id: string, lang: Lang = 'vi'): Promise<string> {
    const c = await this.#o.library.get(id);
    const audit = await this.#o.library.audit(c.id);
    const en = lang === 'en';
    const lines = [
      `${c.id}  ${c.title}`,
      `${en ? 'Status' : 'Trạng thái'}: ${t(lang, STATUS_TEXT[c.status])}${c.note ? ` — ${c.note}` : ''}`,
      `${en ? 'Priority' : 'Ưu tiên'}: ${t(lang, PRIORITY_TEXT[c.approvedPriority ?? c.requestedPriority])}`,
      `${en ? 'Targets' : 'Đối tượng'}: ${c.targets.length === 0 ? (en ? 'the whole area' : 'toàn địa bàn') : c.targets.map((x) => `${x.kind}:${x.id}`).join(', ')}`,
      `${en ? 'Valid' : 'Hiệu lực'}: ${c.validFrom ? vnDate(c.validFrom) : '…'} – ${c.validUntil ? vnDate(c.validUntil) : '…'}`,
      `SHA-256: ${c.sha256}  (${c.size} bytes, ${seconds(c.durationMs, lang)})`,
      en ? 'Audit trail:' : 'Nhật ký:',
      ...audit.map((a) => {
        const via = a.via === null ? '' : `  [${a.via}: ${a.osUser ?? '?'}, uid ${a.osUid ?? '?'}]`;
        return `  ${vnDate(a.time)}  ${a.actor} (${a.actorRole})  ${a.action}  ${a.fromStatus ?? '—'} → ${a.toStatus}  ${a.sha256.slice(0, 12)}…${a.detail ? `  ${a.detail}` : ''}${via}`;
      }),
    ];
    return lines.join('\n');
  }

  async approve(id: string, opts: { priority?: string; as: string }, lang: Lang = 'vi'): Promise<string> {
    const actor = await this.#actor(opts.as);
    const clip = await this.#o.workflow.approve(actor, id, parsePriority(opts.priority));
    const p = clip.approvedPriority ?? clip.requestedPriority;
    let text = lang === 'en' ? `Approved ${clip.id} with priority ${t(lang, PRIORITY_TEXT[p])}.` : `Đã phê duyệt ${clip.id}, mức ưu tiên ${t(lang, PRIORITY_TEXT[p])}.`;
    if (p === 'emergency') {
      const m = (await this.#o.manifests.publishIfChanged(actor.name)) ?? (await this.#o.manifests.latest());
      if (m) text += lang === 'en' ? ` Emergency: manifest ${m.version} published at once.` : ` Khẩn cấp: đã phát hành ngay danh sách phát phiên bản ${m.version}.`;
    } else {
      text += lang === 'en' ? ' It goes out with the next manifest (`loa manifest publish`).' : ' Bản tin sẽ có trong danh sách phát tới (`loa manifest publish`).';
    }
    return text;
  }

  async reject(id: string, opts: { reason: string; as: string }, lang: Lang = 'vi'): Promise<string> {
    const clip = await this.#o.workflow.reject(await this.#actor(opts.as), id, opts.reason);
    return lang === 'en' ? `Rejected ${clip.id}: ${clip.note ?? ''}` : `Đã từ chối ${clip.id}: ${clip.note ?? ''}`;
  }

  async requestChanges(id: string, opts: { note: string; as: string }, lang: Lang = 'vi'): Promise<string> {
    const clip = await this.#o.workflow.requestChanges(await this.#actor(opts.as), id, opts.note);
    return lang === 'en' ? `Asked ${clip.submitter} for changes to ${clip.id}: ${clip.note ?? ''}` : `Đã yêu cầu ${clip.submitter} sửa ${clip.id}: ${clip.note ?? ''}`;
  }

  async withdraw(id: string, opts: { reason?: string; as: string }, lang: Lang = 'vi'): Promise<string> {
    const before = await this.#o.library.get(id);
    const clip = await this.#o.workflow.withdraw(await this.#actor(opts.as), id, opts.reason);
    if (before.status !== 'approved') return lang === 'en' ? `Withdrew ${clip.id}.` : `Đã rút ${clip.id}.`;
    const m = await this.#o.manifests.publishIfChanged(opts.as);
    const version = m?.version ?? (await this.#o.manifests.latest())?.version;
    return lang === 'en'
      ? `Withdrew ${clip.id}; it is no longer served${version ? ` and manifest ${version} no longer lists it` : ''}.`
      : `Đã rút ${clip.id}; bản tin không còn được tải xuống${version ? ` và danh sách phát phiên bản ${version} không còn nó` : ''}.`;
  }

  async publishManifest(opts: { as: string }, lang: Lang = 'vi'): Promise<string> {
    const actor = await this.#o.users.get(opts.as);
    requireRole(actor, ['approver'], 'phát hành danh sách phát / publish manifests');
    const m = await this.#o.manifests.publish(actor.name);
    const sent = m.announced ? (lang === 'en' ? 'announced over MQTT' : 'đã báo qua MQTT') : lang === 'en' ? 'NOT yet announced over MQTT' : 'CHƯA báo được qua MQTT';
    return lang === 'en'
      ? `Published manifest ${m.version}: ${m.clips} clips, ${m.signed.length} bytes, expires ${vnDate(m.expires)}; ${sent}.`
      : `Đã phát hành danh sách phát phiên bản ${m.version}: ${m.clips} bản tin, ${m.signed.length} byte, hết hạn ${vnDate(m.expires)}; ${sent}.`;
  }
}
