/**
 * Provisioning over a USB serial cable: the cart waits in provisioning mode (`loa unit provision --listen PATH`),
 * the technician's laptop sends the bundle (`loa unit provision --bundle FILE --serial PATH`). Both ends use the
 * protocol's serial framing (COBS + CRC-16, protocol/serial.ts), so line noise or a half-sent bundle is dropped
 * by the CRC, never installed. The cart answers with one framed JSON line: what it configured, or why it refused.
 */
import type { SerialLink } from '../hardware/serial/serial-link.js';
import { Deframer, toSerial } from '../protocol/index.js';
import { provision, ProvisionError, type ProvisionResult } from './provision.js';

export type ProvisionAnswer = { ok: true; result: ProvisionResult } | { ok: false; code: string; message: string };

function nextFrame(link: SerialLink, timeoutMs: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const deframer = new Deframer();
    const onData = (bytes: Buffer): void => {
      const [frame] = deframer.push(bytes);
      if (frame === undefined) return;
      done();
      resolve(frame);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${what} within ${Math.round(timeoutMs / 1000)} s: check the cable and that the other side is running`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      link.off('data', onData);
    };
    link.on('data', onData);
  });
}

async function send(link: SerialLink, bytes: Buffer): Promise<void> {
  // A leading delimiter resynchronises a receiver that saw noise before.
  await link.write(Buffer.concat([Buffer.from([0]), toSerial(bytes)]));
}

/** The cart's side: waits for one bundle, installs it, answers. Resolves with the answer it sent. */
export async function listenForBundle(link: SerialLink, dataDir: string, timeoutMs = 10 * 60_000): Promise<ProvisionAnswer> {
  const frame = await nextFrame(link, timeoutMs, 'bundle');
  let answer: ProvisionAnswer;
  try {
    answer = { ok: true, result: await provision(dataDir, frame) };
  } catch (err) {
    answer = { ok: false, code: err instanceof ProvisionError ? err.code : 'failed', message: (err as Error).message };
  }
  await send(link, Buffer.from(JSON.stringify(answer)));
  return answer;
}

/** The technician's side: sends a bundle and waits for the cart's answer. */
export async function sendBundle(link: SerialLink, bundle: Buffer, timeoutMs = 30_000): Promise<ProvisionAnswer> {
  const reply = nextFrame(link, timeoutMs, "answer from the cart (is it waiting with 'loa unit provision --listen'?)");
  await send(link, bundle);
  return JSON.parse((await reply).toString('utf8')) as ProvisionAnswer;
}
