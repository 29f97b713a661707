/**
 * `loa unit …`: the cart's commands.
 *   loa unit run [--sim] [--config FILE] [--data DIR] [--speed N] [--pretty]   the cart program
 *   loa unit status [--json] [--data DIR]                                     what the running cart is doing
 *   loa unit press <play|next|vol-up|vol-down|stop> [--long] [--data DIR]      a simulated button (--sim carts)
 *   loa unit selftest [--sim] [--config FILE] [--data DIR] [--gnss-wait S]                 checklist of the cart's hardware
 *   loa unit relay off [--sim] [--config FILE] [--data DIR]                   the amplifier off, no cart running
 *                                                                             (systemd's ExecStartPre/ExecStopPost)
 *   loa unit command <action> --to unit:ID|team:ID|commune:ID --as USER        a signed command, through the
 *                                                                             running controller (unit-command.ts)
 *
 * Installed defaults (exported by the Debian package's /usr/bin/loa): LOA_DATA for --data, LOA_UNIT_CONFIG for the
 * cart's --config, LOA_CONTROLLER_CONFIG for `unit command`'s --config (the controller's file). An option wins.
 */
import { stat } from 'node:fs/promises';
import { ConfigError } from '../hardware/board/config-error.js';
import { loadCartConfigFor, type CartConfig } from '../device/config.js';
import { createHardware } from '../device/hardware.js';
import { createLoggerFactory } from '../device/logger.js';
import { formatSelftest, runSelftest } from '../device/selftest.js';
import { CartStartError, runCart } from '../device/cart-run.js';
import { releasesFromEnv } from '../device/update/wiring.js';
import { RelayOffError, switchRelayOff } from '../device/relay-off.js';
import { SystemdNotifier } from '../lib/systemd-notify.js';
import { energyLines, PLAYER_STATE_TEXT, settingsText, type CartStatus } from '../device/cart-status.js';
import { controlRequest } from '../device/control.js';
import { IdentityError } from '../device/identity.js';
import type { UplinkStats } from '../device/link/uplink.js';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { SerialLink } from '../hardware/serial/serial-link.js';
import { provision, ProvisionError, type ProvisionResult } from '../device/provision.js';
import { listenForBundle, sendBundle, type ProvisionAnswer } from '../device/provision-serial.js';
import { loopAround, TRIEU_SON_COMMUNES } from '../device/sim/places.js';
import { pick, type Lang, type Text } from './i18n.js';
import { choiceOf, journalPrefixFrom, logLevelFrom, parseCommand, printConfigProblems, untilStopSignal, UsageError, type CliIo, type GroupSpec } from './io.js';

const HELP: Text = {
  vi: `Cách dùng:
  loa unit run [--sim] [--config TỆP] [--data THƯ_MỤC] [--speed N] [--pretty] [--autoplay]
      chạy phần mềm xe loa (--sim: phần cứng mô phỏng, tự tạo danh sách phát thử nếu thư mục trống)
  loa unit status [--json] [--data THƯ_MỤC]      trạng thái xe đang chạy
  loa unit provision --bundle TỆP [--data THƯ_MỤC]       cài gói cấp phát của bộ điều khiển cho xe
  loa unit provision --bundle TỆP --serial CỔNG          gửi gói qua cáp USB tới xe đang chờ
  loa unit provision --listen CỔNG [--data THƯ_MỤC]      xe chờ nhận gói qua cáp USB
  loa unit press <play|next|vol-up|vol-down|stop> [--long] [--data THƯ_MỤC]   bấm nút mô phỏng
  loa unit selftest [--sim] [--config TỆP] [--data THƯ_MỤC] [--gnss-wait GIÂY] [--lang en]
      kiểm tra rơ-le, âm thanh, âm lượng, GNSS và bảng đo nguồn; mã thoát 0 khi tất cả đạt
      (bo mạch: theo gói cấp phát trong --data, trừ khi --config ghi hardware.profile)
  loa unit relay off [--sim] [--config TỆP] [--data THƯ_MỤC]
      tắt rơ-le bộ khuếch đại khi không có phần mềm xe nào chạy (dùng trong ExecStartPre/ExecStopPost của systemd)
  loa unit command <sync-now|stop|reboot|volume N|play MÃ_BẢN_TIN|set-config TỆP.json>
                   --to unit:MÃ|team:MÃ|commune:MÃ --as NGƯỜI_DUYỆT [--password MK] [--ttl GIÂY]
                   [--url http://MÁY_CHỦ:8080] [--config TỆP_CẤU_HÌNH_MÁY_CHỦ]
      gửi lệnh đã ký tới xe qua bộ điều khiển đang chạy (mật khẩu lấy từ --password hoặc LOA_PASSWORD;
      địa chỉ: --url, hoặc http.host/http.port trong cấu hình máy chủ)
  Mặc định từ biến môi trường (gói cài đặt đặt sẵn): LOA_DATA cho --data, LOA_UNIT_CONFIG cho --config của xe,
  LOA_CONTROLLER_CONFIG cho --config của "unit command"; tuỳ chọn ghi trên dòng lệnh được ưu tiên.`,
  en: `Usage:
  loa unit run [--sim] [--config FILE] [--data DIR] [--speed N] [--pretty] [--autoplay]
      run the cart (--sim: simulated hardware, and a test playlist made in an empty data folder)
  loa unit status [--json] [--data DIR]          what the running cart is doing
  loa unit provision --bundle FILE [--data DIR]  install the controller's provisioning bundle on this cart
  loa unit provision --bundle FILE --serial PORT send the bundle over a USB cable to a waiting cart
  loa unit provision --listen PORT [--data DIR]  wait for a bundle over a USB cable
  loa unit press <play|next|vol-up|vol-down|stop> [--long] [--data DIR]   press a simulated button
  loa unit selftest [--sim] [--config FILE] [--data DIR] [--gnss-wait SECONDS] [--lang en]
      checks the relay, audio, volume, GNSS and the power board; exit code 0 only when all pass
      (the board: the one the provisioning bundle in --data names, unless --config sets hardware.profile)
  loa unit relay off [--sim] [--config FILE] [--data DIR]
      switch the amplifier relay off with no cart program running (systemd's ExecStartPre/ExecStopPost)
  loa unit command <sync-now|stop|reboot|volume N|play CLIP_ID|set-config FILE.json>
                   --to unit:ID|team:ID|commune:ID --as APPROVER [--password PW] [--ttl SECONDS]
                   [--url http://SERVER:8080] [--config CONTROLLER_CONFIG_FILE]
      send signed commands to carts through the running controller (password from --password or LOA_PASSWORD;
      address: --url, else http.host/http.port of the controller's configuration)
  Defaults from the environment (set by the installed package): LOA_DATA for --data, LOA_UNIT_CONFIG for the cart's
  --config, LOA_CONTROLLER_CONFIG for the --config of "unit command"; an option on the command line wins.`,
};

const BUTTONS = ['play', 'next', 'vol-up', 'vol-down', 'stop'] as const;

export const unitSpec = {
  name: 'unit',
  help: HELP,
  options: {
    sim: { type: 'boolean' },
    config: { type: 'string' },
    'gnss-wait': { type: 'string', number: { min: 0, max: 3600, aboveMin: true } },
    data: { type: 'string' },
    speed: { type: 'string', number: { min: 0, max: 1000, aboveMin: true } },
    pretty: { type: 'boolean' },
    json: { type: 'boolean' },
    long: { type: 'boolean' },
    autoplay: { type: 'boolean' },
    bundle: { type: 'string' },
    serial: { type: 'string' },
    listen: { type: 'string' },
    to: { type: 'string' },
    as: { type: 'string' },
    password: { type: 'string' },
    ttl: { type: 'string', number: { min: 1, max: 7 * 86_400, integer: true } },
    url: { type: 'string' },
  },
  commands: [
    { name: 'run', options: ['sim', 'config', 'data', 'speed', 'pretty', 'autoplay'], args: 0 },
    { name: 'status', options: ['json', 'data'], args: 0 },
    { name: 'provision', options: ['bundle', 'data', 'serial', 'listen'], args: 0 },
    { name: 'press', options: ['long', 'data'], args: 1 },
    { name: 'selftest', options: ['sim', 'config', 'data', 'gnss-wait'], args: 0 },
    { name: 'relay', options: ['sim', 'config', 'data'], args: 1 },
    { name: 'command', options: ['to', 'as', 'password', 'ttl', 'url', 'config'], args: 3 },
  ],
} as const satisfies GroupSpec;

export async function runUnit(argv: string[], io: CliIo, lang: Lang): Promise<number> {
  const { command, args, values, help } = parseCommand(unitSpec, argv, lang);
  if (help || command === undefined) {
    io.stdout.write(pick(lang, HELP) + '\n');
    return help ? 0 : 2;
  }
  const dataDir = values.data ?? io.env.LOA_DATA ?? 'data/unit';
  // The cart's configuration file; `unit command` takes the controller's instead (read there).
  const config = values.config ?? (io.env.LOA_UNIT_CONFIG || undefined);
  switch (command.name) {
    case 'run':
      return run(io, lang, { dataDir, sim: values.sim, config, speed: values.speed === undefined ? 1 : Number(values.speed), pretty: values.pretty, autoplay: values.autoplay });
    case 'status':
      return status(io, lang, dataDir, values.json);
    case 'press':
      return press(io, lang, dataDir, args[0], values.long);
    case 'provision':
      return provisionCommand(io, lang, dataDir, values.bundle, values.serial, values.listen);
    case 'selftest':
      return selftest(io, lang, dataDir, values.sim, config, values['gnss-wait']);
    case 'relay':
      return relayOff(io, lang, dataDir, args[0], values.sim, config);
    case 'command': {
      // Office code, loaded only for this command: the cart's own commands never load the controller's.
      const { sendUnitCommand } = await import('./unit-command.js');
      return sendUnitCommand(io, lang, args, { ...values, config: values.config ?? (io.env.LOA_CONTROLLER_CONFIG || undefined) });
    }
    default:
      throw new UsageError(pick(lang, { vi: `không có lệnh "${command.name}" (xem loa unit --help)`, en: `no command "${command.name}" (see loa unit --help)` }));
  }
}

/** The cart's configuration, or the exit code after its problems were printed (a configuration mistake: 2). */
async function cartConfigOrExit(io: CliIo, lang: Lang, dataDir: string, configFile: string | undefined, sim: boolean): Promise<CartConfig | number> {
  try {
    return await loadCartConfigFor(dataDir, configFile, { simulate: sim });
  } catch (err) {
    if (err instanceof ConfigError) return printConfigProblems(io, lang, err.problems);
    throw err;
  }
}

async function selftest(io: CliIo, lang: Lang, dataDir: string, sim: boolean, configFile: string | undefined, gnssWait: string | undefined): Promise<number> {
  const config = await cartConfigOrExit(io, lang, dataDir, configFile, sim);
  if (typeof config === 'number') return config;
  const waitS = gnssWait === undefined ? (config.hardware.simulate ? 5 : 90) : Number(gnssWait);
  const logger = createLoggerFactory({ out: io.stderr, level: 'warn', pretty: true });
  const hw = await createHardware(config.hardware, { logger, route: loopAround(TRIEU_SON_COMMUNES[0]!) });
  const lines = await runSelftest(hw, { gnssWaitMs: waitS * 1000, audioWaitMs: 10_000 });
  const heading = config.hardware.simulate
    ? { vi: `Tự kiểm tra xe loa — bo mạch ${config.hardware.profile}, PHẦN CỨNG MÔ PHỎNG`, en: `Cart self-test — board ${config.hardware.profile}, SIMULATED hardware` }
    : { vi: `Tự kiểm tra xe loa — bo mạch ${config.hardware.profile}`, en: `Cart self-test — board ${config.hardware.profile}` };
  io.stdout.write(formatSelftest(lines, lang, heading) + '\n');
  return lines.every((l) => l.ok) ? 0 : 1;
}

/**
 * `loa unit relay off`: the amplifier off, with no cart program running and no data lock taken (a crashed cart may
 * still hold it). Exit 0 when off (or nothing to switch), 1 when the GPIO line cannot be driven.
 */
async function relayOff(io: CliIo, lang: Lang, dataDir: string, word: string | undefined, sim: boolean, configFile: string | undefined): Promise<number> {
  if (word === undefined) throw new UsageError(pick(lang, { vi: 'cần: relay off', en: 'needs: relay off' }));
  choiceOf(lang, 'relay', word, ['off']);
  const config = await cartConfigOrExit(io, lang, dataDir, configFile, sim);
  if (typeof config === 'number') return config;
  try {
    const done = await switchRelayOff(config.hardware);
    io.stdout.write(
      pick(
        lang,
        done.simulated
          ? { vi: 'Cấu hình dùng phần cứng mô phỏng: không có rơ-le thật để tắt.', en: 'The configuration uses simulated hardware: there is no real relay to switch off.' }
          : { vi: `Đã tắt rơ-le bộ khuếch đại (BCM ${done.pin}${done.activeLow ? ', kích mức thấp' : ''}).`, en: `Amplifier relay switched off (BCM ${done.pin}${done.activeLow ? ', active-low' : ''}).` },
      ) + '\n',
    );
    return 0;
  } catch (err) {
    if (!(err instanceof RelayOffError)) throw err;
    const detail = err.cause instanceof Error ? err.cause.message : String(err.cause);
    io.stderr.write(
      pick(lang, {
        vi: `loa unit relay off: không tắt được rơ-le trên chân BCM ${err.pin}: kiểm tra người dùng có trong nhóm "gpio" và relay.pin trong cấu hình. ${detail}`,
        en: `loa unit relay off: cannot switch the relay off on BCM ${err.pin}: check that the user is in the "gpio" group and relay.pin in the configuration. ${detail}`,
      }) + '\n',
    );
    return 1;
  }
}

async function run(io: CliIo, lang: Lang, o: { dataDir: string; sim: boolean; config: string | undefined; speed: number; pretty: boolean; autoplay: boolean }): Promise<number> {
  const notFolder = await stat(o.dataDir).then((s) => !s.isDirectory(), () => false);
  if (notFolder) {
    io.stderr.write(pick(lang, { vi: `loa unit run: ${o.dataDir} là một tệp, không phải thư mục dữ liệu (--data THƯ_MỤC)`, en: `loa unit run: ${o.dataDir} is a file, not a data folder (--data DIR)` }) + '\n');
    return 1;
  }
  const logger = createLoggerFactory({ out: io.stdout, pretty: o.pretty, level: logLevelFrom(io.env), syslogPrefix: journalPrefixFrom(io.env, o.pretty) });
  const systemd = new SystemdNotifier({ env: io.env, log: (m) => logger('loa:unit:systemd').warn(m) });
  let running;
  try {
    running = await runCart({ dataDir: o.dataDir, ...(o.config ? { configFile: o.config } : {}), simulate: o.sim, speed: o.speed, logger, ...releasesFromEnv(io.env) });
  } catch (err) {
    if (err instanceof ConfigError) return printConfigProblems(io, lang, err.problems);
    if (err instanceof CartStartError || err instanceof IdentityError) {
      io.stderr.write(`loa unit run: ${err instanceof CartStartError ? pick(lang, err.text) : err.message}\n`);
      return 1;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined || !/^E[A-Z]+$/.test(code)) throw err;
    io.stderr.write(pick(lang, { vi: `loa unit run: không khởi động được xe (${(err as Error).message})`, en: `loa unit run: the cart cannot start (${(err as Error).message})` }) + '\n');
    return 1;
  }
  io.stderr.write(
    pick(lang, {
      vi: `Xe ${running.identity.unitName} đang chạy${o.sim ? ' (mô phỏng)' : ''}. Dữ liệu: ${o.dataDir}. Xem trạng thái: loa unit status --data ${o.dataDir}. Ctrl-C để dừng.`,
      en: `Cart ${running.identity.unitName} running${o.sim ? ' (simulated)' : ''}. Data: ${o.dataDir}. Status: loa unit status --data ${o.dataDir}. Ctrl-C stops it.`,
    }) + '\n',
  );
  // --autoplay: start a session as a schedule would (the policy still decides), so `npm start` is heard at once.
  if (o.autoplay) running.cart.player.playPause('schedule');
  // Ready only now: the store is open, the relay off, the player ready and the control socket listening.
  systemd.ready(pick(lang, { vi: `Xe ${running.identity.unitName} đang chạy${o.sim ? ' (mô phỏng)' : ''}`, en: `Cart ${running.identity.unitName} running${o.sim ? ' (simulated)' : ''}` }));
  systemd.startWatchdog();
  const release = await untilStopSignal();
  systemd.stopping();
  try {
    await running.stop();
  } finally {
    systemd.close();
    release();
  }
  return 0;
}

async function ask(io: CliIo, lang: Lang, dataDir: string, request: Parameters<typeof controlRequest>[1]): Promise<unknown> {
  try {
    const answer = await controlRequest(join(dataDir, 'control.sock'), request);
    if (!answer.ok) {
      io.stderr.write(`loa unit: ${answer.text === undefined ? answer.error : pick(lang, answer.text)}\n`);
      return undefined;
    }
    return answer.result;
  } catch (err) {
    const notRunning = ['LOA_NOT_RUNNING', 'ENOENT', 'ECONNREFUSED', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');
    io.stderr.write(
      pick(
        lang,
        notRunning
          ? { vi: `loa unit: không có xe nào đang chạy với thư mục dữ liệu ${dataDir}. Xe có đang chạy (loa unit run --data ${dataDir}) không?`, en: `loa unit: no cart is running with the data folder ${dataDir}. Is a cart running (loa unit run --data ${dataDir})?` }
          : { vi: `loa unit: không liên lạc được với xe đang chạy (${(err as Error).message}). Xe có đang chạy với --data ${dataDir} không?`, en: `loa unit: cannot reach the running cart (${(err as Error).message}). Is a cart running with --data ${dataDir}?` },
      ) + '\n',
    );
    return undefined;
  }
}

/** The uplink's counters in words: what went out, what came back, what was refused. */
export function linkWords(lang: Lang, stats: UplinkStats | undefined): string {
  if (stats === undefined) return pick(lang, { vi: 'đã cấu hình, chưa kết nối lần nào', en: 'configured, not connected yet' });
  const kb = (stats.bytesSent / 1024).toFixed(1);
  const parts = [
    pick(lang, {
      vi: `đã gửi ${stats.framesSent} khung (${kb} kB), ${stats.recordsSent} bản ghi (huyện đã nhận ${stats.recordsAcked}, gửi lại ${stats.recordsResent})`,
      en: `sent ${stats.framesSent} frames (${kb} kB), ${stats.recordsSent} records (${stats.recordsAcked} acknowledged, ${stats.recordsResent} resent)`,
    }),
    pick(lang, {
      vi: `nhận ${stats.framesReceived} khung (lệnh đã làm: ${stats.commandsObeyed}, thông báo danh sách phát: ${stats.announcements})`,
      en: `received ${stats.framesReceived} frames (commands obeyed: ${stats.commandsObeyed}, playlist announcements: ${stats.announcements})`,
    }),
  ];
  if (stats.sendFailures > 0) parts.push(pick(lang, { vi: `gửi lỗi ${stats.sendFailures} lần`, en: `${stats.sendFailures} failed sends` }));
  if (stats.oversizeSkipped > 0) parts.push(pick(lang, { vi: `${stats.oversizeSkipped} bản ghi quá lớn đang chờ`, en: `${stats.oversizeSkipped} records too big, waiting` }));
  const refused = Object.entries(stats.refused).filter(([, n]) => n > 0);
  if (refused.length > 0) parts.push(`${pick(lang, { vi: 'từ chối', en: 'refused' })}: ${refused.map(([reason, n]) => `${reason} ${n}`).join(', ')}`);
  return parts.join('; ');
}

async function status(io: CliIo, lang: Lang, dataDir: string, json: boolean): Promise<number> {
  const s = (await ask(io, lang, dataDir, { cmd: 'status' })) as CartStatus | undefined;
  if (s === undefined) return 1;
  if (json) {
    io.stdout.write(JSON.stringify(s, null, 2) + '\n');
    return 0;
  }
  const line = (label: Text, value: string): string => `${pick(lang, label).padEnd(14)} ${value}`;
  const state: Text | undefined = (PLAYER_STATE_TEXT as Partial<Record<string, Text>>)[s.state];
  const out = [
    line({ vi: 'Xe', en: 'Cart' }, `${s.unit} (${s.commune})${s.simulated ? pick(lang, { vi: ' — mô phỏng', en: ' — simulated' }) : ''}`),
    line({ vi: 'Trạng thái', en: 'State' }, (state === undefined ? s.state : pick(lang, state)) + (s.clip ? ` — ${s.clip.title}` : '')),
    ...(s.blocked.length ? [line({ vi: 'Lý do chặn', en: 'Blocked by' }, s.blocked.map((b) => b[lang]).join('; '))] : []),
    line({ vi: 'Âm lượng', en: 'Volume' }, `${s.volume} %`),
    line({ vi: 'Rơ-le', en: 'Relay' }, s.relay === null ? '?' : s.relay ? pick(lang, { vi: 'bật', en: 'on' }) : pick(lang, { vi: 'tắt', en: 'off' })),
    line({ vi: 'Ắc quy', en: 'Battery' }, s.battery ? `${(s.battery.mv / 1000).toFixed(2)} V, ~${s.battery.soc} %, ${pick(lang, { vi: 'pin mặt trời', en: 'solar' })} ${(s.battery.solarMv / 1000).toFixed(1)} V` : '—'),
    ...(s.energy ? energyLines(s.energy).map(([label, value]) => line(label, pick(lang, value))) : []),
    line({ vi: 'Vị trí', en: 'Position' }, s.position ? `${s.position.lat.toFixed(5)}, ${s.position.lon.toFixed(5)}` : pick(lang, { vi: 'chưa có', en: 'none yet' })),
    line({ vi: 'Kết nối', en: 'Link' }, s.link.configured ? linkWords(lang, s.link.stats) : pick(lang, { vi: 'không cấu hình', en: 'not configured' })),
    line({ vi: 'Chờ gửi', en: 'Outbox' }, `${s.outbox.depth}${s.outbox.lost ? ` (${pick(lang, { vi: 'đã mất', en: 'lost' })} ${s.outbox.lost})` : ''}`),
    line({ vi: 'Danh sách phát', en: 'Playlist' }, s.manifest ? `v${s.manifest.version}, ${s.manifest.playable}/${s.manifest.clips}` : pick(lang, { vi: 'chưa có', en: 'none' })),
    line({ vi: 'Cài đặt', en: 'Settings' }, pick(lang, settingsText(s.settings))),
    ...(s.sync && s.sync.targetVersion !== null
      ? [line({ vi: 'Đồng bộ', en: 'Sync' }, `→ v${s.sync.targetVersion}: ${s.sync.clipsMissing} ${pick(lang, { vi: 'bản tin, còn', en: 'clips,' })} ${Math.ceil(s.sync.bytesToGo / 1024)} kB${s.sync.lastError ? ` (${s.sync.lastError})` : ''}`)]
      : []),
    ...(s.led ? [line({ vi: 'Đèn báo', en: 'Status LED' }, s.led)] : []),
    ...(s.faults.length ? [line({ vi: 'Lỗi', en: 'Faults' }, s.faults.join(', '))] : []),
    ...(s.lastError ? [line({ vi: 'Lỗi gần nhất', en: 'Last error' }, s.lastError)] : []),
  ];
  io.stdout.write(out.join('\n') + '\n');
  return 0;
}

async function press(io: CliIo, lang: Lang, dataDir: string, button: string | undefined, long: boolean): Promise<number> {
  if (button === undefined) throw new UsageError(pick(lang, { vi: `cần tên nút: ${BUTTONS.join(', ')}`, en: `which button: ${BUTTONS.join(', ')}` }));
  choiceOf(lang, pick(lang, { vi: 'nút', en: 'button' }), button, BUTTONS);
  const r = await ask(io, lang, dataDir, { cmd: 'press', button, long });
  return r === undefined ? 1 : 0;
}

function printProvisioned(io: CliIo, lang: Lang, r: ProvisionResult, dataDir: string): void {
  io.stdout.write(
    [
      pick(lang, { vi: r.again ? 'Đã cấp phát lại xe (giữ nguyên dữ liệu đã ghi):' : 'Đã cấp phát xe:', en: r.again ? 'Cart provisioned again (its records are kept):' : 'Cart provisioned:' }),
      `  ${pick(lang, { vi: 'xe', en: 'unit' })}: ${r.unitName} (#${r.unitNumber}), ${pick(lang, { vi: 'huyện', en: 'district' })} ${r.district}, ${pick(lang, { vi: 'xã', en: 'commune' })} ${r.commune}, ${pick(lang, { vi: 'tổ', en: 'team' })} ${r.team}`,
      `  broker: ${r.broker ?? '—'}; ${pick(lang, { vi: 'máy chủ nội dung', en: 'content server' })}: ${r.contentUrl ?? '—'}; ${pick(lang, { vi: 'bo mạch', en: 'board' })}: ${r.profile}`,
      `  ${pick(lang, { vi: 'thư mục dữ liệu', en: 'data folder' })}: ${dataDir}`,
    ].join('\n') + '\n',
  );
}

/** Opens the provisioning cable. serialport (a native binding) is loaded here, not by every `loa unit` command. */
async function openCable(path: string): Promise<SerialLink> {
  const { SerialPortLink } = await import('../hardware/serial/serialport-link.js');
  const link = new SerialPortLink({ path, baudRate: 115_200 });
  await link.open();
  return link;
}

async function provisionCommand(io: CliIo, lang: Lang, dataDir: string, bundle: string | undefined, serial: string | undefined, listen: string | undefined): Promise<number> {
  const refuse = (err: unknown): number => {
    io.stderr.write(`loa unit provision: ${(err as Error).message}\n`);
    return 1;
  };
  if (listen !== undefined) {
    const link = await openCable(listen);
    io.stderr.write(pick(lang, { vi: `Đang chờ gói cấp phát trên ${listen}…`, en: `Waiting for a provisioning bundle on ${listen}…` }) + '\n');
    try {
      const answer = await listenForBundle(link, dataDir);
      if (!answer.ok) return refuse(new Error(answer.message));
      printProvisioned(io, lang, answer.result, dataDir);
      return 0;
    } catch (err) {
      return refuse(err);
    } finally {
      await link.close();
    }
  }
  if (bundle === undefined) throw new UsageError(pick(lang, { vi: 'cần --bundle TỆP (hoặc --listen CỔNG)', en: '--bundle FILE (or --listen PORT) is required' }));
  let bytes: Buffer;
  try {
    bytes = await readFile(bundle);
  } catch (err) {
    return refuse(new Error(`${bundle}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`));
  }
  if (serial !== undefined) {
    const link = await openCable(serial);
    try {
      const answer: ProvisionAnswer = await sendBundle(link, bytes);
      if (!answer.ok) return refuse(new Error(`${pick(lang, { vi: 'xe từ chối', en: 'the cart refused' })}: ${answer.message}`));
      printProvisioned(io, lang, answer.result, pick(lang, { vi: '(trên xe)', en: '(on the cart)' }));
      return 0;
    } catch (err) {
      return refuse(err);
    } finally {
      await link.close();
    }
  }
  try {
    printProvisioned(io, lang, await provision(dataDir, bytes), dataDir);
    return 0;
  } catch (err) {
    if (err instanceof ProvisionError) return refuse(err);
    throw err;
  }
}
