/**
 * `loa report --period P [--commune ID] --format json|csv|html [--out FILE]`: the periodic report from the
 * controller's database (`--data DIR` or the configuration's `dataDir`), to standard output or a file. CSV is UTF-8
 * with a byte-order mark (Excel), HTML a printable A4 page.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openOffice } from '../controller/app/office.js';
import { buildReport, parsePeriod, REPORT_FORMATS } from '../controller/reports/index.js';
import { controllerConfig, reportError } from './controller.js';
import { chooseLang, pick, type Text } from './i18n.js';
import { UsageError, type CliIo } from './io.js';

const HELP: Text = {
  vi: `Cách dùng:
  loa report --period KỲ [--commune MÃ_XÃ] --format json|csv|html [--out TỆP] [--data THƯ_MỤC] [--config TỆP] [--lang en]
      KỲ: 2026-11 (tháng), 2026-Q4 (quý), 2026-H2 (6 tháng), 2026 (năm). Không có --out: in ra màn hình.`,
  en: `Usage:
  loa report --period P [--commune ID] --format json|csv|html [--out FILE] [--data DIR] [--config FILE] [--lang en]
      P: 2026-11 (month), 2026-Q4 (quarter), 2026-H2 (half-year), 2026 (year). Without --out: to standard output.`,
};

export async function runReport(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      period: { type: 'string' },
      commune: { type: 'string' },
      format: { type: 'string', default: 'json' },
      out: { type: 'string' },
      data: { type: 'string' },
      config: { type: 'string' },
      lang: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const lang = chooseLang(values.lang, io.env);
  if (values.help) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return 0;
  }
  const format = REPORT_FORMATS.find((f) => f === values.format);
  if (format === undefined) throw new UsageError(`--format ${values.format}: json, csv ${pick(lang, { vi: 'hoặc', en: 'or' })} html`);
  if (values.period === undefined) throw new UsageError(pick(lang, { vi: 'cần --period (ví dụ 2026-11)', en: 'needs --period (e.g. 2026-11)' }));
  try {
    const period = parsePeriod(values.period, lang);
    const config = await controllerConfig(values);
    const office = await openOffice(config);
    let text: string;
    try {
      const request = { period, format, lang, district: config.district.name, ...(values.commune === undefined ? {} : { commune: values.commune }) };
      text = await buildReport(office.db, await office.library(), request);
    } finally {
      await office.close();
    }
    if (values.out === undefined) {
      io.stdout.write(text);
      return 0;
    }
    await writeFile(values.out, text, 'utf8');
    io.stderr.write(pick(lang, { vi: `Đã ghi báo cáo ${period.id} vào ${values.out}.`, en: `Wrote the ${period.id} report to ${values.out}.` }) + '\n');
    return 0;
  } catch (err) {
    return reportError(io, lang, 'report', err);
  }
}
