/**
 * `loa controller commune …`: the communes after the 2025 merger, for the office. A commune id never changes (carts
 * carry it); a merger and a new name are recorded from a day, so reports of earlier periods stay as they were.
 *
 *   loa controller commune add <id> --name N [--code 5 digits] [--kind xa|phuong|dac-khu|thi-tran] [--former-code C]
 *                                   [--lat D --lon D] [--since dd/mm/yyyy]
 *   loa controller commune list [--on dd/mm/yyyy] [--json]
 *   loa controller commune merge <former[,former…]> --into <current> --on dd/mm/yyyy
 *   loa controller commune rename <id> --name N --on dd/mm/yyyy
 *   loa controller commune import <file.csv>                       (controller/fleet/commune-csv.ts)
 *
 * cli/controller.ts takes the options, the commands and the help lines from here, and hands the commands over.
 */
import { readFile } from 'node:fs/promises';
import type { ControllerConfig } from '../controller/app/config.js';
import { openOffice } from '../controller/app/office.js';
import { COMMUNE_KINDS, type Commune, type CommuneKind, type CommuneView } from '../controller/fleet/registry.js';
import { dayStart, vnDate, vnDay, vnDayRange } from '../controller/reports/period.js';
import { pick, type Lang, type Text } from './i18n.js';
import { choiceOf, UsageError, type CliIo } from './io.js';

const COMMON = ['config', 'data'] as const;

export const COMMUNE_OPTIONS = {
  name: { type: 'string' },
  code: { type: 'string' },
  kind: { type: 'string', choices: COMMUNE_KINDS },
  'former-code': { type: 'string' },
  lat: { type: 'string', number: { min: -90, max: 90 } },
  lon: { type: 'string', number: { min: -180, max: 180 } },
  since: { type: 'string' },
  into: { type: 'string' },
  on: { type: 'string' },
} as const;

export const COMMUNE_COMMANDS = [
  { name: 'commune add', options: [...COMMON, 'name', 'code', 'kind', 'former-code', 'lat', 'lon', 'since'], args: 1 },
  { name: 'commune list', options: [...COMMON, 'on', 'json'], args: 0 },
  { name: 'commune merge', options: [...COMMON, 'into', 'on'], args: 1 },
  { name: 'commune rename', options: [...COMMON, 'name', 'on'], args: 1 },
  { name: 'commune import', options: [...COMMON], args: 1 },
] as const;

/** The usage lines, for the group's help (two spaces in, like the others). */
export const COMMUNE_HELP: Text = {
  vi: `  loa controller commune add <mã-xã> --name TÊN [--code MÃ_SỐ] [--kind xa|phuong|dac-khu|thi-tran] [--former-code MÃ_CŨ]
                             [--lat VĨ_ĐỘ --lon KINH_ĐỘ] [--since dd/mm/yyyy]
                                                                    thêm xã với mã số 5 chữ số (QĐ 19/2025/QĐ-TTg); xã lập ra
                                                                    do sáp nhập: --since ngày thành lập
  loa controller commune list [--on dd/mm/yyyy] [--json]           danh sách xã: mã số, tên, xã hiện hành hay đã sáp nhập vào đâu
                                                                    (theo ngày --on, mặc định hôm nay)
  loa controller commune merge <xã-cũ[,xã-cũ…]> --into XÃ_MỚI --on dd/mm/yyyy
                                                                    ghi sáp nhập: các xã cũ thuộc XÃ_MỚI từ ngày đó; mã xã trên xe
                                                                    loa không đổi, báo cáo các kỳ trước giữ nguyên
  loa controller commune rename <mã-xã> --name TÊN --on dd/mm/yyyy  đổi tên xã từ ngày đó (báo cáo các kỳ trước giữ tên cũ)
  loa controller commune import <TỆP.csv>                          nhập danh sách xã (cột id,code,name,kind,former_code,lat,lon,
                                                                    since,into,from); một dòng sai thì không lưu gì`,
  en: `  loa controller commune add <id> --name NAME [--code CODE] [--kind xa|phuong|dac-khu|thi-tran] [--former-code CODE]
                             [--lat DEG --lon DEG] [--since dd/mm/yyyy]
                                                                    add a commune with its 5-digit code (QĐ 19/2025/QĐ-TTg); a
                                                                    commune made by a merger: --since the day it was made
  loa controller commune list [--on dd/mm/yyyy] [--json]           the communes: code, name, current or merged into which
                                                                    (as of --on, default today)
  loa controller commune merge <former[,former…]> --into CURRENT --on dd/mm/yyyy
                                                                    record a merger: the former communes are part of CURRENT from
                                                                    that day; carts keep their commune id, past reports stay the same
  loa controller commune rename <id> --name NAME --on dd/mm/yyyy   rename a commune from that day (past reports keep the old name)
  loa controller commune import <FILE.csv>                         import a commune list (columns id,code,name,kind,former_code,
                                                                    lat,lon,since,into,from); one bad line and nothing is stored`,
};

export type CommuneCommand = (typeof COMMUNE_COMMANDS)[number]['name'];

export interface CommuneValues {
  name?: string | undefined;
  code?: string | undefined;
  kind?: string | undefined;
  'former-code'?: string | undefined;
  lat?: string | undefined;
  lon?: string | undefined;
  since?: string | undefined;
  into?: string | undefined;
  on?: string | undefined;
  json: boolean;
}

const KIND_WORDS: Record<CommuneKind, Text> = {
  xa: { vi: 'xã', en: 'commune' },
  phuong: { vi: 'phường', en: 'ward' },
  'dac-khu': { vi: 'đặc khu', en: 'special zone' },
  'thi-tran': { vi: 'thị trấn', en: 'town' },
};

/** Checks what was typed (before anything is opened), then runs the command. */
export async function runCommune(io: CliIo, lang: Lang, config: ControllerConfig, command: CommuneCommand, args: string[], v: CommuneValues): Promise<number> {
  const need = (ok: boolean, vi: string, en: string): void => {
    if (!ok) throw new UsageError(pick(lang, { vi: `cần: ${vi}`, en: `needs: ${en}` }));
  };
  const [arg] = args;
  switch (command) {
    case 'commune add':
      need(arg !== undefined && filled(v.name), 'commune add <mã-xã> --name TÊN', 'commune add <id> --name NAME');
      need((v.lat === undefined) === (v.lon === undefined), '--lat và --lon cùng nhau', '--lat and --lon together');
      return add(io, lang, config, arg!, v);
    case 'commune list':
      return list(io, lang, config, v.on === undefined ? vnDay(Math.floor(Date.now() / 1000)) : day(lang, '--on', v.on), v.json);
    case 'commune merge':
      need(arg !== undefined && v.into !== undefined && v.on !== undefined, 'commune merge <xã-cũ[,xã-cũ…]> --into XÃ_MỚI --on dd/mm/yyyy', 'commune merge <former[,former…]> --into CURRENT --on dd/mm/yyyy');
      return merge(io, lang, config, { from: formers(lang, arg!), into: v.into!, onDay: day(lang, '--on', v.on!) });
    case 'commune rename':
      need(arg !== undefined && filled(v.name) && v.on !== undefined, 'commune rename <mã-xã> --name TÊN --on dd/mm/yyyy', 'commune rename <id> --name NAME --on dd/mm/yyyy');
      return rename(io, lang, config, { id: arg!, name: v.name!, onDay: day(lang, '--on', v.on!) });
    case 'commune import':
      need(arg !== undefined, 'commune import <TỆP.csv>', 'commune import <FILE.csv>');
      return importFile(io, lang, config, arg!);
  }
}

const filled = (text: string | undefined): boolean => text !== undefined && text.trim() !== '';

/** `a,b,c`: the former communes of a merger, each once. */
function formers(lang: Lang, text: string): string[] {
  const list = text.split(',').map((s) => s.trim());
  if (list.some((s) => s === '') || new Set(list).size !== list.length) {
    throw new UsageError(`${text}: ${pick(lang, { vi: 'cần các mã xã cũ cách nhau bằng dấu phẩy, mỗi xã một lần', en: 'must be former commune ids separated by commas, each once' })}`);
  }
  return list;
}

/** A dd/mm/yyyy date typed for `name`, as a local day number; a usage error otherwise. */
function day(lang: Lang, name: string, text: string): number {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.trim());
  const range = m ? vnDayRange(`${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`) : undefined;
  if (range === undefined) throw new UsageError(`${name} ${text}: ${pick(lang, { vi: 'cần một ngày dd/mm/yyyy, ví dụ 01/07/2025', en: 'must be a date dd/mm/yyyy, e.g. 01/07/2025' })}`);
  return vnDay(range.start);
}

const date = (d: number): string => vnDate(dayStart(d));

async function withRegistry<T>(config: ControllerConfig, work: (office: Awaited<ReturnType<typeof openOffice>>) => Promise<T>): Promise<T> {
  const office = await openOffice(config);
  try {
    return await work(office);
  } finally {
    await office.close();
  }
}

async function add(io: CliIo, lang: Lang, config: ControllerConfig, id: string, v: CommuneValues): Promise<number> {
  const kind = v.kind === undefined ? undefined : choiceOf(lang, '--kind', v.kind, COMMUNE_KINDS);
  const sinceDay = v.since === undefined ? undefined : day(lang, '--since', v.since);
  const c = await withRegistry(config, (o) =>
    o.registry.addCommune({ id, name: v.name!, code: v.code, kind, formerCode: v['former-code'], lat: v.lat === undefined ? undefined : Number(v.lat), lon: v.lon === undefined ? undefined : Number(v.lon), sinceDay }),
  );
  const code = c.code ?? c.formerCode;
  io.stdout.write(
    pick(lang, {
      vi: `Đã thêm ${KIND_WORDS[c.kind].vi} ${c.name} (${c.id})${code === null ? ', chưa có mã số' : `, mã số ${code}`}${c.sinceDay === null ? '' : `, thành lập từ ${date(c.sinceDay)}`}.`,
      en: `Added ${KIND_WORDS[c.kind].en} ${c.name} (${c.id})${code === null ? ', no code yet' : `, code ${code}`}${c.sinceDay === null ? '' : `, made on ${date(c.sinceDay)}`}.`,
    }) + '\n',
  );
  return 0;
}

interface ListRow {
  id: string;
  code: string | null;
  formerCode: string | null;
  kind: CommuneKind;
  /** The name on the day asked about. */
  name: string;
  /** True when it is a current commune on that day. */
  current: boolean;
  /** The current commune(s) it is part of on that day (empty when current). */
  partOf: string[];
}

async function list(io: CliIo, lang: Lang, config: ControllerConfig, onDay: number, json: boolean): Promise<number> {
  const { communes, view, history } = await withRegistry(config, async (o) => {
    const history = await o.registry.communeHistory();
    return { communes: await o.registry.listCommunes(), view: history.asOf(onDay), history };
  });
  const rows: ListRow[] = communes.map((c: Commune) => {
    const current = history.isCurrent(c.id, onDay);
    const ends = history.ends(c.id, onDay);
    return { id: c.id, code: c.code, formerCode: c.formerCode, kind: c.kind, name: view.nameOf(c.id), current, partOf: current || ends[0] === c.id ? [] : ends };
  });
  if (json) {
    io.stdout.write(JSON.stringify({ on: date(onDay), communes: rows }, null, 2) + '\n');
    return 0;
  }
  if (rows.length === 0) {
    io.stdout.write(pick(lang, { vi: 'Chưa có xã nào: loa controller commune add … hoặc commune import TỆP.csv', en: 'No communes yet: loa controller commune add … or commune import FILE.csv' }) + '\n');
    return 0;
  }
  io.stdout.write(table(lang, rows, view, onDay) + '\n');
  return 0;
}

function table(lang: Lang, rows: readonly ListRow[], view: CommuneView, onDay: number): string {
  const head = lang === 'en' ? ['Id', 'Code', 'Name', 'Kind', `On ${date(onDay)}`] : ['Mã xã', 'Mã số', 'Tên', 'Loại', `Ngày ${date(onDay)}`];
  const status = (r: ListRow): string =>
    r.current
      ? pick(lang, { vi: 'hiện hành', en: 'current' })
      : r.partOf.length > 0
        ? pick(lang, { vi: `thuộc ${r.partOf.map((p) => view.nameOf(p)).join(', ')}`, en: `part of ${r.partOf.map((p) => view.nameOf(p)).join(', ')}` })
        : pick(lang, { vi: 'chưa thành lập', en: 'not made yet' });
  const body = rows.map((r) => [r.id, r.code ?? r.formerCode ?? '—', r.name, pick(lang, KIND_WORDS[r.kind]), status(r)]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

async function merge(io: CliIo, lang: Lang, config: ControllerConfig, m: { from: string[]; into: string; onDay: number }): Promise<number> {
  await withRegistry(config, (o) => o.registry.mergeCommunes(m));
  io.stdout.write(
    pick(lang, {
      vi: `Đã ghi: ${m.from.join(', ')} thuộc ${m.into} từ ngày ${date(m.onDay)}. Xe loa giữ mã xã cũ; danh sách phát tới sẽ gửi nội dung của ${m.into} cho cả xe của các xã cũ; báo cáo các kỳ trước giữ nguyên.`,
      en: `Recorded: ${m.from.join(', ')} part of ${m.into} from ${date(m.onDay)}. Carts keep their former commune id; the next playlist sends ${m.into}'s clips to their carts too; past reports stay the same.`,
    }) + '\n',
  );
  return 0;
}

async function rename(io: CliIo, lang: Lang, config: ControllerConfig, r: { id: string; name: string; onDay: number }): Promise<number> {
  await withRegistry(config, (o) => o.registry.renameCommune(r));
  io.stdout.write(
    pick(lang, {
      vi: `Đã ghi: từ ngày ${date(r.onDay)} xã ${r.id} tên là ${r.name}; báo cáo các kỳ trước giữ tên cũ.`,
      en: `Recorded: from ${date(r.onDay)} commune ${r.id} is called ${r.name}; past reports keep the old name.`,
    }) + '\n',
  );
  return 0;
}

async function importFile(io: CliIo, lang: Lang, config: ControllerConfig, file: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`${file}: ${pick(lang, { vi: `không đọc được tệp (${err.code ?? err.message})`, en: `cannot read the file (${err.code ?? err.message})` })}`);
  });
  const done = await withRegistry(config, (o) => o.registry.importCommunes(text));
  io.stdout.write(
    pick(lang, {
      vi: `Đã nhập ${file}: thêm ${done.added} xã, ${done.merged} quan hệ sáp nhập; ${done.unchanged} dòng đã có sẵn.`,
      en: `Imported ${file}: ${done.added} communes and ${done.merged} merger rows added; ${done.unchanged} lines were already there.`,
    }) + '\n',
  );
  return 0;
}

/** True for the commands this file runs. */
export function isCommuneCommand(name: string): name is CommuneCommand {
  return COMMUNE_COMMANDS.some((c) => c.name === name);
}
