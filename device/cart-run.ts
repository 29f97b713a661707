/**
 * `loa unit run`: the cart's composition root. Chooses real or simulated parts once, from the configuration and
 * `--sim`, builds them, starts the cart and the local control socket, and stops everything (relay off) on SIGINT /
 * SIGTERM.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { clipUtf8 } from '../lib/utf8.js';
import { MAX_DETAIL } from '../protocol/index.js';
import type { Cart } from './cart.js';
import { composeCart } from './features/compose.js';
import { CueSet } from './content/cues.js';
import type { CartConfig } from './config.js';
import { ClipCache } from './content/cache.js';
import { ControlError, ControlServer } from './control.js';
import { DataLock, DataLockedError } from './data-lock.js';
import { createHardware } from './hardware.js';
import { identityToJson, loadIdentity, saveIdentity, type CartIdentity } from './identity.js';
import type { LinkTransport } from './link/transport.js';
import { Uplink } from './link/uplink.js';
import { ContentSync } from './sync/sync.js';
import { CartClock } from './logic/clock.js';
import { systemClockSynchronised } from './logic/system-clock.js';
import type { LoggerFactory } from './logger.js';
import { ensureSimulationSetup } from './sim/sim-content.js';
import { loopAround, TRIEU_SON_COMMUNES } from './sim/places.js';
import { CartStore, nextBootCounter } from './store/index.js';
import type { Text } from './text.js';
import { ownVersion } from './update/releases.js';
import { SoftwareUpdates, type SoftwareUpdateOptions } from './update/wiring.js';
import { HelloWatch } from './update/health.js';
import { loadCartConfigWithSettings, type RemoteSettings } from './update/settings.js';

/** This program's version, from its own package.json: a release reports its real version in its hello. */
export const FIRMWARE_VERSION = ownVersion(import.meta.url);

/** Why a cart does not start; `text` is the one line to print, in both languages (`message` is its English). */
export class CartStartError extends Error {
  constructor(
    readonly code: 'not-provisioned' | 'simulation-identity' | 'data-locked',
    readonly text: Text,
  ) {
    super(text.en);
    this.name = 'CartStartError';
  }
}

export interface RunCartOptions {
  dataDir: string;
  configFile?: string;
  simulate: boolean;
  /** Simulated time runs this many times faster (audio, GNSS route). */
  speed?: number;
  logger: LoggerFactory;
  /** Software updates over the air (LOA_RELEASES); absent = `update` commands are refused. */
  releases?: SoftwareUpdateOptions;
  /** Seconds settings on trial have to pass their health check (the district acknowledges the hello); default 300. */
  settingsHealthSeconds?: number;
  /** How the program restarts itself after an update or a failed health check (default: SIGTERM to itself, a clean stop). */
  restart?: () => void;
}

export interface RunningCart {
  cart: Cart;
  identity: CartIdentity;
  config: CartConfig;
  controlPath: string;
  stop(): Promise<void>;
}

/** The link to the district, from the identity (broker) and the configuration (serial); loaded only when used. */
async function linkFor(identity: CartIdentity, serial: { path: string; baudRate: number } | null, logger: LoggerFactory): Promise<LinkTransport | null> {
  let mqtt: LinkTransport | null = null;
  let ser: LinkTransport | null = null;
  if (identity.broker) {
    const { MqttTransport } = await import('./link/mqtt-transport.js');
    mqtt = new MqttTransport({
      url: identity.broker.url,
      district: identity.district,
      unit: identity.unitName,
      password: identity.broker.password,
      // The district CA pinned and the cart's client certificate, when its bundle had them.
      ...(identity.tls ? { tls: identity.tls } : {}),
      logger: logger('loa:unit:mqtt'),
    });
  }
  if (serial) {
    const [{ SerialTransport }, { SerialPortLink }] = await Promise.all([import('./link/serial-transport.js'), import('../hardware/serial/serialport-link.js')]);
    ser = new SerialTransport({ link: new SerialPortLink({ path: serial.path, baudRate: serial.baudRate, logger: logger('loa:unit:serial') }), logger: logger('loa:unit:serial') });
  }
  if (mqtt && ser) {
    const { FailoverTransport } = await import('./link/failover-transport.js');
    return new FailoverTransport({ primary: mqtt, fallback: ser, logger: logger('loa:unit:link') });
  }
  return mqtt ?? ser;
}

/**
 * Starts the cart on `o.dataDir`, which it holds locked until `stop()`: a second `loa unit run` on the same folder
 * is refused (CartStartError 'data-locked', naming the holder's PID) instead of taking over its control socket.
 */
export async function runCart(o: RunCartOptions): Promise<RunningCart> {
  await mkdir(o.dataDir, { recursive: true });
  let lock: DataLock;
  try {
    lock = await DataLock.acquire(o.dataDir);
  } catch (err) {
    if (err instanceof DataLockedError) throw new CartStartError('data-locked', err.text);
    throw err;
  }
  try {
    const running = await startLocked(o);
    return {
      ...running,
      stop: async () => {
        try {
          await running.stop();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

async function startLocked(o: RunCartOptions): Promise<RunningCart> {
  // The configuration file ← the remote settings document on trial, or the last good one (device/update/settings.ts).
  const { config, remote: settings } = await loadCartConfigWithSettings(o.dataDir, o.configFile, { simulate: o.simulate });
  if (o.simulate) await ensureSimulationSetup(o.dataDir, Date.now());
  const identity = await loadIdentity(o.dataDir);
  if (identity === null) {
    throw new CartStartError('not-provisioned', {
      vi: `${o.dataDir} chưa có danh tính xe: hãy cấp phát xe trước (loa unit provision --bundle TỆP --data ${o.dataDir}), hoặc chạy mô phỏng với --sim`,
      en: `${o.dataDir} holds no cart identity: provision the cart first (loa unit provision --bundle FILE --data ${o.dataDir}), or run the simulation with --sim`,
    });
  }
  if (identity.simulation && !o.simulate) {
    throw new CartStartError('simulation-identity', {
      vi: `${o.dataDir} chứa danh tính mô phỏng dùng một lần: chỉ chạy được với --sim. Hãy cấp phát xe bằng gói thật, vào một thư mục dữ liệu trống.`,
      en: `${o.dataDir} holds a throwaway simulation identity: it runs only with --sim. Provision the cart with a real bundle, in an empty data folder.`,
    });
  }
  const boot = await nextBootCounter(o.dataDir);
  const store = await CartStore.open({ path: join(o.dataDir, 'cart.db'), maxUnacked: config.storage.maxUnacked, logger: o.logger('loa:unit:store') });
  const lastGood = await store.getSetting('lastGoodTime');
  const clock = new CartClock({
    wallNow: Date.now,
    monotonicNow: () => performance.now(),
    // The simulators run on this computer's clock, which is trusted; a cart trusts it only once timesyncd says so.
    systemSynchronised: o.simulate ? () => true : () => systemClockSynchronised(),
    ...(lastGood ? { lastKnownGood: lastGood.time * 1000 } : {}),
  });
  const cache = new ClipCache({ dir: join(o.dataDir, 'content'), district: identity.district, districtKeys: () => identity.districtKeys, now: () => Math.floor(clock.now().time / 1000), logger: o.logger('loa:unit:content') });
  await cache.open();
  // The signed spoken cues (made at the district with espeak-ng, never here): opened and checked by the content feature.
  const cues = new CueSet({ dir: join(o.dataDir, 'content'), district: identity.district, districtKeys: () => identity.districtKeys, logger: o.logger('loa:unit:cues') });
  const place = TRIEU_SON_COMMUNES.find((c) => c.id === identity.commune) ?? TRIEU_SON_COMMUNES[0]!;
  // The simulators' own clock runs `speed` times faster, so the simulated sun, battery, route and audio move on with
  // it; the cart's records keep real time. Durations (runtime counters, sessions, the daily broadcast) are measured
  // on the simulators' clock, as the plays' lengths are, so that amplifier hours and broadcast hours agree.
  const speed = o.speed ?? 1;
  const simStart = Date.now();
  const hardware = await createHardware(config.hardware, { logger: o.logger, speed, now: () => simStart + (Date.now() - simStart) * speed, route: loopAround(place), seed: identity.unitNumber });
  const monotonicStart = performance.now();
  const elapsedNow = (): number => monotonicStart + (performance.now() - monotonicStart) * speed;
  const transport = await linkFor(identity, config.link.serial, o.logger);
  const restart = o.restart ?? (() => setTimeout(() => process.kill(process.pid, 'SIGTERM'), 500).unref());
  // Settings events are kept in the store (kind 'config'), the ones found while loading first (a rollback, once).
  await settings.attach({
    record: async (code, detail) => {
      await store.appendDurable([{ type: 'event', at: clock.stamp(), kind: 'config', code, detail: clipUtf8(detail, MAX_DETAIL) }]);
    },
    restart,
  });
  // This boot's hello acknowledged by the district: the health check of settings on trial (updates have their own).
  const settingsHello = settings.applied.onTrial ? new HelloWatch(store, (await store.numberRecordsAbove(0)).next) : null;
  const updates = o.releases
    ? await SoftwareUpdates.prepare(o.releases, {
        dataDir: o.dataDir,
        identity,
        store,
        version: FIRMWARE_VERSION,
        moduleUrl: import.meta.url,
        stamp: () => clock.stamp(),
        restart,
        logger: o.logger('loa:unit:update'),
      })
    : null;
  const cart: Cart = composeCart({
    identity,
    config,
    hardware,
    store,
    cache,
    clock,
    elapsedNow,
    speed,
    boot,
    firmware: FIRMWARE_VERSION,
    logger: o.logger,
    remote: {
      update: updates
        ? (c) => updates.updater.update(c)
        : (c) => Promise.resolve({ status: 'refused' as const, detail: `release ${c.version} cannot be installed: this cart was started without its releases folder` }),
      setConfig: (c) => settings.setConfig(c),
    },
    settingsApplied: () => settings.applied,
    sync: identity.contentUrl
      ? (c) =>
          new ContentSync({
            cache,
            cues,
            baseUrl: identity.contentUrl!,
            partialDir: join(o.dataDir, 'content', 'partial'),
            ...(identity.tls ? { tls: identity.tls } : {}),
            onEvent: (kind, code, detail) => c.contentEvent(kind, code, detail),
            keyRing: {
              district: identity.district,
              keys: () => identity.districtKeys,
              pin: async (key) => {
                identity.districtKeys.push(key);
                await saveIdentity(o.dataDir, identityToJson(identity));
              },
            },
            logger: o.logger('loa:unit:sync'),
          })
      : null,
    uplink: transport
      ? (c) =>
          new Uplink({
            transport,
            unit: { number: identity.unitNumber, name: identity.unitName },
            district: identity.district,
            unitKey: identity.unitKey,
            boot,
            districtKeys: identity.districtKeys,
            // The origin the district stored with this cart's key: it reads our fixes from the same one.
            origin: identity.origin,
            outbox: updates?.outbox() ?? settingsHello ?? store,
            state: {
              loadReplay: () => store.getSetting('districtReplay'),
              saveReplay: (s) => store.setSetting('districtReplay', s),
              loadLastCommandCounter: async () => (await store.getSetting('lastCommandCounter')) ?? 0,
              saveLastCommandCounter: (n) => store.setSetting('lastCommandCounter', n),
            },
            onCommand: (cmd) => c.command(cmd),
            recordResult: async (r) => {
              await store.appendDurable([{ ...r, type: 'command-result' }]);
            },
            onAnnouncement: (a) => c.announced(a),
            stamp: () => c.stamp(),
            maxFrameBytes: config.link.maxFrameBytes,
            logger: o.logger('loa:unit:uplink'),
          })
      : null,
  }, { cues });
  await cart.start();
  const settingsCheck = settingsHello ? watchSettingsTrial(settings, () => (updates ? updates.helloAcked() : settingsHello.acked), restart, o.settingsHealthSeconds ?? 300) : null;
  await updates?.afterStart();
  const controlPath = join(o.dataDir, 'control.sock');
  const sim = hardware.sim;
  const control = new ControlServer(
    controlPath,
    {
      status: () => cart.status(),
      ...(sim
        ? {
            press: async (button: string, long: boolean) => {
              const names: Record<string, string> = { play: 'playPause', next: 'next', 'vol-up': 'volumeUp', 'vol-down': 'volumeDown', stop: 'playPause' };
              const name = Object.hasOwn(names, button) ? names[button] : undefined;
              if (name === undefined) {
                throw new ControlError('unknown-button', {
                  vi: `không có nút "${button}" (play, next, vol-up, vol-down, stop)`,
                  en: `no button "${button}" (play, next, vol-up, vol-down, stop)`,
                });
              }
              await sim.buttons.press(name, long || button === 'stop' ? config.hardware.buttons.longPressMs + 100 : 80);
            },
          }
        : {}),
    },
    o.logger('loa:unit:control'),
  );
  try {
    await control.start();
  } catch (err) {
    await updates?.stop();
    await cart.stop();
    throw err;
  }
  return {
    cart,
    identity,
    config,
    controlPath,
    stop: async () => {
      if (settingsCheck) clearInterval(settingsCheck);
      await control.stop();
      await updates?.stop();
      await cart.stop();
    },
  };
}

/** Settings on trial are kept once the district acknowledges this boot's hello, rolled back (and the cart restarted) if not in time. */
function watchSettingsTrial(settings: RemoteSettings, helloAcked: () => boolean, restart: () => void, seconds: number): NodeJS.Timeout {
  const deadline = performance.now() + seconds * 1000;
  const timer: NodeJS.Timeout = setInterval(() => {
    if (helloAcked()) {
      clearInterval(timer);
      void settings.markSettingsGood();
    } else if (performance.now() > deadline) {
      clearInterval(timer);
      void settings.markSettingsFailed(`the district did not acknowledge the hello within ${seconds} s`).then(restart);
    }
  }, 1000);
  return timer;
}
