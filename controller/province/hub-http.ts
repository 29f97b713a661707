/**
 * The province view (trang toàn tỉnh) of the officers' console, served by `loa province run` beside the MQTT side:
 * server-rendered pages, nothing to build and nothing fetched from elsewhere, read-only (no POST, no accounts).
 *
 *   GET /                                   the province report of a period (default: the current month) with a bar
 *                                           to choose the period and the language, download links, and every area's
 *                                           last day received and refusals, so that a late area shows at a glance
 *   GET /report?period=P&format=F&lang=L    the report alone: html (printable), csv, json or docx (downloads)
 *   GET /areas/<id>?period=P&lang=L         one area's report, rendered as the area controller renders its own
 *
 * Vietnamese first, `?lang=en` for English. A bad parameter is a 400 whose body is one line saying what to write.
 * It has no login, so it listens on 127.0.0.1 unless the configuration says otherwise (then reach it over the
 * province's VPN only).
 */
import type { ServerResponse } from 'node:http';
import { HttpServer, type HttpRequest } from '../http/server.js';
import type { Logger } from '../logger.js';
import { configuredHeading, legacyHeading, type ReportHeading } from '../reports/heading.js';
import { escapeHtml, renderHtml } from '../reports/render-html.js';
import { InvalidPeriodError, parsePeriod, periodLabel, vnDate, vnDateParts, vnDay, vnDayRange, type Lang, type Period } from '../reports/period.js';
import { SETTLE_S } from '../reports/rollup.js';
import type { HubHeading } from './hub-config.js';
import { HubError, type HubArea, type IngestOutcome, type ProvinceHub } from './hub.js';
import { provinceAddressees, renderProvinceDocx } from './province-docx.js';
import { PROVINCE_FORMATS, renderProvinceCsv, renderProvinceHtml, renderProvinceJson, type ProvinceFormat } from './province-render.js';

/** What the pages read of the hub. */
export type HubView = Pick<ProvinceHub, 'areas' | 'held' | 'counters' | 'areaReport' | 'provinceReport'>;

export interface HubHttpOptions {
  hub: HubView;
  /** The hub configuration's `heading`: the province report's, and the base of the area pages' (see {@link areaHeading}). */
  heading: HubHeading;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. */
  port: number;
  /** Unix seconds (default: the system clock): the current month and the lateness of the areas. */
  clock?: () => number;
  logger?: Logger;
}

/**
 * The pages style themselves with the reports' inline `<style>` (and one `style` attribute) and run no script: the
 * console's policy (server.ts SECURITY_HEADERS, `style-src 'self'`) would leave them unstyled, so these answers carry
 * their own, which still forbids every script, frame and outside resource.
 */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * An area is late when it does not hold the last day its controller could have summarised by now: a day is final
 * {@link SETTLE_S} after its end, then the area's next summary pass (10 minutes by default) and the bridge carry it.
 */
const DELIVERY_GRACE_S = 3600;

/** A request the page refuses: its status and one line for people. */
class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const systemSeconds = (): number => Math.floor(Date.now() / 1000);
const say = (lang: Lang, vi: string, en: string): string => (lang === 'vi' ? vi : en);

export class HubHttp {
  readonly #o: HubHttpOptions;
  readonly #server: HttpServer;
  readonly #clock: () => number;

  constructor(options: HubHttpOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemSeconds;
    this.#server = new HttpServer({ port: options.port, host: options.host ?? '127.0.0.1', ...(options.logger === undefined ? {} : { logger: options.logger }) });
    this.#server.route('GET', '/', this.#page((req, res) => this.#front(req, res)));
    this.#server.route('GET', '/report', this.#page((req, res) => this.#report(req, res)));
    this.#server.route('GET', '/areas/:id', this.#page((req, res) => this.#area(req, res)));
  }

  /** `http://host:port` once started. */
  get url(): string {
    return this.#server.url;
  }

  get port(): number {
    return this.#server.port;
  }

  start(): Promise<void> {
    return this.#server.start();
  }

  stop(): Promise<void> {
    return this.#server.stop();
  }

  /** A route whose refusals are one plain line (an officer reads them in the browser), not the API's JSON. */
  #page(work: (req: HttpRequest, res: ServerResponse) => Promise<void>): (req: HttpRequest, res: ServerResponse) => Promise<void> {
    return async (req, res) => {
      try {
        if (!hostAllowed(req.raw.headers.host, this.#o.host ?? '127.0.0.1')) {
          throw new PageError(403, 'Trang này chỉ mở bằng địa chỉ 127.0.0.1 hoặc localhost. (open it as 127.0.0.1 or localhost)');
        }
        await work(req, res);
      } catch (err) {
        if (!(err instanceof PageError)) throw err;
        send(res, err.status, 'text/plain; charset=utf-8', `${err.message}\n`);
      }
    };
  }

  async #front(req: HttpRequest, res: ServerResponse): Promise<void> {
    const lang = langOf(req);
    const now = this.#clock();
    const period = periodOf(req, lang, now);
    const report = await this.#o.hub.provinceReport({ period, now });
    const status = areaStatus(await this.#o.hub.areas(), await this.#o.hub.held(), await this.#o.hub.counters(), now);
    const page = renderProvinceHtml(report, { lang, heading: this.#o.heading, issuedAt: now });
    sendPage(res, around(page, [provinceBar(period, lang, this.#o.heading), statusTable(status, period, lang)]));
  }

  async #report(req: HttpRequest, res: ServerResponse): Promise<void> {
    const lang = langOf(req);
    const format = formatOf(req, lang);
    const now = this.#clock();
    const period = periodOf(req, lang, now);
    const report = await this.#o.hub.provinceReport({ period, now });
    if (format === 'html') {
      sendPage(res, renderProvinceHtml(report, { lang, heading: this.#o.heading, issuedAt: now }));
      return;
    }
    const file = `bao-cao-toan-tinh-${period.id}.${format}`;
    const headers = { 'Content-Disposition': `attachment; filename="${file}"` };
    if (format === 'csv') send(res, 200, 'text/csv; charset=utf-8', renderProvinceCsv(report, lang), headers);
    else if (format === 'json') send(res, 200, 'application/json; charset=utf-8', renderProvinceJson(report, lang), headers);
    else send(res, 200, DOCX_TYPE, await renderProvinceDocx(report, { lang, heading: this.#o.heading, issuedAt: now }), headers);
  }

  async #area(req: HttpRequest, res: ServerResponse): Promise<void> {
    const lang = langOf(req);
    const id = req.params['id'] ?? '';
    const now = this.#clock();
    const period = periodOf(req, lang, now);
    const area = (await this.#o.hub.areas()).find((a) => a.id === id);
    const unknown = (): PageError =>
      new PageError(404, say(lang, `Không có khu vực ${JSON.stringify(id)} ở trung tâm tỉnh: xem danh sách ở trang chủ (/).`, `There is no area ${JSON.stringify(id)} at the province hub: see the list on the front page (/).`));
    if (area === undefined) throw unknown();
    const report = await this.#o.hub.areaReport(id, { period, now }).catch((err: unknown) => {
      if (!(err instanceof HubError && err.code === 'unknown-area')) throw err;
      // Registered by `loa province area add` after this hub started: the running hub learns its key at a restart.
      throw new PageError(404, say(lang, `Khu vực ${id} được đăng ký sau khi trung tâm tỉnh khởi động: khởi động lại loa province run.`, `Area ${id} was registered after the hub started: restart loa province run.`));
    });
    const page = renderHtml(report, { lang, heading: areaHeading(this.#o.heading, area), issuedAt: now });
    sendPage(res, around(page, [areaBar(area, period, lang)]));
  }
}

/**
 * The heading of an area's report seen at the hub. A hub whose heading names no province words it as the 2021 plan
 * did for the area's name (what an area controller with no heading configured prints); otherwise the province's
 * board issues it, addressed to the hub's recipients but its own file copy ("Lưu"), with the area's name over the
 * column of its totals.
 */
export function areaHeading(h: HubHeading, area: Pick<HubArea, 'name' | 'provinceCode'>): ReportHeading {
  const province = h.province.trim();
  if (province === '') return legacyHeading(area.name);
  return configuredHeading(
    {
      issuers: [...h.issuers],
      board: `TỈNH ${province.toLocaleUpperCase('vi')}`,
      place: h.place ?? province,
      addressees: provinceAddressees(h),
      recipients: [...h.recipients],
      signer: { ...h.signer },
      wholeScope: { vi: area.name, en: area.name },
    },
    { kind: 'area', name: area.name, province: { code: area.provinceCode, name: province } },
  );
}

/** How one area stands: the last day it delivered, whether that is late, what the hub refused of it. */
export interface AreaStatus {
  /** The area id as its summaries' topics say it (an unregistered one too). */
  area: string;
  /** Null for an area that is not registered (its summaries are refused as unknown-area). */
  name: string | null;
  /** 'YYYY-MM-DD', the latest day held; null when none yet. */
  lastDay: string | null;
  /** Unix seconds of the last summary stored. */
  lastReceived: number | null;
  /** Days behind the last day it could have delivered by now (0 = on time); null for an unregistered area. */
  daysLate: number | null;
  refused: { outcome: IngestOutcome; n: number }[];
}

/** Duplicates are a bridge re-sending after a cut: harmless, so not shown as refusals. */
const NOT_REFUSED: ReadonlySet<IngestOutcome> = new Set(['stored', 'duplicate']);

/** Every registered area, then any other topic area the hub refused summaries of. */
export function areaStatus(
  areas: readonly Pick<HubArea, 'id' | 'name'>[],
  held: readonly { area: string; last: number | null; lastDay: string | null }[],
  counters: readonly { area: string; outcome: IngestOutcome; n: number }[],
  now: number,
): AreaStatus[] {
  const expected = vnDay(now - SETTLE_S - DELIVERY_GRACE_S) - 1;
  const refusedOf = (area: string): AreaStatus['refused'] => counters.filter((c) => c.area === area && !NOT_REFUSED.has(c.outcome)).map(({ outcome, n }) => ({ outcome, n }));
  const rows: AreaStatus[] = areas.map((a) => {
    const h = held.find((x) => x.area === a.id);
    const lastDay = h?.lastDay ?? null;
    const range = lastDay === null ? undefined : vnDayRange(lastDay);
    const daysLate = range === undefined ? null : Math.max(0, expected - vnDay(range.start));
    return { area: a.id, name: a.name, lastDay, lastReceived: h?.last ?? null, daysLate, refused: refusedOf(a.id) };
  });
  const others = [...new Set(counters.map((c) => c.area))].filter((id) => !areas.some((a) => a.id === id));
  for (const id of others) {
    const refused = refusedOf(id);
    if (refused.length > 0) rows.push({ area: id, name: null, lastDay: null, lastReceived: null, daysLate: null, refused });
  }
  return rows;
}

const OUTCOME_WORDS: Record<IngestOutcome, { vi: string; en: string }> = {
  stored: { vi: 'đã lưu', en: 'stored' },
  duplicate: { vi: 'trùng lặp', en: 'duplicate' },
  older: { vi: 'phiên bản cũ hơn', en: 'older version' },
  conflict: { vi: 'xung đột phiên bản', en: 'version conflict' },
  'bad-signature': { vi: 'sai chữ ký', en: 'bad signature' },
  'unknown-area': { vi: 'khu vực chưa đăng ký', en: 'unregistered area' },
  'area-mismatch': { vi: 'sai khu vực', en: 'area mismatch' },
  'bad-format': { vi: 'sai định dạng', en: 'bad format' },
  'too-large': { vi: 'quá lớn', en: 'too large' },
};

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i;

/**
 * Listening on loopback, a request must name a loopback host: any other name is a web page in the officer's browser
 * reaching the view through DNS rebinding (it has no login to stop that). On another address (inside the VPN) the
 * name is whatever the province's network calls the machine.
 */
export function hostAllowed(hostHeader: string | undefined, listening: string): boolean {
  if (!LOOPBACK.test(listening)) return true;
  const name = (hostHeader ?? '').replace(/:\d+$/, '');
  return LOOPBACK.test(name);
}

function langOf(req: HttpRequest): Lang {
  const lang = req.query.get('lang');
  if (lang === null || lang === '' || lang === 'vi') return 'vi';
  if (lang === 'en') return 'en';
  throw new PageError(400, `Ngôn ngữ không hợp lệ: ${JSON.stringify(lang.slice(0, 20))}. Hãy dùng lang=vi hoặc lang=en. (use lang=vi or lang=en)`);
}

/** The period asked for, else the current month (Vietnam time). */
function periodOf(req: HttpRequest, lang: Lang, now: number): Period {
  const text = req.query.get('period');
  if (text === null || text.trim() === '') {
    const { year, mm } = vnDateParts(now);
    return parsePeriod(`${year}-${mm}`);
  }
  try {
    return parsePeriod(text, lang);
  } catch (err) {
    if (err instanceof InvalidPeriodError) throw new PageError(400, err.message);
    throw err;
  }
}

function formatOf(req: HttpRequest, lang: Lang): ProvinceFormat {
  const format = req.query.get('format');
  if (format === null || format === '') return 'html';
  const found = PROVINCE_FORMATS.find((f) => f === format);
  if (found !== undefined) return found;
  throw new PageError(400, say(lang, `Định dạng không hợp lệ: ${JSON.stringify(format.slice(0, 20))}. Hãy dùng format=html, csv, json hoặc docx.`, `invalid format ${JSON.stringify(format.slice(0, 20))}: use format=html, csv, json or docx`));
}

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': bytes.length, 'Cache-Control': 'no-store' });
  res.end(bytes);
}

function sendPage(res: ServerResponse, html: string): void {
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  send(res, 200, 'text/html; charset=utf-8', html);
}

/** A query string of these values, the empty ones left out. */
function query(values: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== '') q.set(k, v);
  const text = q.toString();
  return text === '' ? '' : `?${text}`;
}

const langParam = (lang: Lang): string | undefined => (lang === 'en' ? 'en' : undefined);
const link = (href: string, text: string): string => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;

/** The bar's own look; not printed, so the page still prints as the report alone. */
const BAR_CSS = `
.hub { font-family: system-ui, sans-serif; font-size: 11pt; border: 1px solid #999; background: #f6f6f6; padding: 6pt 10pt; margin-bottom: 14pt; }
.hub h1, .hub h2 { font-size: 13pt; text-align: left; margin: 0 0 6pt; }
.hub form, .hub p { margin: 4pt 0; }
.hub a { margin-right: 10pt; }
.hub table { border-collapse: collapse; width: 100%; margin-top: 6pt; }
.hub th, .hub td { border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; }
.hub .late { color: #b00; font-weight: bold; }
@media print { .hub { display: none; } }
`;

/** The report page with the bar(s) put in front of it: the renderer's output is kept as it is. */
function around(page: string, bars: string[]): string {
  return page.replace('</head>', `<style>${BAR_CSS}</style></head>`).replace(/<body>/, () => `<body>\n${bars.join('\n')}`);
}

function provinceBar(period: Period, lang: Lang, heading: HubHeading): string {
  const vi = lang === 'vi';
  const p = period.id;
  const province = heading.province.trim();
  const title = say(lang, `Trung tâm tỉnh${province === '' ? '' : ` ${province}`}: báo cáo toàn tỉnh`, `Province hub${province === '' ? '' : ` ${province}`}: the province report`);
  const other = vi ? link(`/${query({ period: p, lang: 'en' })}`, 'English') : link(`/${query({ period: p })}`, 'Tiếng Việt');
  return [
    `<div class="hub"><h1>${escapeHtml(title)}</h1>`,
    `<form method="get" action="/"><label>${escapeHtml(say(lang, 'Kỳ báo cáo', 'Period'))} <input name="period" value="${escapeHtml(p)}" size="10"></label>`,
    lang === 'en' ? '<input type="hidden" name="lang" value="en">' : '',
    ` <button type="submit">${escapeHtml(say(lang, 'Xem', 'Show'))}</button> <small>${escapeHtml(say(lang, 'tháng 2026-11, quý 2026-Q4, 6 tháng 2026-H2, năm 2026', 'month 2026-11, quarter 2026-Q4, half 2026-H2, year 2026'))}</small></form>`,
    `<p>${escapeHtml(periodLabel(period, lang))}: `,
    link(`/report${query({ period: p, format: 'csv', lang: langParam(lang) })}`, say(lang, 'Tải CSV (Excel)', 'Download CSV (Excel)')),
    link(`/report${query({ period: p, format: 'docx', lang: langParam(lang) })}`, say(lang, 'Tải Word (DOCX)', 'Download Word (DOCX)')),
    link(`/report${query({ period: p, format: 'json', lang: langParam(lang) })}`, say(lang, 'Tải JSON', 'Download JSON')),
    link(`/report${query({ period: p, format: 'html', lang: langParam(lang) })}`, say(lang, 'Bản in', 'Printable page')),
    `${other}</p></div>`,
  ].join('');
}

function received(lang: Lang, s: AreaStatus): string {
  if (s.lastReceived === null) return '';
  const hhmm = new Date((s.lastReceived + 7 * 3600) * 1000).toISOString().slice(11, 16);
  return `${vnDate(s.lastReceived)} ${hhmm}${lang === 'vi' ? '' : ' (UTC+7)'}`;
}

function standing(lang: Lang, s: AreaStatus): { text: string; late: boolean } {
  if (s.name === null) return { text: say(lang, 'chưa đăng ký ở trung tâm tỉnh', 'not registered at the hub'), late: true };
  if (s.lastDay === null) return { text: say(lang, 'chưa nhận được số liệu ngày nào', 'no day received yet'), late: true };
  if (s.daysLate === 0) return { text: say(lang, 'đúng hạn', 'on time'), late: false };
  return { text: say(lang, `chậm ${s.daysLate} ngày`, `${s.daysLate} day(s) late`), late: true };
}

/** The areas at a glance: the late ones in red, with a line naming them first. */
function statusTable(rows: readonly AreaStatus[], period: Period, lang: Lang): string {
  const late = rows.filter((r) => standing(lang, r).late).map((r) => r.name ?? r.area);
  const summary =
    late.length === 0
      ? say(lang, 'Mọi khu vực đã gửi đủ số liệu đến hôm qua.', 'Every area has delivered its figures up to yesterday.')
      : say(lang, `Khu vực chậm hoặc có vấn đề: ${late.join(', ')}.`, `Areas late or in trouble: ${late.join(', ')}.`);
  const head = [
    say(lang, 'Khu vực', 'Area'), say(lang, 'Ngày mới nhất đã nhận', 'Latest day received'), say(lang, 'Nhận lần cuối', 'Last received'),
    say(lang, 'Tình trạng', 'Standing'), say(lang, 'Bị từ chối', 'Refused'), '',
  ];
  const body = rows.map((r) => {
    const s = standing(lang, r);
    const refused = r.refused.map((x) => `${OUTCOME_WORDS[x.outcome][lang]}: ${x.n}`).join('; ');
    const cells = [
      escapeHtml(r.name === null ? r.area : `${r.name} (${r.area})`),
      escapeHtml(r.lastDay === null ? '-' : vnDate(vnDayRange(r.lastDay)?.start ?? 0)),
      escapeHtml(received(lang, r)),
      `<span${s.late ? ' class="late"' : ''}>${escapeHtml(s.text)}</span>`,
      r.refused.length === 0 ? '0' : `<span class="late">${escapeHtml(refused)}</span>`,
      r.name === null ? '' : link(`/areas/${encodeURIComponent(r.area)}${query({ period: period.id, lang: langParam(lang) })}`, say(lang, 'Báo cáo khu vực', 'Area report')),
    ];
    return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  return [
    `<div class="hub"><h2>${escapeHtml(say(lang, 'Các khu vực', 'The areas'))}</h2><p>${escapeHtml(summary)}</p>`,
    `<table><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${body.join('')}</table></div>`,
  ].join('');
}

function areaBar(area: HubArea, period: Period, lang: Lang): string {
  const p = period.id;
  const id = encodeURIComponent(area.id);
  const other = lang === 'vi' ? link(`/areas/${id}${query({ period: p, lang: 'en' })}`, 'English') : link(`/areas/${id}${query({ period: p })}`, 'Tiếng Việt');
  return [
    `<div class="hub"><h1>${escapeHtml(say(lang, `Khu vực ${area.name}`, `Area ${area.name}`))} (${escapeHtml(area.id)})</h1>`,
    `<p>${escapeHtml(periodLabel(period, lang))}: ${link(`/${query({ period: p, lang: langParam(lang) })}`, say(lang, '← Toàn tỉnh', '← Province'))}${other}</p>`,
    `<p><small>${escapeHtml(say(lang, 'Tính từ các bản tóm tắt hằng ngày có chữ ký của khu vực, bằng cùng cách tính với báo cáo của chính khu vực đó.', "Computed from the area's signed daily summaries, the same way as the area's own report."))}</small></p></div>`,
  ].join('');
}
