// A district key rotated in a running controller takes effect for commands at once, as it does for manifests: the
// next command verifies with the new key, not with the old one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSigned, publicKeyFromRaw } from '../../../protocol/index.js';
import { addCart, startController, type Rig } from '../app/harness.js';

let rig: Rig;
beforeEach(async () => {
  rig = await startController();
});
afterEach(() => rig.close());

const pinned = (hex: string) => [publicKeyFromRaw(Buffer.from(hex, 'hex'))];

async function signedCommand(unitId: string, counter: number): Promise<Buffer> {
  const db = rig.controller.db;
  const row = await db.exclusive(() => db.get<{ signed: Buffer }>('SELECT signed FROM commands WHERE unit_id = ? AND counter = ?', [unitId, counter]));
  return row!.signed;
}

describe('a district key rotation in a running controller', () => {
  it('signs the next command with the new key', async () => {
    const { unit } = await addCart(rig);
    const oldKey = rig.controller.districtPublicKeyHex;
    const send = () => rig.controller.commands.sendCommand({ target: { kind: 'unit', id: unit.id }, action: { action: 'stop' }, ttlSeconds: 600, issuedBy: 'ca-huyen' });
    await send();
    expect(openSigned(await signedCommand(unit.id, 1), pinned(oldKey)).body.type).toBe('command');

    const rotation = await rig.controller.districtKey.rotate();
    expect(rotation.oldPublicKey).toBe(oldKey);
    const [sent] = await send();
    expect(sent).toMatchObject({ unitId: unit.id, counter: 2 });
    const signed = await signedCommand(unit.id, 2);
    expect(openSigned(signed, pinned(rotation.newPublicKey)).body).toMatchObject({ type: 'command', command: { unit: unit.number, counter: 2, action: 'stop' } });
    expect(() => openSigned(signed, pinned(oldKey))).toThrow(/not the pinned/);
  });
});
