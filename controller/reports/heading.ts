/**
 * Who issues a report, to whom, where, and who signs it: the words around the figures. The 2021 plan was written for
 * a district (huyện); since 1 July 2025 there are no districts, and a controller serves a province or an area of
 * communes, so these words come from the configuration (`reportHeading`), e.g. a province's
 *
 *   CÔNG AN TỈNH THANH HÓA              (issuers: the bodies above the board, upright)
 *   ĐOÀN TNCS HỒ CHÍ MINH TỈNH THANH HÓA
 *   BAN ĐIỀU HÀNH MÔ HÌNH “…”            (board: the issuing body, bold; "\n" breaks its lines)
 *
 * or a commune's Công an xã and Đoàn xã. Without one, {@link legacyHeading} words it as the plan did, from the
 * district's name, so that a controller configured before 2025 prints the very same bytes as before.
 */
import type { Lang } from './period.js';

/** The words of one language. */
export interface HeadingWords {
  /** The bodies the board belongs to (Nghị định 30 "cơ quan chủ quản"), one a line, upper case; may be empty. */
  issuers: string[];
  /** The issuing body, printed bold under the issuers; "\n" separates its lines. */
  board: string;
  /** The place of the date line, e.g. "Thanh Hóa". */
  place: string;
  /** "Kính gửi": who the report is addressed to. */
  addressees: string[];
  /** "Nơi nhận": where copies go, e.g. "Như trên", "Lưu: VT". */
  recipients: string[];
  /** The signature block; an empty `name` leaves a placeholder for the hand-written one. */
  signer: { for: string; title: string; name: string };
}

export interface ReportHeading extends HeadingWords {
  /** The column of the figures of the whole scope: "Toàn tỉnh" / "Province". */
  wholeScope: { vi: string; en: string };
  /** The scope's name as people write it, e.g. "Thanh Hóa", "Khu vực Triệu Sơn". */
  scopeName: string;
  /** The same words for a report in English (names not translated stay as written). */
  en: HeadingWords;
  /**
   * True when no heading is configured: the 2021 plan's wording, derived from the district's name and kept word for
   * word (the HTML page keeps its compact header and its list of recipients).
   */
  legacy: boolean;
}

/** The scope of a controller (configuration `scope`): a province, or an area (communes, a former district) in one. */
export interface ReportScope {
  kind: 'province' | 'area';
  name: string;
  province: { code: string | null; name: string } | null;
}

/** What a configuration may leave out of a heading: everything but who it is addressed to. */
export interface WrittenHeading {
  issuers: string[];
  board: string;
  place?: string | undefined;
  addressees: string[];
  recipients: string[];
  signer: { for: string; title: string; name: string };
  wholeScope?: { vi: string; en: string } | undefined;
  en?: Partial<HeadingWords> | undefined;
}

export const DEFAULT_BOARD = 'BAN ĐIỀU HÀNH MÔ HÌNH “LOA THANH NIÊN – VÌ AN NINH TỔ QUỐC”';
export const DEFAULT_RECIPIENTS: readonly string[] = ['Như trên', 'Lưu: VT'];
export const DEFAULT_SIGNER = { for: 'TM. BAN ĐIỀU HÀNH', title: 'TRƯỞNG BAN' } as const;
const EN_BOARD = 'OPERATING BOARD OF THE “YOUTH LOUDSPEAKER – FOR NATIONAL SECURITY” MODEL';
const EN_RECIPIENTS = ['As above', 'File: VT'];
const EN_SIGNER = { for: 'FOR THE OPERATING BOARD', title: 'CHAIR' } as const;

/** An administrative kind in English, for "Thanh Hóa province" and the "Province" column. */
const KIND_EN: Record<string, string> = {
  huyện: 'district', tỉnh: 'province', 'thành phố': 'city', 'thị xã': 'town', quận: 'district', xã: 'commune', phường: 'ward', 'thị trấn': 'township', 'khu vực': 'area',
};
const capital = (s: string): string => s.charAt(0).toLocaleUpperCase('vi') + s.slice(1);

/** "Tỉnh Thanh Hóa" → tỉnh, Thanh Hóa; a name without its kind is a district's (huyện), as in the 2021 plan. */
function kindAndPlace(name: string): { kind: string; place: string } {
  const m = /^(huyện|tỉnh|thành phố|thị xã|quận|xã|phường|thị trấn|khu vực)\s+(.+)$/iu.exec(name.trim());
  return { kind: (m?.[1] ?? 'huyện').toLocaleLowerCase('vi'), place: m?.[2] ?? name.trim() };
}

/** The area's kind and name: "Triệu Sơn" is a district (huyện), "Tỉnh Thanh Hóa" says its own kind. */
export function areaNames(district: string, lang: Lang): { upper: string; inText: string; place: string } {
  const { kind, place } = kindAndPlace(district);
  if (lang === 'en') return { upper: `${place} ${KIND_EN[kind] ?? kind}`.toLocaleUpperCase('vi'), inText: `${place}`, place };
  return { upper: `${kind} ${place}`.toLocaleUpperCase('vi'), inText: `${kind} ${place}`, place };
}

/** The heading of a controller with none configured: the plan's words for the district `name` (e.g. "Triệu Sơn"). */
export function legacyHeading(name: string): ReportHeading {
  const vi = areaNames(name, 'vi');
  const en = areaNames(name, 'en');
  const { kind } = kindAndPlace(name);
  return {
    issuers: [],
    board: `${DEFAULT_BOARD}\n${vi.upper}`,
    place: vi.place,
    addressees: [`Công an ${vi.inText}`, `Đoàn Thanh niên Cộng sản Hồ Chí Minh ${vi.inText}`],
    recipients: [...DEFAULT_RECIPIENTS],
    signer: { ...DEFAULT_SIGNER, name: '' },
    wholeScope: { vi: `Toàn ${kind}`, en: capital(KIND_EN[kind] ?? kind) },
    scopeName: name.trim(),
    en: {
      issuers: [],
      board: `${EN_BOARD}\n${en.upper}`,
      place: en.place,
      addressees: [`the police and the Hồ Chí Minh Communist Youth Union of ${en.inText}`],
      recipients: [...EN_RECIPIENTS],
      signer: { ...EN_SIGNER, name: '' },
    },
    legacy: true,
  };
}

/** "Toàn tỉnh" for a province, "Toàn địa bàn" (the whole area) for an area. */
export function wholeScopeOf(scope: ReportScope): { vi: string; en: string } {
  return scope.kind === 'province' ? { vi: 'Toàn tỉnh', en: 'Province' } : { vi: 'Toàn địa bàn', en: 'Area' };
}

/**
 * A configured heading completed: the place defaults to the province's name (else the scope's), the English words
 * to the Vietnamese ones, except the plan's own words (board, signer, recipients) which have an English version.
 */
export function configuredHeading(w: WrittenHeading, scope: ReportScope): ReportHeading {
  const place = w.place ?? scope.province?.name ?? areaNames(scope.name, 'vi').place;
  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  const en = w.en ?? {};
  return {
    issuers: [...w.issuers],
    board: w.board,
    place,
    addressees: [...w.addressees],
    recipients: [...w.recipients],
    signer: { ...w.signer },
    wholeScope: w.wholeScope ?? wholeScopeOf(scope),
    scopeName: scope.name,
    en: {
      issuers: [...(en.issuers ?? w.issuers)],
      board: en.board ?? (w.board === DEFAULT_BOARD ? EN_BOARD : w.board),
      place: en.place ?? place,
      addressees: [...(en.addressees ?? w.addressees)],
      recipients: [...(en.recipients ?? (same(w.recipients, DEFAULT_RECIPIENTS) ? EN_RECIPIENTS : w.recipients))],
      signer: en.signer ?? {
        for: w.signer.for === DEFAULT_SIGNER.for ? EN_SIGNER.for : w.signer.for,
        title: w.signer.title === DEFAULT_SIGNER.title ? EN_SIGNER.title : w.signer.title,
        name: w.signer.name,
      },
    },
    legacy: false,
  };
}

/** The heading a controller's reports carry: the configured one, else the plan's words for its district's name. */
export function reportHeading(config: { district: { name: string }; reportHeading: ReportHeading | null }): ReportHeading {
  return config.reportHeading ?? legacyHeading(config.district.name);
}

/** The words of `lang`. */
export function headingWords(h: ReportHeading, lang: Lang): HeadingWords {
  return lang === 'en' ? h.en : h;
}

/** The board's lines. */
export const boardLines = (w: HeadingWords): string[] => w.board.split('\n').map((l) => l.trim()).filter((l) => l !== '');

/** "Kính gửi: A; B." / "To: A; B." */
export const addressLine = (w: HeadingWords, lang: Lang): string => `${lang === 'vi' ? 'Kính gửi' : 'To'}: ${w.addressees.join('; ')}.`;

/** "- Như trên;", "- Lưu: VT.": a dash before each, a semicolon after all but the last, which ends with a full stop. */
export const recipientLines = (w: HeadingWords): string[] => w.recipients.map((r, i) => `- ${r}${i === w.recipients.length - 1 ? '.' : ';'}`);

/** The signer's name, or the placeholder for the hand-written one. */
export const signerName = (w: HeadingWords, lang: Lang): string => w.signer.name || (lang === 'vi' ? '[Họ và tên]' : '[Full name]');
