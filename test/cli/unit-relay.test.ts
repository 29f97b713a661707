// `loa unit relay off` (systemd's ExecStartPre/ExecStopPost) on a simulated configuration and with a bad argument,
// and the installed defaults LOA_UNIT_CONFIG / LOA_CONTROLLER_CONFIG read from the environment (an option wins).
// The real GPIO path is tested over a fake onoff board in test/device/relay-off.test.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataLock } from '../../device/data-lock.js';
import { runLoa } from '../support/cli.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-relay-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loa unit relay off', () => {
  it('says in one line that a simulated cart has no real relay, exit 0, in either language', async () => {
    const vi = await runLoa(['unit', 'relay', 'off', '--sim', '--data', dir]);
    expect(vi.code, vi.stderr).toBe(0);
    expect(vi.stdout).toBe('Cấu hình dùng phần cứng mô phỏng: không có rơ-le thật để tắt.\n');
    const en = await runLoa(['unit', 'relay', 'off', '--sim', '--data', dir, '--lang', 'en']);
    expect(en.code, en.stderr).toBe(0);
    expect(en.stdout).toBe('The configuration uses simulated hardware: there is no real relay to switch off.\n');
  });

  it('takes no data lock: it answers while another process holds the folder', async () => {
    const lock = await DataLock.acquire(dir);
    try {
      const r = await runLoa(['unit', 'relay', 'off', '--sim', '--data', dir]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await lock.release();
    }
  });

  it('refuses anything but "off", and a missing word, as usage errors (exit 2)', async () => {
    const on = await runLoa(['unit', 'relay', 'on', '--sim', '--data', dir]);
    expect(on.code).toBe(2);
    expect(on.stdout).toBe('');
    expect(on.stderr.split('\n')[0]).toBe('loa unit relay: relay on: cần một trong off');
    const none = await runLoa(['unit', 'relay', '--lang', 'en']);
    expect(none.code).toBe(2);
    expect(none.stderr.split('\n')[0]).toBe('loa unit relay: needs: relay off');
    expect(none.stderr).toContain('loa unit relay off [--sim] [--config FILE] [--data DIR]');
  });

  it('prints the problems of a bad configuration file, exit 2', async () => {
    const bad = join(dir, 'cart.json');
    await writeFile(bad, JSON.stringify({ hardware: { relay: { pin: 99 } } }));
    const r = await runLoa(['unit', 'relay', 'off', '--config', bad, '--data', dir, '--lang', 'en']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^The configuration is not valid; fix these and run again:\n {2}hardware\.relay\.pin: /);
  });
});

describe('installed defaults from the environment', () => {
  it('reads the cart configuration from LOA_UNIT_CONFIG, and --config wins over it', async () => {
    const sim = join(dir, 'sim.json');
    await writeFile(sim, JSON.stringify({ hardware: { simulate: true } }));
    const missing = join(dir, 'missing.json');
    const fromEnv = await runLoa(['unit', 'relay', 'off', '--data', dir, '--lang', 'en'], { LOA_UNIT_CONFIG: sim });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toContain('simulated hardware');
    const broken = await runLoa(['unit', 'relay', 'off', '--data', dir, '--lang', 'en'], { LOA_UNIT_CONFIG: missing });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain(`${missing} cannot be read (ENOENT)`);
    const option = await runLoa(['unit', 'relay', 'off', '--config', sim, '--data', dir, '--lang', 'en'], { LOA_UNIT_CONFIG: missing });
    expect(option.code, option.stderr).toBe(0);
  });

  it('reads the controller configuration from LOA_CONTROLLER_CONFIG, and --config wins over it', async () => {
    const bad = join(dir, 'controller.json');
    await writeFile(bad, JSON.stringify({ http: { port: 70000 } }));
    const fromEnv = await runLoa(['controller', 'unit', 'list', '--lang', 'en'], { LOA_CONTROLLER_CONFIG: bad });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/^The configuration is not valid/);
    expect(fromEnv.stderr).toContain('http.port');
    const missing = join(dir, 'missing.json');
    const option = await runLoa(['controller', 'unit', 'list', '--config', missing, '--lang', 'en'], { LOA_CONTROLLER_CONFIG: bad });
    expect(option.code).toBe(2);
    expect(option.stderr).toContain(missing);
    expect(option.stderr).not.toContain('http.port');
  });
});
