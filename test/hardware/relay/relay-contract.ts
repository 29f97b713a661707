// The cases every Relay must pass. Each implementation's test file calls `relayContract` with a factory.
import { describe, expect, it } from 'vitest';
import { RelayNotOpenError, type Relay } from '../../../hardware/relay/relay.js';

export interface RelayHarness {
  relay: Relay;
  /** The physical truth: is the amplifier powered? (The board level, or the simulator's history.) */
  powered(): boolean;
}

export function relayContract(name: string, make: () => RelayHarness): void {
  describe(`Relay contract: ${name}`, () => {
    it('is off once opened, and reads back off', async () => {
      const h = make();
      await h.relay.open();
      expect(await h.relay.isOn()).toBe(false);
      expect(h.powered()).toBe(false);
      await h.relay.close();
    });

    it('switches on and off, reads the state back, and reports changes once', async () => {
      const h = make();
      const changes: boolean[] = [];
      h.relay.events.on('changed', (c) => changes.push(c.on));
      await h.relay.open();
      await h.relay.on();
      expect(await h.relay.isOn()).toBe(true);
      expect(h.powered()).toBe(true);
      await h.relay.on();
      await h.relay.off();
      expect(await h.relay.isOn()).toBe(false);
      expect(h.powered()).toBe(false);
      expect(changes).toEqual([true, false]);
      await h.relay.close();
    });

    it('switches off on close, and close twice is harmless', async () => {
      const h = make();
      const changes: boolean[] = [];
      h.relay.events.on('changed', (c) => changes.push(c.on));
      await h.relay.open();
      await h.relay.on();
      await h.relay.close();
      expect(h.powered()).toBe(false);
      expect(changes).toEqual([true, false]);
      await h.relay.close();
    });

    it('refuses to switch before open, with a domain error', async () => {
      const h = make();
      await expect(h.relay.on()).rejects.toBeInstanceOf(RelayNotOpenError);
      await expect(h.relay.off()).rejects.toMatchObject({ code: 'RELAY_NOT_OPEN' });
      await expect(h.relay.isOn()).rejects.toThrow(/call open\(\) before isOn\(\)/);
    });
  });
}
