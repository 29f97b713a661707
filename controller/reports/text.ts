/**
 * The words and number formats of the reports, Vietnamese first: column headings, note sentences, and numbers
 * written the Vietnamese way (1.234,5) or the English way (1,234.5).
 */
import { vnDate, type Lang } from './period.js';
import type { Figures, ReportNote } from './report.js';

/** `1234.5` → "1.234,5" (vi) or "1,234.5" (en), with exactly `digits` decimals. */
export function formatNumber(x: number, lang: Lang, digits = 0): string {
  const [int, frac] = Math.abs(x).toFixed(digits).split('.') as [string, string | undefined];
  const group = lang === 'vi' ? '.' : ',';
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const sign = x < 0 && Number(Math.abs(x).toFixed(digits)) !== 0 ? '-' : '';
  return sign + grouped + (frac === undefined ? '' : (lang === 'vi' ? ',' : '.') + frac);
}

/** Seconds as hours with one decimal, e.g. 5400 → "1,5". */
export const hours = (seconds: number, lang: Lang): string => formatNumber(seconds / 3600, lang, 1);

/** The columns of a figures table: heading per language and the cell text of a {@link Figures}. */
export interface Column {
  vi: string;
  en: string;
  cell(f: Figures, lang: Lang): string;
}

const n = (x: number | null, lang: Lang, digits = 0): string => (x === null ? '' : formatNumber(x, lang, digits));

export const COLUMNS: readonly Column[] = [
  { vi: 'Giờ phát thanh', en: 'Broadcast hours', cell: (f, l) => hours(f.broadcastSeconds, l) },
  { vi: 'Giờ bật loa (ampli)', en: 'Amplifier hours', cell: (f, l) => hours(f.amplifierSeconds, l) + (f.amplifierEstimatedUnits > 0 ? '*' : '') },
  { vi: 'Số buổi phát', en: 'Sessions', cell: (f, l) => n(f.sessions, l) },
  { vi: 'Số lượt phát', en: 'Plays', cell: (f, l) => n(f.plays, l) },
  { vi: 'Số nội dung khác nhau', en: 'Distinct clips', cell: (f, l) => n(f.distinctClips, l) },
  { vi: 'Quãng đường (km)', en: 'Distance (km)', cell: (f, l) => n(f.km, l, 1) },
  { vi: 'Số ngày hoạt động', en: 'Active days', cell: (f, l) => n(f.activeDays, l) },
  { vi: 'Số xã đã đến', en: 'Communes reached', cell: (f, l) => n(f.communesReached.length, l) },
  { vi: 'Số khu vực (~1 km²) đã phát', en: 'Areas (~1 km²) reached', cell: (f, l) => n(f.areasReached, l) },
  { vi: 'Số ngày mất kết nối', en: 'Days offline', cell: (f, l) => n(f.offlineDays, l) },
  { vi: 'Số lỗi', en: 'Faults', cell: (f, l) => n(f.faults, l) },
  { vi: 'Pin thấp nhất (%)', en: 'Lowest battery (%)', cell: (f, l) => n(f.battery.minSoc, l) },
  { vi: 'Pin trung vị (%)', en: 'Median battery (%)', cell: (f, l) => n(f.battery.medianSoc, l, 1) },
  { vi: 'Số ngày pin dưới 30%', en: 'Days below 30 %', cell: (f, l) => n(f.battery.daysBelow30, l) },
  { vi: 'Dung lượng pin còn lại (%)', en: 'Battery health (%)', cell: (f, l) => n(f.energy.healthPercent, l) },
  { vi: 'Phút phát còn lại thấp nhất', en: 'Lowest broadcast minutes left', cell: (f, l) => n(f.energy.minMinutesLeft, l) },
  { vi: 'Phút phát còn lại (ngày điển hình)', en: 'Broadcast minutes left (typical day)', cell: (f, l) => n(f.energy.medianMinutesLeft, l) },
  { vi: 'Số ngày chạm mức dự phòng khẩn cấp', en: 'Days in the emergency reserve', cell: (f, l) => n(f.energy.reserveDays, l) },
];

/** Fault codes as "code: n; code: n". */
export const faultList = (f: Figures, lang: Lang): string => f.faultsByCode.map((x) => `${x.code}: ${formatNumber(x.count, lang)}`).join('; ');

/** Notes told in the summary of the HTML and DOCX reports (what the board should act on), not among the notes. */
export const SUMMARY_NOTES: readonly ReportNote['code'][] = ['battery-replace'];

/** The sentence of a note. */
export function noteText(note: ReportNote, lang: Lang): string {
  const vi = lang === 'vi';
  switch (note.code) {
    case 'method':
      return vi
        ? 'Giờ phát thanh là tổng thời lượng các lượt phát. Một buổi phát gồm các lượt phát liên tiếp cách nhau không quá 10 phút. Số ngày hoạt động là số ngày (giờ Việt Nam) có ít nhất một lượt phát. Một xã được tính là "đã đến" khi có lượt phát cách trung tâm xã không quá 3 km. Ngày mất kết nối là ngày không nhận được dữ liệu và không có trạng thái trực tuyến. Giờ bật loa được tính từ bộ đếm thời gian của thiết bị.'
        : 'Broadcast hours are the total length of the plays. A session is a run of plays with gaps of at most 10 minutes. Active days are the days (Vietnam time) with at least one play. A commune counts as reached when a play took place within 3 km of its centre. A day offline is a day with no data received and no online status. Amplifier hours come from the carts\' runtime counters.';
    case 'gnss-glitches':
      return vi
        ? `Quãng đường tính theo các điểm GPS; các bước nhảy nhanh hơn ${note.maxKmh} km/h được coi là lỗi định vị và bị loại.`
        : `Distance follows the GPS track; jumps faster than ${note.maxKmh} km/h are treated as positioning glitches and left out.`;
    case 'areas-not-villages':
      return vi
        ? 'Chưa có danh mục thôn/xóm: "khu vực" là ô lưới khoảng 1 km × 1 km có ít nhất một lượt phát, không phải số thôn.'
        : 'There is no village list yet: an "area" is a grid cell of about 1 km × 1 km with at least one play, not a village.';
    case 'amplifier-estimated':
      return vi
        ? `(*) Xe ${note.units.join(', ')} không gửi bộ đếm thời gian bật loa trong kỳ: giờ bật loa được ước tính bằng giờ phát thanh cộng ${formatNumber(note.warmupSeconds, lang, 1)} giây khởi động và ${formatNumber(note.tailSeconds, lang, 1)} giây tắt mỗi buổi (giá trị tối thiểu).`
        : `(*) Cart(s) ${note.units.join(', ')} sent no amplifier runtime counter in the period: amplifier hours are estimated as broadcast hours plus ${note.warmupSeconds} s warm-up and ${note.tailSeconds} s tail per session (a lower bound).`;
    case 'period-incomplete':
      return vi
        ? `Kỳ báo cáo chưa kết thúc: số liệu tính đến ngày ${vnDate(note.asOf)}.`
        : `The period has not ended: figures as of ${vnDate(note.asOf)}.`;
    case 'retired-units':
      return vi
        ? `Xe đã ngừng sử dụng (${note.units.join(', ')}) có mặt vì có lượt phát trong kỳ; không tính ngày mất kết nối của các xe này.`
        : `Retired cart(s) ${note.units.join(', ')} appear because they played in the period; their days offline are not counted.`;
    case 'plays-left-out': {
      const f = (x: number): string => formatNumber(x, lang);
      const total = note.beforeRegistration + note.future;
      const carts = note.units.map((u) => `${u.unitId}: ${f(u.beforeRegistration + u.future)}`).join('; ');
      return vi
        ? `${f(total)} lượt phát nhận được trong kỳ vẫn được lưu nhưng không được tính vào số liệu vì đồng hồ của xe loa bị sai: ${f(note.beforeRegistration)} lượt có giờ bắt đầu trước khi xe được đăng ký, ${f(note.future)} lượt có giờ bắt đầu muộn hơn quá ${f(note.aheadHours)} giờ so với lúc máy chủ nhận được (theo xe: ${carts}). Hãy kiểm tra đồng hồ và GPS của các xe này.`
        : `${f(total)} plays received in the period are stored but not counted, because the cart's clock was wrong: ${f(note.beforeRegistration)} start before the cart was registered, ${f(note.future)} start more than ${f(note.aheadHours)} hours after the controller received them (by cart: ${carts}). Check the clock and GNSS of these carts.`;
    }
    case 'no-data':
      return vi ? 'Không có lượt phát nào trong kỳ báo cáo.' : 'No plays in the period.';
    case 'battery-replace':
      return note.units
        .map((u) =>
          vi
            ? `Pin xe ${u.unitId} chỉ còn khoảng ${formatNumber(u.healthPercent, lang)} % dung lượng: nên thay pin.`
            : `The battery of cart ${u.unitId} holds only about ${formatNumber(u.healthPercent, lang)} % of its capacity: replace it.`,
        )
        .join(' ');
  }
}
