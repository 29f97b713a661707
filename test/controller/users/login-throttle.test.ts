// The login throttle's buckets on a test clock, client address keys, and the password-check slots.
import { describe, expect, it } from 'vitest';
import { addressKey, LoginThrottle } from '../../../controller/users/login-throttle.js';
import { PasswordChecksBusy, PasswordSlots } from '../../../controller/users/password-slots.js';

function rig(options: Partial<ConstructorParameters<typeof LoginThrottle>[0]> = {}): { throttle: LoginThrottle; tick(ms: number): void; logs: string[] } {
  let now = 1_000;
  const logs: string[] = [];
  const logger = { debug() {}, info() {}, warn: (m: unknown) => logs.push(String(m)), error() {} };
  const throttle = new LoginThrottle({ name: 'test login', now: () => now, logger, ...options });
  return { throttle, tick: (ms) => (now += ms), logs };
}

/** One wrong try: 'allowed' when it was let through (and failed), else the seconds to wait. */
const fail = (t: LoginThrottle, account: string, address: string): number | 'allowed' => {
  const a = t.attempt(account, address);
  if (!a.allowed) return a.retryAfterSeconds;
  a.failed();
  return 'allowed';
};

describe('LoginThrottle', () => {
  it('lets 5 wrong tries of one account from one address through, then refuses until a minute has given one back', () => {
    const { throttle, tick, logs } = rig();
    for (let i = 0; i < 5; i++) expect(fail(throttle, 'xem', '10.0.0.1')).toBe('allowed');
    expect(fail(throttle, 'xem', '10.0.0.1')).toBe(60);
    tick(30_000);
    expect(fail(throttle, 'xem', '10.0.0.1')).toBe(30);
    expect(logs).toHaveLength(1); // once per episode, not per refused try
    expect(logs[0]).toMatch(/test login: too many failed tries \(perAccountAddress: account "xem" from 10\.0\.0\.1\); refused for 60 s/);
    tick(30_000);
    expect(fail(throttle, 'xem', '10.0.0.1')).toBe('allowed');
    // The same account from another address, and another account from this one, are not held up.
    expect(fail(throttle, 'xem', '10.0.0.2')).toBe('allowed');
    expect(fail(throttle, 'ca-huyen', '10.0.0.1')).toBe('allowed');
  });

  it('gives back the token of a try whose password was never checked (the server busy): a cart retrying then is not throttled', () => {
    const { throttle } = rig();
    for (let i = 0; i < 20; i++) {
      const a = throttle.attempt('dan-luc-01', '10.0.0.1');
      expect(a.allowed, `try ${i + 1}`).toBe(true);
      if (a.allowed) a.unchecked();
    }
    // Unchecked tries neither count as failures: five wrong passwords are still let through.
    for (let i = 0; i < 5; i++) expect(fail(throttle, 'dan-luc-01', '10.0.0.1')).toBe('allowed');
  });

  it('forgets a try that succeeded: a cart that reconnects often is never throttled', () => {
    const { throttle } = rig();
    for (let i = 0; i < 50; i++) {
      const a = throttle.attempt('dan-luc-01', '10.0.0.1');
      expect(a.allowed).toBe(true);
      if (a.allowed) a.succeeded();
    }
    expect(throttle.size).toBe(0);
  });

  it('lets 50 carts behind one address all connect at once', () => {
    const { throttle } = rig();
    const tries = Array.from({ length: 50 }, (_, i) => throttle.attempt(`cart-${i}`, '10.0.0.1'));
    expect(tries.every((a) => a.allowed)).toBe(true);
    for (const a of tries) if (a.allowed) a.succeeded();
    expect(throttle.size).toBe(0);
  });

  it('makes a burst of failures run in parallel wait longer (overdrawn down to minus the burst)', () => {
    const { throttle } = rig();
    const tries = Array.from({ length: 100 }, (_, i) => throttle.attempt(`user-${i}`, '10.0.0.1'));
    expect(tries.every((a) => a.allowed)).toBe(true);
    for (const a of tries) if (a.allowed) a.failed();
    expect(fail(throttle, 'user-x', '10.0.0.1')).toBe(21 * 15);
  });

  it('charges nothing for a refused try, so one cart with an old password does not lock out its neighbours', () => {
    const { throttle } = rig();
    for (let i = 0; i < 100; i++) fail(throttle, 'dan-luc-01', '10.0.0.1');
    // Behind the same address (one mobile NAT): only 5 of the 100 tries were charged to the address.
    for (let i = 0; i < 15; i++) expect(fail(throttle, `dan-luc-${String(i + 10)}`, '10.0.0.1')).toBe('allowed');
  });

  it('refuses one address trying many names, and one name tried from many addresses', () => {
    const { throttle } = rig();
    for (let i = 0; i < 20; i++) expect(fail(throttle, `user-${i}`, '10.0.0.9')).toBe('allowed');
    expect(fail(throttle, 'user-99', '10.0.0.9')).toBe(15);
    for (let i = 0; i < 30; i++) expect(fail(throttle, 'admin', `10.1.0.${i}`)).toBe('allowed');
    expect(fail(throttle, 'admin', '10.1.1.1')).toBe(20);
  });

  it('has no per-account limit when told so (random passwords: a lock-out is all such a limit would give)', () => {
    const { throttle } = rig({ perAccount: null });
    for (let i = 0; i < 40; i++) expect(fail(throttle, 'dan-luc-01', `10.1.0.${i}`)).toBe('allowed');
  });

  it('keeps at most maxKeys keys of each kind, and long names as a hash', () => {
    const { throttle } = rig({ maxKeys: 100 });
    for (let i = 0; i < 1000; i++) fail(throttle, `${'x'.repeat(10_000)}${i}`, `10.0.${i >> 8}.${i & 255}`);
    expect(throttle.size).toBeLessThanOrEqual(300);
  });

  it('checks its rules', () => {
    expect(() => new LoginThrottle({ name: 'x', perAccount: { burst: 0, everyMs: 1 } })).toThrow(/perAccount.burst/);
    expect(() => new LoginThrottle({ name: 'x', maxKeys: 0 })).toThrow(/maxKeys/);
  });
});

describe('addressKey', () => {
  it('keys IPv4-mapped addresses as IPv4 and IPv6 by its /64', () => {
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::99')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey(undefined)).toBe('(unknown)');
  });
});

describe('PasswordSlots', () => {
  it('runs at most `size` checks at once, the others in order, and refuses when too many wait', async () => {
    const slots = new PasswordSlots({ size: 2, maxWaiting: 3 });
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const check = (n: number) => (): Promise<number> =>
      new Promise((resolve) => {
        running++;
        most = Math.max(most, running);
        releases.push(() => {
          running--;
          order.push(n);
          resolve(n);
        });
      });
    const runs = [0, 1, 2, 3, 4].map((n) => slots.run(check(n)));
    await expect(slots.run(check(5))).rejects.toBeInstanceOf(PasswordChecksBusy);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      releases.shift()!();
    }
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(slots.running).toBe(0);
  });

  it('serves waiting checks in turns by address, and caps what one address may queue', async () => {
    const slots = new PasswordSlots({ size: 1, maxWaitingPerAddress: 3 });
    const order: string[] = [];
    const releases: (() => void)[] = [];
    const check = (name: string) => (): Promise<void> =>
      new Promise((resolve) => {
        order.push(name);
        releases.push(resolve);
      });
    const runs = ['a0', 'a1', 'a2', 'a3'].map((n) => slots.run(check(n), '10.0.0.1'));
    await expect(slots.run(check('a4'), '10.0.0.1')).rejects.toThrow(/3 from 10\.0\.0\.1/);
    runs.push(slots.run(check('b0'), '10.0.0.2'));
    while (order.length < 5) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    releases.shift()?.();
    await Promise.all(runs);
    // The cart at 10.0.0.2 waited for one guess of 10.0.0.1, not for all three queued before it.
    expect(order).toEqual(['a0', 'a1', 'b0', 'a2', 'a3']);
  });

  it('frees the slot when a check fails', async () => {
    const slots = new PasswordSlots({ size: 1 });
    await expect(slots.run(() => Promise.reject(new Error('scrypt failed')))).rejects.toThrow('scrypt failed');
    await expect(slots.run(() => Promise.resolve('ok'))).resolves.toBe('ok');
  });
});
