/**
 * `loa demo` (= `npm start`): a district at work on one machine. The district controller runs on its embedded
 * defaults (embedded broker, SQLite, a district key); a demo approver and submitter are created; carts are registered
 * for real communes of Triệu Sơn (approximate centres) and provisioned through the technician's path (bundle →
 * `provision`); demo clips are made (Vietnamese speech when espeak-ng and sox are present, tones otherwise),
 * approved and published as a signed manifest. Each cart then runs as its own `loa unit run --sim` process: it
 * syncs the manifest over HTTP, drives a route around its commune, plays at stops (the demo presses play for the
 * team), runs its battery down and charges it in the sun, and reports over MQTT. One cart loses its link for a while
 * and comes back with its backlog.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeToneWav } from '../../hardware/audio/wav.js';
import { unitBundle } from '../../controller/app/bundle.js';
import { validateControllerConfig } from '../../controller/app/config.js';
import { DistrictController } from '../../controller/app/controller.js';
import { listUnitStates } from '../../controller/fleet/unit-state.js';
import { silentLogger } from '../../controller/logger.js';
import type { Actor } from '../../controller/users/roles.js';
import { PLAYER_STATE_TEXT } from '../../device/cart-status.js';
import { provision } from '../../device/provision.js';
import { TRIEU_SON_COMMUNES } from '../../device/sim/places.js';
import { CartProcess } from './cart-process.js';
import { prepareDemoFolder } from './data-folder.js';
import { LinkCut } from './link-cut.js';

export interface DemoOptions {
  /** Created when missing; an existing folder must be empty or one the demo made (it is cleared), else refused. */
  dataDir: string;
  carts: number;
  /** Simulated time runs this many times faster on the carts. */
  speed: number;
  /** Stop after this many seconds (undefined: until stopped). */
  durationS?: number;
  /** Print a live line per cart every so often (ms); 0 = quiet. */
  liveEveryMs: number;
  out: (line: string) => void;
  /** The compiled `loa` entry point the carts run. */
  loaBin: string;
  lang: 'vi' | 'en';
}

export interface DemoRun {
  controller: DistrictController;
  carts: { name: string; dataDir: string; process: CartProcess }[];
  /** The cart that loses its link for a while. */
  offlineCart: string;
  approvedClips: string[];
  unapprovedClip: string;
  stopped: Promise<void>;
  stop(): Promise<void>;
}

const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

const SPEECH = [
  { title: 'Cảnh giác lừa đảo qua mạng', text: 'Bà con chú ý. Không chuyển tiền cho người lạ gọi điện tự xưng là công an. Hãy báo ngay cho công an xã.' },
  { title: 'Phòng chống cháy rừng mùa khô', text: 'Mùa khô đã đến. Bà con không đốt nương, không dùng lửa gần rừng. Khi thấy cháy, báo ngay cho chính quyền.' },
  { title: 'An toàn giao thông cho học sinh', text: 'Phụ huynh nhắc con em đội mũ bảo hiểm khi đi xe máy, không đi hàng ba, không đùa nghịch trên đường.' },
];

async function makeClips(controller: DistrictController, dir: string, submitter: Actor, approver: Actor): Promise<{ approved: string[]; unapproved: string }> {
  const speech = has('espeak-ng') && has('sox');
  const approved: string[] = [];
  for (const [i, s] of SPEECH.entries()) {
    let file;
    if (speech) file = await controller.library.addSpeech(s.text);
    else {
      const wav = join(dir, `tone-${i}.wav`);
      await writeToneWav(wav, { frequency: 440 + 220 * i, seconds: 6 + 2 * i, amplitude: 0.3 });
      file = await controller.library.addFile(wav);
    }
    const clip = await controller.workflow.submit(submitter, file, { title: s.title, summary: s.text, language: 'vi', category: 'an-ninh', priority: 'ordinary', targets: [], validFrom: 0, validUntil: 0 }, speech ? 'tts' : 'tone');
    await controller.workflow.approve(approver, clip.id);
    approved.push(clip.id);
  }
  // Submitted but never approved: it must never sound from a cart.
  const wav = join(dir, 'unapproved.wav');
  await writeToneWav(wav, { frequency: 1500, seconds: 3, amplitude: 0.3 });
  const pending = await controller.workflow.submit(
    submitter,
    await controller.library.addFile(wav),
    { title: 'Bản tin chưa duyệt', summary: 'chưa được phê duyệt', language: 'vi', category: 'khac', priority: 'ordinary', targets: [], validFrom: 0, validUntil: 0 },
    'tone',
  );
  return { approved, unapproved: pending.id };
}

/**
 * The teams' work besides the cart, so that the console's Hoạt động, Sơ kết and Khen thưởng pages show something:
 * two members per team, an evening of oral propaganda the board has confirmed and a meeting still waiting for it.
 */
async function seedBoard(controller: DistrictController, communes: readonly { id: string; name: string }[], submitter: Actor, approver: Actor): Promise<void> {
  const { activities, training } = controller.board;
  const now = Math.floor(Date.now() / 1000);
  const day = (secondsAgo: number): string => new Date((now - secondsAgo + 7 * 3600) * 1000).toISOString().slice(0, 10);
  for (const [i, place] of communes.entries()) {
    const leader = await controller.registry.addMember({ team: place.id, name: `Nguyễn Văn ${String.fromCharCode(65 + i)}`, role: 'leader' });
    const member = await controller.registry.addMember({ team: place.id, name: `Lê Thị ${String.fromCharCode(65 + i)}` });
    await training.add(submitter, { member: member.id, course: 'Tập huấn kỹ năng tuyên truyền miệng', day: day(7 * 86_400) });
    const oral = await activities.record(submitter, {
      kind: 'oral', at: now - 86_400, commune: place.id, team: place.id, place: 'Thôn 1', members: [leader.id, member.id], peopleReached: 60 + 10 * i,
      note: 'Tuyên truyền phòng chống lừa đảo qua mạng tại nhà văn hoá thôn',
    });
    await activities.confirm(approver, oral.id);
    await activities.record(submitter, { kind: 'meeting', at: now - 3600, commune: place.id, team: place.id, place: 'Thôn 2', members: [leader.id], peopleReached: 35, note: 'Họp tổ, phân công lịch phát thanh tuần tới' });
  }
}

export async function startDemo(o: DemoOptions): Promise<DemoRun> {
  const root = resolve(o.dataDir);
  await prepareDemoFolder(root, o.lang);
  await mkdir(join(root, 'carts'), { recursive: true });
  const config = validateControllerConfig({ dataDir: join(root, 'controller'), broker: { embedded: { port: 0 } }, http: { port: 0 } });
  const controller = new DistrictController({ config, logger: () => silentLogger });
  await controller.start();
  const say = (vi: string, en: string): void => o.out(o.lang === 'en' ? en : vi);

  const approver: Actor = { name: 'demo-duyet', role: 'approver' };
  const submitter: Actor = { name: 'demo-gui', role: 'submitter' };
  await controller.users.add({ name: approver.name, role: approver.role, password: 'demo-duyet-2026' });
  await controller.users.add({ name: submitter.name, role: submitter.role, password: 'demo-gui-2026' });

  const clips = await makeClips(controller, root, submitter, approver);
  await controller.publisher.publish();

  const brokerPort = Number(new URL(controller.brokerUrl).port);
  const communes = TRIEU_SON_COMMUNES.slice(0, Math.max(1, Math.min(o.carts, TRIEU_SON_COMMUNES.length)));
  const cut = new LinkCut('127.0.0.1', brokerPort);
  await cut.start();
  const offlineCart = `${communes[communes.length - 1]!.id}-01`;
  const cartConfig = join(root, 'cart-config.json');
  // The demo broadcasts at any hour so that it shows something whenever it is started; real carts keep the hours.
  // Its carts count broadcast time on their sped-up clock, so a whole day's allowance (24 h) goes in 24 minutes at
  // ×60: the daily maximum is set as high as it goes, as the hours are (the session limit still shows, every 45 s).
  await writeFile(
    cartConfig,
    JSON.stringify({ player: { warmupMs: 800, tailMs: 400 }, policy: { allowedHours: [{ from: '00:00', to: '24:00' }], maxDailyMinutes: 1440 }, link: { telemetryPeriodMs: 2000 } }),
  );

  const carts: DemoRun['carts'] = [];
  for (const place of communes) {
    await controller.registry.addCommune({ id: place.id, name: place.name, lat: place.lat, lon: place.lon });
    await controller.registry.addTeam({ id: place.id, commune: place.id, name: `Tổ tuyên truyền ${place.name}` });
    const name = `${place.id}-01`;
    const cred = await controller.registry.addUnit({ id: name, commune: place.id, team: place.id, profile: 'pi-zero-2w' });
    const brokerUrl = name === offlineCart ? `mqtt://127.0.0.1:${cut.port}` : controller.brokerUrl;
    const bundle = unitBundle(cred.unit, {
      district: config.district.id,
      password: cred.password,
      districtKeys: [controller.districtPublicKeyHex],
      brokerUrl,
      contentUrl: controller.httpUrl,
    });
    const dataDir = join(root, 'carts', name);
    await provision(dataDir, JSON.stringify(bundle));
    carts.push({ name, dataDir, process: new CartProcess({ name, dataDir, configFile: cartConfig, speed: o.speed, loaBin: o.loaBin, lang: o.lang }) });
  }
  await seedBoard(controller, communes, submitter, approver);
  await Promise.all(carts.map((c) => c.process.start()));

  say(
    `Trang điều khiển cho cán bộ: ${controller.httpUrl}/ — đăng nhập ${approver.name} / demo-duyet-2026 (duyệt bản tin), ${submitter.name} / demo-gui-2026 (gửi bản tin)\n` +
      `Khu vực ${config.scope.name}: máy chủ ${controller.httpUrl} (API: ${controller.httpUrl}/api/openapi.json), broker ${controller.brokerUrl}\nDữ liệu: ${root} (controller/, carts/<xe>/)\n${carts.length} xe loa mô phỏng, tốc độ ×${o.speed}; xe ${offlineCart} sẽ mất kết nối một lúc. Ctrl-C để dừng.`,
    `Officers' console: ${controller.httpUrl}/ — log in as ${approver.name} / demo-duyet-2026 (approves clips) or ${submitter.name} / demo-gui-2026 (submits clips)\n` +
      `Area ${config.scope.name}: server ${controller.httpUrl} (API: ${controller.httpUrl}/api/openapi.json), broker ${controller.brokerUrl}\nData: ${root} (controller/, carts/<unit>/)\n${carts.length} simulated carts, speed ×${o.speed}; cart ${offlineCart} will lose its link for a while. Ctrl-C stops.`,
  );

  // The teams: press play on a cart standing idle, now and then, as they would at a stop in a village.
  const timers: ReturnType<typeof setInterval>[] = [];
  timers.push(
    setInterval(() => {
      for (const c of carts) {
        void c.process.status().then((s) => (s?.state === 'idle' && Math.random() < 0.5 ? c.process.press('play') : undefined));
      }
    }, 3000),
  );
  const started = Date.now();
  const durationMs = (o.durationS ?? 600) * 1000;
  const cutAt = started + durationMs * 0.2;
  const restoreAt = started + durationMs * 0.5;
  timers.push(
    setInterval(() => {
      const now = Date.now();
      if (!cut.down && now >= cutAt && now < restoreAt) {
        cut.cut();
        say(`— xe ${offlineCart} mất kết nối —`, `— cart ${offlineCart} lost its link —`);
      } else if (cut.down && now >= restoreAt) {
        cut.restore();
        say(`— xe ${offlineCart} có kết nối trở lại, gửi phần tồn đọng —`, `— cart ${offlineCart} is back, sending its backlog —`);
      }
    }, 500),
  );
  if (o.liveEveryMs > 0) {
    timers.push(setInterval(() => void printLive(controller, carts, o).catch(() => undefined), o.liveEveryMs));
  }

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const t of timers) clearInterval(t);
      cut.restore();
      // Let the carts deliver what they hold (a long press ends their sessions first), for up to 20 s.
      await Promise.all(carts.map((c) => c.process.press('stop', true)));
      await drain(carts, 20_000);
      await Promise.all(carts.map((c) => c.process.stop()));
      await cut.stop();
      await controller.stop();
      say('Đã dừng: mọi xe đã tắt rơ-le khuếch đại.', 'Stopped: every cart switched its amplifier relay off.');
      resolveStopped();
    })();
    return stopping;
  };
  if (o.durationS !== undefined) setTimeout(() => void stop(), durationMs).unref();
  return { controller, carts, offlineCart, approvedClips: clips.approved, unapprovedClip: clips.unapproved, stopped, stop };
}

/** Waits until every cart's outbox is empty (all its records acknowledged by the district), or the time is up. */
async function drain(carts: DemoRun['carts'], ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const depths = await Promise.all(carts.map(async (c) => (await c.process.status())?.outbox.depth ?? 0));
    if (depths.every((d) => d === 0)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function printLive(controller: DistrictController, carts: DemoRun['carts'], o: DemoOptions): Promise<void> {
  const states = await listUnitStates(controller.db, { now: Math.floor(Date.now() / 1000), staleAfterSeconds: 30 });
  const byId = new Map(states.map((s) => [s.unitId, s]));
  const lines: string[] = [];
  for (const c of carts) {
    const s = await c.process.status();
    const d = byId.get(c.name);
    const clip = s?.clip?.title ?? '—';
    const battery = s?.battery ?? null;
    const pos = s?.position ?? null;
    const seen = d?.lastSeen ? `${Math.max(0, Math.floor(Date.now() / 1000) - d.lastSeen)} s` : '—';
    const state = s ? PLAYER_STATE_TEXT[s.state][o.lang] : o.lang === 'en' ? 'stopped' : 'dừng';
    lines.push(
      `${c.name.padEnd(18)} ${state.padEnd(20)} ${clip.slice(0, 28).padEnd(28)} ${battery ? `${battery.soc}% ${(battery.mv / 1000).toFixed(2)}V` : '—'.padEnd(11)} ${pos ? `${pos.lat.toFixed(4)},${pos.lon.toFixed(4)}` : '—'} ${o.lang === 'en' ? 'seen' : 'tin cuối'} ${seen} ${d?.online ? '●' : '○'}`,
    );
  }
  o.out(lines.join('\n') + '\n');
}
