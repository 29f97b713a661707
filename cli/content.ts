/**
 * `loa content …` and `loa manifest publish`: the content library and approval workflow from the office machine
 * (controller/content/commands.ts does the work), on the controller's database opened directly. The acting user is
 * named with `--as USER`.
 *
 * `approve` (an emergency clip), `withdraw` (an approved clip) and `manifest publish` announce the new manifest on
 * the broker as the controller when it can reach it (the embedded broker of a controller running on this data
 * folder, or the configured external one); otherwise carts get it at the controller's next start or sync.
 * `--no-announce` skips that.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { embeddedBrokerUrl, isEmbedded, type ControllerConfig } from '../controller/app/config.js';
import { dataPaths } from '../controller/app/data-dir.js';
import { openOffice } from '../controller/app/office.js';
import { CONTROLLER_USER } from '../controller/broker/topic-rules.js';
import { ContentCommands } from '../controller/content/commands.js';
import { CLIP_STATUSES } from '../controller/content/library.js';
import { controllerConfig, reportError } from './controller.js';
import { chooseLang, pick, type Lang, type Text } from './i18n.js';
import { UsageError, type CliIo } from './io.js';

const HELP: Text = {
  vi: `Cách dùng:
  loa content add TỆP.wav|TỆP.mp3 --title "…" --as NGƯỜI_GỬI [--summary … --category … --priority emergency|priority|ordinary
                  --target district|commune:MÃ|team:MÃ|unit:MÃ … --from dd/mm/yyyy --until dd/mm/yyyy]
  loa content add --tts "văn bản tiếng Việt" --title "…" --as NGƯỜI_GỬI     đọc văn bản thành bản tin (espeak-ng)
  loa content list [--status submitted|changes-requested|approved|rejected|withdrawn]
  loa content show MÃ
  loa content approve MÃ [--priority …] --as NGƯỜI_DUYỆT
  loa content reject MÃ --reason "…" --as NGƯỜI_DUYỆT
  loa content changes MÃ --note "…" --as NGƯỜI_DUYỆT
  loa content withdraw MÃ [--reason "…"] --as NGƯỜI_DÙNG
  loa manifest publish --as NGƯỜI_DUYỆT [--no-announce]
  Tuỳ chọn chung: --config TỆP, --data THƯ_MỤC, --lang en`,
  en: `Usage:
  loa content add FILE.wav|FILE.mp3 --title "…" --as SUBMITTER [--summary … --category … --priority emergency|priority|ordinary
                  --target district|commune:ID|team:ID|unit:ID … --from dd/mm/yyyy --until dd/mm/yyyy]
  loa content add --tts "Vietnamese text" --title "…" --as SUBMITTER        speak the text into a clip (espeak-ng)
  loa content list [--status submitted|changes-requested|approved|rejected|withdrawn]
  loa content show ID
  loa content approve ID [--priority …] --as APPROVER
  loa content reject ID --reason "…" --as APPROVER
  loa content changes ID --note "…" --as APPROVER
  loa content withdraw ID [--reason "…"] --as USER
  loa manifest publish --as APPROVER [--no-announce]
  Common options: --config FILE, --data DIR, --lang en`,
};

const OPTIONS = {
  config: { type: 'string' },
  data: { type: 'string' },
  as: { type: 'string' },
  title: { type: 'string' },
  summary: { type: 'string' },
  language: { type: 'string' },
  category: { type: 'string' },
  priority: { type: 'string' },
  target: { type: 'string', multiple: true },
  from: { type: 'string' },
  until: { type: 'string' },
  tts: { type: 'string' },
  status: { type: 'string' },
  reason: { type: 'string' },
  note: { type: 'string' },
  'no-announce': { type: 'boolean', default: false },
  lang: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The controller's MQTT account when a broker answers within 2 s, else undefined (nothing is announced). */
async function announcer(config: ControllerConfig): Promise<MqttClient | undefined> {
  let account: { url: string; username: string; password: string };
  if (isEmbedded(config.broker)) {
    const password = await readFile(dataPaths(config.dataDir).brokerSecret, 'utf8').catch(() => undefined);
    if (password === undefined || config.broker.embedded.port === 0) return undefined;
    account = { url: embeddedBrokerUrl(config.broker), username: CONTROLLER_USER, password: password.trim() };
  } else account = { url: config.broker.url, username: config.broker.username, password: config.broker.password };
  const { url, ...credentials } = account;
  return mqtt
    .connectAsync(url, { protocolVersion: 4, clientId: `loa-cli-${process.pid}`, ...credentials, reconnectPeriod: 0, connectTimeout: 2000 })
    .catch(() => undefined);
}

/** Runs one content command with the office opened on the configured data folder. */
async function withContent(io: CliIo, lang: Lang, argv: string[], what: string, work: (c: ContentCommands, v: Values) => Promise<string>, announce: boolean): Promise<number> {
  const values = parse(argv).values;
  let client: MqttClient | undefined;
  try {
    const config = await controllerConfig(values);
    const office = await openOffice(config);
    try {
      if (announce && !values['no-announce']) client = await announcer(config);
      const { library, workflow, publisher } = await office.content(client);
      const commands = new ContentCommands({ library, workflow, manifests: publisher, users: office.users, district: config.district.id });
      io.stdout.write((await work(commands, values)) + '\n');
      return 0;
    } finally {
      await office.close();
      await client?.endAsync();
    }
  } catch (err) {
    return reportError(io, lang, what, err);
  }
}

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
}

function need(lang: Lang, value: string | undefined, what: Text): string {
  if (value === undefined || value === '') throw new UsageError(pick(lang, what));
  return value;
}

const AS: Text = { vi: 'cần --as TÊN_NGƯỜI_DÙNG (người thực hiện)', en: 'needs --as USER (who is acting)' };
const ID: Text = { vi: 'cần mã bản tin (ví dụ c-0007)', en: 'needs a clip id (e.g. c-0007)' };

export async function runContent(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv);
  const lang = chooseLang(values.lang, io.env);
  const [command, arg] = positionals;
  if (values.help || command === undefined) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return values.help ? 0 : 2;
  }
  const what = `content ${command}`;
  switch (command) {
    case 'add':
      return withContent(io, lang, argv, what, (c, v) =>
        c.add(
          {
            ...(arg === undefined ? {} : { file: arg }),
            ...(v.tts === undefined ? {} : { tts: v.tts }),
            title: need(lang, v.title, { vi: 'cần --title "tiêu đề"', en: 'needs --title "title"' }),
            summary: v.summary, language: v.language, category: v.category, priority: v.priority, targets: v.target, validFrom: v.from, validUntil: v.until,
            as: need(lang, v.as, AS),
          },
          lang,
        ), false);
    case 'list': {
      const status = values.status === undefined ? undefined : CLIP_STATUSES.find((s) => s === values.status);
      if (values.status !== undefined && status === undefined) throw new UsageError(`--status ${values.status}: ${CLIP_STATUSES.join(', ')}`);
      return withContent(io, lang, argv, what, (c) => c.list(status === undefined ? {} : { status }, lang), false);
    }
    case 'show':
      return withContent(io, lang, argv, what, (c) => c.show(need(lang, arg, ID), lang), false);
    case 'approve':
      return withContent(io, lang, argv, what, (c, v) => c.approve(need(lang, arg, ID), { as: need(lang, v.as, AS), ...(v.priority === undefined ? {} : { priority: v.priority }) }, lang), true);
    case 'reject':
      return withContent(io, lang, argv, what, (c, v) => c.reject(need(lang, arg, ID), { reason: need(lang, v.reason, { vi: 'cần --reason "lý do"', en: 'needs --reason "why"' }), as: need(lang, v.as, AS) }, lang), false);
    case 'changes':
      return withContent(io, lang, argv, what, (c, v) => c.requestChanges(need(lang, arg, ID), { note: need(lang, v.note, { vi: 'cần --note "cần sửa gì"', en: 'needs --note "what to change"' }), as: need(lang, v.as, AS) }, lang), false);
    case 'withdraw':
      return withContent(io, lang, argv, what, (c, v) => c.withdraw(need(lang, arg, ID), { as: need(lang, v.as, AS), ...(v.reason === undefined ? {} : { reason: v.reason }) }, lang), true);
    default:
      throw new UsageError(pick(lang, { vi: `không có lệnh "${command}" (xem loa content --help)`, en: `no command "${command}" (see loa content --help)` }));
  }
}

export async function runManifest(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv);
  const lang = chooseLang(values.lang, io.env);
  if (values.help || positionals[0] !== 'publish') {
    io.stdout.write(pick(lang, HELP) + '\n');
    return values.help ? 0 : 2;
  }
  return withContent(io, lang, argv, 'manifest publish', (c, v) => c.publishManifest({ as: need(lang, v.as, AS) }, lang), true);
}
