// The fake district peer on the other end of a serial link: the protocol's serial framing both ways.
import { Deframer, toSerial } from '../../../protocol/index.js';
import type { SerialLink } from '../../../hardware/serial/serial-link.js';
import type { FakeDistrict } from './fake-district.js';
import { makeDistrict } from './harness.js';

export interface SerialDistrict {
  district: FakeDistrict;
  /** Sends a signed object (an announcement) framed for the line. */
  sendSigned(bytes: Buffer): Promise<void>;
}

export function serialDistrict(link: SerialLink): SerialDistrict {
  const deframer = new Deframer();
  const district = makeDistrict((bytes) => link.write(toSerial(bytes)));
  link.on('data', (chunk) => {
    for (const frame of deframer.push(chunk)) void district.receive(frame);
  });
  link.on('error', () => {});
  return { district, sendSigned: (bytes) => link.write(toSerial(bytes)) };
}
