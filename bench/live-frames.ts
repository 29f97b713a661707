/**
 * What a cart really sends on a serial link, measured on the real path: `loa unit run --sim --autoplay` (simulated
 * sun, battery, route and player; the real uplink, framing and serial port) writes to one end of a socat
 * pseudo-terminal pair, this script reads the other end, deframes every frame and sorts them by what they carry.
 * The simulators run `SPEED` times faster and the cart sends telemetry every second, so each frame stands for what
 * a cart sends every 30 s (its default period) on the road.
 *
 * Needs socat; without it the section says so and prints nothing else.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { loadIdentity } from '../device/identity.js';
import { decodeFrame, Deframer, toSerial, type Message } from '../protocol/index.js';
import { sleep, stop } from './util.js';

const LOA_JS = fileURLToPath(new URL('../cli/loa.js', import.meta.url));
/** Simulated seconds per real second: one live frame a second is one every 30 simulated seconds. */
const SPEED = 30;

export interface LiveFrameFigures {
  frames: number;
  /** Serial sizes (framing and tag included) of the frames carrying only telemetry and a fix. */
  live: number[];
  /** Of those, the ones whose telemetry carried every field (the periodic refresh). */
  full: number[];
  /** Frames that also carried durable records (play, event, track…). */
  withRecords: number;
}

async function waitFor(path: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} did not appear`);
    await sleep(10);
  }
}

/** Runs a simulated cart on a serial pty for `seconds` and measures every frame it sent; null without socat. */
export async function measureLiveFrames(seconds: number): Promise<LiveFrameFigures | null> {
  if (spawnSync('socat', ['-V']).error) return null;
  const dir = mkdtempSync(join(tmpdir(), 'loa-live-'));
  const cartEnd = join(dir, 'cart-tty');
  const districtEnd = join(dir, 'district-tty');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${cartEnd}`, `pty,raw,echo=0,link=${districtEnd}`], { stdio: 'ignore' });
  let cart: ChildProcess | null = null;
  let port: SerialPort | null = null;
  try {
    await waitFor(cartEnd, 5000);
    await waitFor(districtEnd, 5000);
    const data = join(dir, 'data');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ link: { telemetryPeriodMs: 1000, serial: { path: cartEnd, baudRate: 9600 }, maxFrameBytes: 256 } }));
    const chunks: Buffer[] = [];
    port = new SerialPort({ path: districtEnd, baudRate: 9600 });
    port.on('data', (b: Buffer) => chunks.push(b));
    cart = spawn(process.execPath, [LOA_JS, 'unit', 'run', '--sim', '--autoplay', '--speed', String(SPEED), '--data', data, '--config', join(dir, 'config.json')], { stdio: 'ignore' });
    await sleep(seconds * 1000);
    await stop(cart);
    const identity = await loadIdentity(data);
    if (identity === null) throw new Error(`the simulated cart wrote no identity in ${data}`);
    const figures: LiveFrameFigures = { frames: 0, live: [], full: [], withRecords: 0 };
    for (const bytes of new Deframer().push(Buffer.concat(chunks))) {
      // Decoded with the cart's own key and origin, as the district does: a frame that does not verify fails here.
      const { messages } = decodeFrame(bytes, identity.unitKey, { origin: identity.origin });
      figures.frames++;
      const size = toSerial(bytes).length;
      if (messages.every((m) => m.type === 'telemetry' || m.type === 'fix')) {
        figures.live.push(size);
        if (messages.some(isFullTelemetry)) figures.full.push(size);
      } else figures.withRecords++;
    }
    return figures;
  } finally {
    if (cart) await stop(cart);
    if (port?.isOpen) await new Promise((r) => port!.close(r));
    await stop(socat);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A refresh carries the runtime counters, which deltas never do. */
function isFullTelemetry(m: Message): boolean {
  return m.type === 'telemetry' && m.runtime !== undefined;
}
