// The office commands' output and refusals: the clip list as JSON, and provisioning bundles that a cart could never
// use (this machine's loopback addresses) refused unless asked for.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateControllerConfig } from '../../controller/app/config.js';
import { openOffice } from '../../controller/app/office.js';
import { runLoa } from '../support/cli.js';
import { makeControllerData } from '../support/controller-data.js';

let dir: string;
let data: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-office-'));
  data = join(dir, 'data');
  await makeControllerData(data);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loa content list --json', () => {
  it('prints the clips as the API gives them', async () => {
    const office = await openOffice(validateControllerConfig({ dataDir: data }));
    try {
      const { workflow } = await office.content();
      const file = { sha256: 'ab'.repeat(32), size: 1000, durationMs: 1500 };
      await workflow.submit({ name: 'phong-vh', role: 'submitter' }, file, { title: 'Phòng chống lừa đảo' }, 'a.wav');
    } finally {
      await office.close();
    }
    const r = await runLoa(['content', 'list', '--json', '--data', data]);
    expect(r.code, r.stderr).toBe(0);
    const clips = JSON.parse(r.stdout) as unknown[];
    expect(clips).toEqual([expect.objectContaining({ id: 'c-0001', title: 'Phòng chống lừa đảo', status: 'submitted', submitter: 'phong-vh', sha256: 'ab'.repeat(32), durationMs: 1500 })]);
    const approved = await runLoa(['content', 'list', '--json', '--status', 'approved', '--data', data]);
    expect(JSON.parse(approved.stdout)).toEqual([]);
  });
});

describe('loa controller unit add and the addresses carts dial', () => {
  const add = (...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    runLoa(['controller', 'unit', 'add', 'dan-luc-01', '--commune', 'dan-luc', '--team', 'dan-luc', '--data', data, ...extra]);

  it('refuses to write this machine’s loopback addresses into a bundle, naming the keys to set', async () => {
    const r = await add();
    expect(r.code).toBe(2);
    const [line, ...usage] = r.stderr.trimEnd().split('\n');
    expect(line).toMatch(/^loa controller unit add: gói cài đặt sẽ ghi địa chỉ chỉ dùng được trong máy này \(mqtt:\/\/127\.0\.0\.1:1883, http:\/\/127\.0\.0\.1:8080\)/);
    expect(line).toContain('publicUrls.broker và publicUrls.content');
    expect(line).toContain('--allow-loopback');
    expect(usage[0]).toBe('Cách dùng:');
    const en = await add('--lang', 'en');
    expect(en.stderr.split('\n')[0]).toContain('Set publicUrls.broker and publicUrls.content in the configuration file (--config)');
    // Nothing was registered.
    expect((await runLoa(['controller', 'unit', 'list', '--json', '--data', data])).stdout.trim()).toBe('[]');
  });

  it('refuses a controller listening on every interface without public addresses: 0.0.0.0 is dialled as 127.0.0.1', async () => {
    const config = join(dir, 'controller.json');
    await writeFile(config, JSON.stringify({ dataDir: data, broker: { embedded: { port: 1883, host: '0.0.0.0' } }, http: { port: 8080, host: '0.0.0.0' }, publicUrls: { content: 'https://10.0.0.5:8080' } }));
    const r = await runLoa(['controller', 'unit', 'add', 'dan-luc-01', '--commune', 'dan-luc', '--team', 'dan-luc', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/\(mqtts:\/\/127\.0\.0\.1:1883\).*Đặt publicUrls\.broker trong/);
  });

  it('writes the public addresses when they are set, and the loopback ones with --allow-loopback', async () => {
    const config = join(dir, 'controller.json');
    await writeFile(config, JSON.stringify({ dataDir: data, publicUrls: { broker: 'mqtt://10.0.0.5:1883', content: 'http://10.0.0.5:8080' } }));
    const r = await runLoa(['controller', 'unit', 'add', 'dan-luc-01', '--commune', 'dan-luc', '--team', 'dan-luc', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    const bundle = JSON.parse(await readFile(join(data, 'bundles', 'dan-luc-01.json'), 'utf8')) as { broker: { url: string }; contentUrl: string };
    expect(bundle.broker.url).toBe('mqtt://10.0.0.5:1883');
    expect(bundle.contentUrl).toBe('http://10.0.0.5:8080');
    const trial = await add('--allow-loopback', '--out', join(dir, 'b.json'));
    expect(trial.code).toBe(1); // the same unit again: refused by the registry, not by the address check
    expect(trial.stderr).not.toContain('127.0.0.1');
    const second = await runLoa(['controller', 'unit', 'add', 'dan-luc-02', '--commune', 'dan-luc', '--team', 'dan-luc', '--data', data, '--allow-loopback', '--out', join(dir, 'b.json')]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'b.json'), 'utf8'))).toMatchObject({ broker: { url: 'mqtt://127.0.0.1:1883' }, contentUrl: 'http://127.0.0.1:8080' });
  });
});

describe('loa controller unit … with TLS', () => {
  const tlsConfig = (): Record<string, unknown> => ({
    dataDir: data,
    broker: { embedded: { port: 8883, host: '0.0.0.0', clientCertificates: true } },
    http: { port: 8443, host: '0.0.0.0' },
    publicUrls: { broker: 'mqtts://10.0.0.5:8883', content: 'https://10.0.0.5:8443' },
  });

  it('writes the district CA and a cart certificate into the bundle, and says which CA the cart pins', async () => {
    const config = join(dir, 'controller.json');
    await writeFile(config, JSON.stringify(tlsConfig()));
    const r = await runLoa(['controller', 'unit', 'add', 'dan-luc-01', '--commune', 'dan-luc', '--team', 'dan-luc', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/TLS: xe chỉ tin chứng chỉ gốc của huyện \(SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\)/);
    const bundle = JSON.parse(await readFile(join(data, 'bundles', 'dan-luc-01.json'), 'utf8')) as { tls: { ca: string; cert: string } };
    expect(bundle.tls.ca).toBe(await readFile(join(data, 'tls', 'ca.crt'), 'utf8'));
    expect(bundle.tls.cert).toContain('BEGIN CERTIFICATE');
  });

  it('retires a cart: revokes its certificate, refuses a second retire and an unknown cart in one line', async () => {
    const config = join(dir, 'controller.json');
    await writeFile(config, JSON.stringify(tlsConfig()));
    expect((await runLoa(['controller', 'unit', 'add', 'dan-luc-01', '--commune', 'dan-luc', '--team', 'dan-luc', '--config', config])).code).toBe(0);
    const r = await runLoa(['controller', 'unit', 'retire', 'dan-luc-01', '--config', config, '--lang', 'en']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Retired cart dan-luc-01');
    expect(r.stdout).toContain('Revoked 1 certificate(s)');
    const again = await runLoa(['controller', 'unit', 'retire', 'dan-luc-01', '--config', config]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain('đã ngừng dùng từ trước');
    const unknown = await runLoa(['controller', 'unit', 'retire', 'khong-co', '--config', config]);
    expect(unknown.code).toBe(1);
    expect((await runLoa(['controller', 'unit', 'retire', '--config', config])).code).toBe(2);
  });
});
