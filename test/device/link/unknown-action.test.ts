// A newer district may sign a command with an action this cart does not know: the cart answers it `unknown-action`
// with the command's counter (SPEC.md §5), does not obey it, and keeps its last obeyed counter.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CommandGate } from '../../../device/link/commands.js';
import { ByteWriter, keyId, type CommandResult } from '../../../protocol/index.js';

const district = generateKeyPairSync('ed25519');
const NOW = 1_760_000_100;

/** A command for unit 7 with counter `counter` and action byte `action`, signed by `key`. */
function command(action: number, counter: number, key: KeyObject = district.privateKey, expires = NOW + 3600): Buffer {
  const w = new ByteWriter().u8(0x12).bytes(Buffer.from(keyId(key), 'hex')).u8(0);
  w.varint(7).varint(counter).u32(NOW - 100).u32(expires).u8(action);
  const unsigned = w.finish();
  return Buffer.concat([unsigned, sign(null, unsigned, key)]);
}

function gate(lastCounter = 10) {
  const results: Omit<CommandResult, 'record'>[] = [];
  const saved: number[] = [];
  const obeyed: string[] = [];
  const g = new CommandGate({
    unitNumber: 7,
    districtKeys: [district.publicKey],
    state: { loadLastCommandCounter: async () => lastCounter, saveLastCommandCounter: async (c: number) => void saved.push(c) } as never,
    onCommand: async (c) => (obeyed.push(c.action), { status: 'ok', detail: '' }),
    recordResult: async (r) => void results.push(r),
    stamp: () => ({ time: NOW, source: 'gnss' }) as never,
  });
  return { g, results, saved, obeyed };
}

describe('a signed command with an action the cart does not know', () => {
  it('is answered unknown-action with its counter, not obeyed, and the last counter stays', async () => {
    const { g, results, saved, obeyed } = gate();
    await g.load();
    const out = await g.handle(command(200, 11));
    expect(out).toMatchObject({ counter: 11, status: 'unknown-action', refusal: 'unknown-action' });
    expect(results).toEqual([expect.objectContaining({ counter: 11, status: 'unknown-action' })]);
    expect(obeyed).toEqual([]);
    expect(saved).toEqual([]);
    // The next known command with counter 11 is still obeyed: 11 was never obeyed.
    expect(await g.handle(command(1, 11))).toMatchObject({ counter: 11, status: 'ok' });
    expect(obeyed).toEqual(['stop']);
  });

  it('is refused like any command when it is old, expired or forged', async () => {
    const { g } = gate(10);
    await g.load();
    expect(await g.handle(command(200, 9))).toMatchObject({ counter: 9, status: 'replay' });
    expect(await g.handle(command(200, 12, district.privateKey, NOW - 1))).toMatchObject({ counter: 12, status: 'expired' });
    const stranger = generateKeyPairSync('ed25519').privateKey;
    expect(await g.handle(command(200, 13, stranger))).toMatchObject({ status: 'bad-signature' });
  });
});
