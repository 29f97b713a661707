/**
 * `loa report --period P [--commune ID] --format json|csv|html|docx [--out FILE]`: the periodic report from the
 * controller's database (`--data DIR` or the configuration's `dataDir`), to standard output or a file. CSV is UTF-8
 * with a byte-order mark (Excel), HTML a printable A4 page, DOCX a Word document laid out as an administrative
 * document: binary, so it goes to --out or to a redirected standard output, never to a terminal.
 */
import { stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { openOffice } from '../controller/app/office.js';
import { buildReport, InvalidPeriodError, parsePeriod, REPORT_FORMATS, reportHeading, type Period } from '../controller/reports/index.js';
import { controllerConfig, reportError } from './controller.js';
import { pick, type Lang } from './i18n.js';
import { choiceOf, parseCommand, UsageError, type CliIo, type GroupSpec } from './io.js';

export const reportSpec = {
  name: 'report',
  help: {
    vi: `Cách dùng:
  loa report --period KỲ [--commune MÃ_XÃ] --format json|csv|html|docx [--out TỆP] [--data THƯ_MỤC] [--config TỆP] [--lang en]
      KỲ: 2026-11 (tháng), 2026-Q4 (quý), 2026-H2 (6 tháng), 2026 (năm). Không có --out: in ra màn hình
      (docx là tệp Word: cần --out TỆP, hoặc chuyển hướng đầu ra, ví dụ > bao-cao.docx).`,
    en: `Usage:
  loa report --period P [--commune ID] --format json|csv|html|docx [--out FILE] [--data DIR] [--config FILE] [--lang en]
      P: 2026-11 (month), 2026-Q4 (quarter), 2026-H2 (half-year), 2026 (year). Without --out: to standard output
      (docx is a Word file: it needs --out FILE, or a redirected output, e.g. > report.docx).`,
  },
  options: {
    period: { type: 'string' },
    commune: { type: 'string' },
    format: { type: 'string', default: 'json', choices: REPORT_FORMATS },
    out: { type: 'string' },
    data: { type: 'string' },
    config: { type: 'string' },
  },
  commands: [{ name: '', options: ['period', 'commune', 'format', 'out', 'data', 'config'], args: 0 }],
} as const satisfies GroupSpec;

/** The period, or the usage error that repeats it. */
function periodOf(text: string, lang: Lang): Period {
  try {
    return parsePeriod(text, lang);
  } catch (err) {
    if (err instanceof InvalidPeriodError) throw new UsageError(err.message);
    throw err;
  }
}

/** What is wrong with the folder of `--out` (checked before the report is built), or undefined. */
async function outFolderProblem(out: string, lang: Lang): Promise<string | undefined> {
  const folder = dirname(out);
  const isDir = await stat(folder).then((s) => s.isDirectory(), () => false);
  if (isDir) return undefined;
  return pick(lang, { vi: `--out ${out}: không có thư mục ${folder} (tạo nó trước, hoặc chọn nơi khác)`, en: `--out ${out}: there is no folder ${folder} (make it first, or choose another place)` });
}

export async function runReport(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { values, help } = parseCommand(reportSpec, argv, lang);
  if (help) {
    io.stdout.write(pick(lang, reportSpec.help) + '\n');
    return 0;
  }
  const format = choiceOf(lang, '--format', values.format, REPORT_FORMATS);
  if (values.period === undefined) throw new UsageError(pick(lang, { vi: 'cần --period (ví dụ 2026-11)', en: 'needs --period (e.g. 2026-11)' }));
  const period = periodOf(values.period, lang);
  if (format === 'docx' && values.out === undefined && (io.stdout as { isTTY?: boolean }).isTTY === true) {
    throw new UsageError(pick(lang, {
      vi: `--format docx là tệp Word, không in ra màn hình được: thêm --out bao-cao-${period.id}.docx, hoặc chuyển hướng đầu ra (> bao-cao-${period.id}.docx)`,
      en: `--format docx is a Word file and cannot go to the terminal: add --out bao-cao-${period.id}.docx, or redirect the output (> bao-cao-${period.id}.docx)`,
    }));
  }
  const outProblem = values.out === undefined ? undefined : await outFolderProblem(values.out, lang);
  if (outProblem !== undefined) {
    io.stderr.write(`loa report: ${outProblem}\n`);
    return 1;
  }
  try {
    const config = await controllerConfig(values);
    const office = await openOffice(config);
    let bytes: Buffer;
    try {
      const request = { period, format, lang, heading: reportHeading(config), ...(values.commune === undefined ? {} : { commune: values.commune }) };
      bytes = await buildReport(office.db, await office.library(), request);
    } finally {
      await office.close();
    }
    if (values.out === undefined) {
      io.stdout.write(bytes);
      return 0;
    }
    try {
      await writeFile(values.out, bytes);
    } catch (err) {
      io.stderr.write(pick(lang, { vi: `loa report: không ghi được ${values.out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, en: `loa report: cannot write ${values.out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }) + '\n');
      return 1;
    }
    io.stderr.write(pick(lang, { vi: `Đã ghi báo cáo ${period.id} vào ${values.out}.`, en: `Wrote the ${period.id} report to ${values.out}.` }) + '\n');
    return 0;
  } catch (err) {
    return reportError(io, lang, 'report', err);
  }
}
