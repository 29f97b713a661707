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
import { readFile, stat } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { embeddedBrokerUrl, isEmbedded, type ControllerConfig } from '../controller/app/config.js';
import { dataPaths } from '../controller/app/data-dir.js';
import { openOffice } from '../controller/app/office.js';
import { CONTROLLER_USER } from '../controller/broker/topic-rules.js';
import { ContentCommands } from '../controller/content/commands.js';
import { CLIP_STATUSES, type ContentLibrary } from '../controller/content/library.js';
import { PRIORITIES } from '../protocol/index.js';
import { controllerConfig, reportError } from './controller.js';
import { cliOrigin } from './origin.js';
import { pick, type Lang, type Text } from './i18n.js';
import { parseCommand, UsageError, type CliIo, type GroupSpec } from './io.js';

const HELP: Text = {
  vi: `Cách dùng:
  loa content add TỆP.wav|TỆP.mp3 --title "…" --as NGƯỜI_GỬI [--summary … --language vi --category …
                  --priority emergency|priority|ordinary --target district|commune:MÃ|team:MÃ|unit:MÃ …
                  --from dd/mm/yyyy --until dd/mm/yyyy]   (--target district = toàn địa bàn của bộ điều khiển)
  loa content add --tts "văn bản tiếng Việt" --title "…" --as NGƯỜI_GỬI     đọc văn bản thành bản tin (espeak-ng)
  loa content list [--status submitted|changes-requested|approved|rejected|withdrawn] [--json]
  loa content show MÃ
  loa content approve MÃ [--priority emergency|priority|ordinary] --as NGƯỜI_DUYỆT [--no-announce]
  loa content reject MÃ --reason "…" --as NGƯỜI_DUYỆT
  loa content changes MÃ --note "…" --as NGƯỜI_DUYỆT
  loa content withdraw MÃ [--reason "…"] --as NGƯỜI_DÙNG [--no-announce]
  loa manifest publish --as NGƯỜI_DUYỆT [--no-announce]
  Tuỳ chọn chung: --config TỆP, --data THƯ_MỤC, --lang en`,
  en: `Usage:
  loa content add FILE.wav|FILE.mp3 --title "…" --as SUBMITTER [--summary … --language vi --category …
                  --priority emergency|priority|ordinary --target district|commune:ID|team:ID|unit:ID …
                  --from dd/mm/yyyy --until dd/mm/yyyy]   (--target district = the whole area of the controller)
  loa content add --tts "Vietnamese text" --title "…" --as SUBMITTER        speak the text into a clip (espeak-ng)
  loa content list [--status submitted|changes-requested|approved|rejected|withdrawn] [--json]
  loa content show ID
  loa content approve ID [--priority emergency|priority|ordinary] --as APPROVER [--no-announce]
  loa content reject ID --reason "…" --as APPROVER
  loa content changes ID --note "…" --as APPROVER
  loa content withdraw ID [--reason "…"] --as USER [--no-announce]
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
  priority: { type: 'string', choices: PRIORITIES },
  target: { type: 'string', multiple: true },
  from: { type: 'string' },
  until: { type: 'string' },
  tts: { type: 'string' },
  status: { type: 'string', choices: CLIP_STATUSES },
  reason: { type: 'string' },
  note: { type: 'string' },
  json: { type: 'boolean' },
  'no-announce': { type: 'boolean' },
} as const;

const COMMON = ['config', 'data'] as const;

export const contentSpec = {
  name: 'content',
  help: HELP,
  options: OPTIONS,
  commands: [
    { name: 'add', options: [...COMMON, 'as', 'title', 'summary', 'language', 'category', 'priority', 'target', 'from', 'until', 'tts'], args: 1 },
    { name: 'list', options: [...COMMON, 'status', 'json'], args: 0 },
    { name: 'show', options: [...COMMON], args: 1 },
    { name: 'approve', options: [...COMMON, 'priority', 'as', 'no-announce'], args: 1 },
    { name: 'reject', options: [...COMMON, 'reason', 'as'], args: 1 },
    { name: 'changes', options: [...COMMON, 'note', 'as'], args: 1 },
    { name: 'withdraw', options: [...COMMON, 'reason', 'as', 'no-announce'], args: 1 },
  ],
} as const satisfies GroupSpec;

export const manifestSpec = {
  name: 'manifest',
  help: HELP,
  options: OPTIONS,
  commands: [{ name: 'publish', options: [...COMMON, 'as', 'no-announce'], args: 0 }],
} as const satisfies GroupSpec;

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

interface Work {
  commands: ContentCommands;
  library: ContentLibrary;
}

/** Runs one content command with the office opened on the configured data folder. */
async function withContent(io: CliIo, lang: Lang, values: Values, what: string, work: (w: Work) => Promise<string>, announce: boolean): Promise<number> {
  let client: MqttClient | undefined;
  try {
    const config = await controllerConfig(values);
    const office = await openOffice(config);
    try {
      if (announce && !values['no-announce']) client = await announcer(config);
      const { library, workflow, publisher } = await office.content(client);
      const commands = new ContentCommands({ library, workflow, manifests: publisher, users: office.users, district: config.district.id, origin: cliOrigin() });
      io.stdout.write((await work({ commands, library })) + '\n');
      return 0;
    } finally {
      await office.close();
      await client?.endAsync();
    }
  } catch (err) {
    return reportError(io, lang, what, err);
  }
}

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values'];

function need(lang: Lang, value: string | undefined, what: Text): string {
  if (value === undefined || value === '') throw new UsageError(pick(lang, what));
  return value;
}

const AS: Text = { vi: 'cần --as TÊN_NGƯỜI_DÙNG (người thực hiện)', en: 'needs --as USER (who is acting)' };
const ID: Text = { vi: 'cần mã bản tin (ví dụ c-0007)', en: 'needs a clip id (e.g. c-0007)' };

/** What is wrong with the audio file of `content add` (checked before anything is opened), or undefined. */
async function audioFileProblem(lang: Lang, file: string): Promise<string | undefined> {
  return stat(file).then(
    (s) => (s.isFile() ? undefined : pick(lang, { vi: 'không phải một tệp', en: 'is not a file' })),
    (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? pick(lang, { vi: 'không có tệp này', en: 'there is no such file' }) : (err.code ?? err.message)),
  );
}

export async function runContent(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, args, values, help } = parseCommand(contentSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return help ? 0 : 2;
  }
  const [arg] = args;
  const what = `content ${command.name}`;
  switch (command.name) {
    case 'add': {
      if ((arg === undefined) === (values.tts === undefined)) {
        throw new UsageError(pick(lang, { vi: 'cần đúng một trong hai: TỆP âm thanh hoặc --tts "văn bản"', en: 'give exactly one of: an audio FILE or --tts "text"' }));
      }
      const request = {
        ...(arg === undefined ? {} : { file: arg }),
        ...(values.tts === undefined ? {} : { tts: values.tts }),
        title: need(lang, values.title, { vi: 'cần --title "tiêu đề"', en: 'needs --title "title"' }),
        summary: values.summary, language: values.language, category: values.category, priority: values.priority, targets: values.target, validFrom: values.from, validUntil: values.until,
        as: need(lang, values.as, AS),
      };
      const problem = arg === undefined ? undefined : await audioFileProblem(lang, arg);
      if (problem !== undefined) {
        io.stderr.write(`loa ${what}: ${arg}: ${problem}\n`);
        return 1;
      }
      return withContent(io, lang, values, what, ({ commands }) => commands.add(request, lang), false);
    }
    case 'list': {
      const status = CLIP_STATUSES.find((s) => s === values.status);
      const filter = status === undefined ? {} : { status };
      if (values.json) return withContent(io, lang, values, what, async ({ library }) => JSON.stringify(await library.list(filter), null, 2), false);
      return withContent(io, lang, values, what, ({ commands }) => commands.list(filter, lang), false);
    }
    case 'show': {
      const id = need(lang, arg, ID);
      return withContent(io, lang, values, what, ({ commands }) => commands.show(id, lang), false);
    }
    case 'approve': {
      const [id, as] = [need(lang, arg, ID), need(lang, values.as, AS)];
      return withContent(io, lang, values, what, ({ commands }) => commands.approve(id, { as, ...(values.priority === undefined ? {} : { priority: values.priority }) }, lang), true);
    }
    case 'reject': {
      const [id, as] = [need(lang, arg, ID), need(lang, values.as, AS)];
      const reason = need(lang, values.reason, { vi: 'cần --reason "lý do"', en: 'needs --reason "why"' });
      return withContent(io, lang, values, what, ({ commands }) => commands.reject(id, { reason, as }, lang), false);
    }
    case 'changes': {
      const [id, as] = [need(lang, arg, ID), need(lang, values.as, AS)];
      const note = need(lang, values.note, { vi: 'cần --note "cần sửa gì"', en: 'needs --note "what to change"' });
      return withContent(io, lang, values, what, ({ commands }) => commands.requestChanges(id, { note, as }, lang), false);
    }
    case 'withdraw': {
      const [id, as] = [need(lang, arg, ID), need(lang, values.as, AS)];
      return withContent(io, lang, values, what, ({ commands }) => commands.withdraw(id, { as, ...(values.reason === undefined ? {} : { reason: values.reason }) }, lang), true);
    }
    default:
      throw new UsageError(pick(lang, { vi: `không có lệnh "${command.name}" (xem loa content --help)`, en: `no command "${command.name}" (see loa content --help)` }));
  }
}

export async function runManifest(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, values, help } = parseCommand(manifestSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return help ? 0 : 2;
  }
  const as = need(lang, values.as, AS);
  return withContent(io, lang, values, 'manifest publish', ({ commands }) => commands.publishManifest({ as }, lang), true);
}
