/**
 * `loa unit command <action> --to unit:ID|team:ID|commune:ID --as USER`: signed commands to carts, sent by the
 * running controller through its API (log in, POST /api/commands, log out). `set-config FILE.json` sends a settings
 * document (POST /api/settings): the controller numbers it and sends it to every cart of the target, and each cart
 * checks it with the schema of its configuration file.
 *
 * Why not sign and publish from here, as `loa manifest publish` announces: a command travels in a district frame whose
 * (boot, seq) the cart checks against one replay window for the whole district (protocol SPEC 2.1). Only the running
 * controller knows where its own counters stand; frames from a second sender would either be dropped by the carts or
 * make them drop the controller's next frames (its acks among them). So the controller signs, counts and sends, and
 * records the command (marked `unsent` when its broker could not take it).
 */
import { readFile } from 'node:fs/promises';
import { bundleContentUrl, ConfigError, loadControllerConfig } from '../controller/app/config.js';
import { pick, type Lang, type Text } from './i18n.js';
import { choiceOf, numberProblem, printConfigProblems, UsageError, type CliIo } from './io.js';

const ACTIONS = ['sync-now', 'stop', 'reboot', 'volume', 'play', 'set-config'] as const;
const TARGETS = ['unit', 'team', 'commune'] as const;
/** The protocol's clip ids (protocol/signed-bodies.ts CLIP_ID); the controller checks them again. */
const CLIP_ID = /^[A-Za-z0-9_-]{1,48}$/;

export interface UnitCommandValues {
  to?: string | undefined;
  as?: string | undefined;
  password?: string | undefined;
  ttl?: string | undefined;
  url?: string | undefined;
  config?: string | undefined;
}

/** The API's `action` and `args` for the words after `loa unit command`. */
export function commandBody(lang: Lang, words: string[]): { action: string; args: Record<string, unknown> } {
  const [word, a] = words;
  if (word === undefined) throw new UsageError(pick(lang, { vi: `cần một lệnh: ${ACTIONS.join(', ')}`, en: `which command: ${ACTIONS.join(', ')}` }));
  const action = choiceOf(lang, pick(lang, { vi: 'lệnh', en: 'command' }), word, ACTIONS);
  const extra = (n: number): void => {
    const more = words[n];
    if (more !== undefined) throw new UsageError(pick(lang, { vi: `thừa đối số "${more}"`, en: `unexpected argument "${more}"` }));
  };
  switch (action) {
    case 'sync-now':
    case 'stop':
    case 'reboot':
      extra(1);
      return { action, args: {} };
    case 'volume': {
      if (a === undefined) throw new UsageError(pick(lang, { vi: 'cần âm lượng: volume N (0–100)', en: 'which volume: volume N (0–100)' }));
      const problem = numberProblem(lang, 'volume', a, { min: 0, max: 100, integer: true });
      if (problem !== undefined) throw new UsageError(problem);
      extra(2);
      return { action: 'set-volume', args: { volume: Number(a) } };
    }
    case 'play':
      if (a === undefined || !CLIP_ID.test(a)) {
        throw new UsageError(pick(lang, { vi: `play ${a ?? ''}: cần mã bản tin, ví dụ c-0007`.trim(), en: `play ${a ?? ''}: needs a clip id, e.g. c-0007`.trim() }));
      }
      extra(2);
      return { action: 'play-clip', args: { clip: a } };
    case 'set-config':
      if (a === undefined) throw new UsageError(pick(lang, { vi: 'cần tệp cấu hình: set-config TỆP.json', en: 'which settings: set-config FILE.json' }));
      extra(2);
      return { action, args: { file: a } };
  }
}

/**
 * The settings document in `file`: a JSON object (its sections are checked by the controller, its settings by each
 * cart). A file that cannot be read, is not JSON or not an object is a usage error, before the controller is called.
 */
export async function readSettingsDocument(lang: Lang, file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(pick(lang, { vi: `set-config ${file}: không đọc được tệp (${code})`, en: `set-config ${file}: the file cannot be read (${code})` }));
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    const why = (err as Error).message;
    throw new UsageError(pick(lang, { vi: `set-config ${file}: không phải JSON hợp lệ (${why})`, en: `set-config ${file}: not valid JSON (${why})` }));
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new UsageError(
      pick(lang, {
        vi: `set-config ${file}: cần một đối tượng JSON gồm các phần policy, player, link, storage`,
        en: `set-config ${file}: must be a JSON object of sections policy, player, link, storage`,
      }),
    );
  }
  return document as Record<string, unknown>;
}

/** `unit:ID`, `team:ID` or `commune:ID`. */
export function commandTarget(lang: Lang, to: string | undefined): { kind: (typeof TARGETS)[number]; id: string } {
  if (to === undefined) throw new UsageError(pick(lang, { vi: 'cần --to unit:MÃ, team:MÃ hoặc commune:MÃ', en: 'needs --to unit:ID, team:ID or commune:ID' }));
  const m = /^([a-z]+):(.+)$/.exec(to);
  const kind = TARGETS.find((k) => k === m?.[1]);
  if (m === null || kind === undefined) throw new UsageError(pick(lang, { vi: `--to ${to}: cần unit:MÃ, team:MÃ hoặc commune:MÃ`, en: `--to ${to}: must be unit:ID, team:ID or commune:ID` }));
  return { kind, id: m[2]! };
}

/** A refusal from the controller's API, in the person's language when its code is known. */
class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly apiCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiRefusal';
  }
}

/** The controller did not answer at all. */
class Unreachable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'Unreachable';
  }
}

async function call(base: string, path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
    throw new Unreachable(cause?.code ?? cause?.message ?? (err as Error).message);
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    throw new Unreachable(`HTTP ${res.status}, not JSON`);
  }
  if (!res.ok) throw new ApiRefusal(res.status, String(json.code ?? res.status), String(json.error ?? `HTTP ${res.status}`));
  return json;
}

function refusalText(lang: Lang, err: ApiRefusal, user: string, to: string): string {
  const known: Record<string, Text> = {
    'bad-password': { vi: `sai mật khẩu của ${user}, hoặc tài khoản không có / đã bị khoá`, en: `wrong password for ${user}, or no such account / a disabled one` },
    forbidden: {
      vi: `${user} không được gửi lệnh này: kỹ thuật viên chỉ gửi sync-now và reboot, các lệnh khác cần vai trò approver hoặc admin`,
      en: `${user} may not send this command: a technician sends only sync-now and reboot, the others need the approver or admin role`,
    },
    'unknown-unit': { vi: `không có xe loa ${to}`, en: `there is no cart ${to}` },
    'unknown-team': { vi: `không có xe loa nào thuộc ${to}`, en: `no active cart in ${to}` },
    'unknown-commune': { vi: `không có xe loa nào thuộc ${to}`, en: `no active cart in ${to}` },
    retired: { vi: `xe loa ${to} đã ngừng hoạt động`, en: `cart ${to} is retired` },
  };
  const text = known[err.apiCode];
  return text === undefined ? err.message : pick(lang, text);
}

interface Sent {
  unitId: string;
  counter: number;
  expires: number;
  delivered: boolean;
}

/** Runs `loa unit command`; exit 0 when every cart's command left the controller, 1 otherwise. */
export async function sendUnitCommand(io: CliIo, lang: Lang, words: string[], values: UnitCommandValues): Promise<number> {
  const body = commandBody(lang, words);
  const target = commandTarget(lang, values.to);
  const settings = body.action === 'set-config' ? await readSettingsDocument(lang, String(body.args.file)) : undefined;
  const user = values.as;
  if (user === undefined || user === '') throw new UsageError(pick(lang, { vi: 'cần --as TÊN_NGƯỜI_DUYỆT (người gửi lệnh)', en: 'needs --as APPROVER (who sends the command)' }));
  const password = values.password ?? io.env.LOA_PASSWORD;
  if (password === undefined || password === '') {
    throw new UsageError(pick(lang, { vi: 'cần mật khẩu: --password MK hoặc biến môi trường LOA_PASSWORD', en: 'needs a password: --password PW or the LOA_PASSWORD environment variable' }));
  }
  let base: string;
  if (values.url !== undefined) {
    if (!/^https?:\/\/[^/]+/.test(values.url)) throw new UsageError(pick(lang, { vi: `--url ${values.url}: cần dạng http://MÁY:CỔNG`, en: `--url ${values.url}: must look like http://HOST:PORT` }));
    base = values.url.replace(/\/+$/, '');
  } else {
    // The controller's public content address (its API is on the same server), else where it listens.
    try {
      base = bundleContentUrl(await loadControllerConfig(values.config));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return printConfigProblems(io, lang, err.problems);
    }
  }
  const to = `${target.kind}:${target.id}`;
  let token: string | undefined;
  try {
    token = String((await call(base, '/api/login', { user, password })).token);
    const ttl = values.ttl === undefined ? {} : { ttlSeconds: Number(values.ttl) };
    const answer =
      settings === undefined
        ? await call(base, '/api/commands', { target, action: body.action, args: body.args, ...ttl }, token)
        : await call(base, '/api/settings', { target, document: settings, ...ttl }, token);
    const sent = answer.sent as Sent[];
    const what = settings === undefined ? words.join(' ') : `set-config v${String(answer.version)}`;
    for (const s of sent) {
      io.stdout.write(
        pick(
          lang,
          s.delivered
            ? { vi: `Đã gửi lệnh "${what}" tới xe ${s.unitId} (số lệnh ${s.counter}).`, en: `Sent "${what}" to cart ${s.unitId} (command ${s.counter}).` }
            : { vi: `CHƯA gửi được lệnh "${what}" tới xe ${s.unitId}: máy chủ MQTT không nhận (lệnh ${s.counter} được ghi là chưa gửi).`, en: `Could NOT send "${what}" to cart ${s.unitId}: the MQTT broker did not take it (command ${s.counter} is recorded as unsent).` },
        ) + '\n',
      );
    }
    return sent.every((s) => s.delivered) ? 0 : 1;
  } catch (err) {
    if (err instanceof Unreachable) {
      io.stderr.write(
        pick(lang, {
          vi: `loa unit command: không liên lạc được với bộ điều khiển ở ${base} (${err.reason}): bộ điều khiển có đang chạy không (loa controller run)? Địa chỉ khác: --url. Chưa gửi lệnh nào.`,
          en: `loa unit command: cannot reach the controller at ${base} (${err.reason}): is it running (loa controller run)? Another address: --url. No command was sent.`,
        }) + '\n',
      );
      return 1;
    }
    if (err instanceof ApiRefusal) {
      io.stderr.write(`loa unit command: ${refusalText(lang, err, user, to)}\n`);
      return 1;
    }
    throw err;
  } finally {
    if (token !== undefined) await call(base, '/api/logout', {}, token).catch(() => undefined);
  }
}
