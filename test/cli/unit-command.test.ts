// `loa unit command` against a running controller, in-process: the command reaches the cart signed with the
// district key in a district frame the cart accepts; an unreachable controller, a wrong password, a role that may
// not, and an unknown cart each give one line and exit code 1. `set-config FILE.json` sends a settings document
// (POST /api/settings); a file missing, not JSON or not an object is a usage error (exit 2) before any call.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, openSigned, publicKeyFromRaw, unitTopic } from '../../protocol/index.js';
import { addCart, DISTRICT, PASSWORD, startController, until, type Rig } from '../controller/app/harness.js';
import { runLoa } from '../support/cli.js';

let rig: Rig;
let cart: MqttClient;
let files: string;
const received: Record<string, unknown>[] = [];

beforeAll(async () => {
  files = await mkdtemp(join(tmpdir(), 'loa-unit-command-'));
  rig = await startController();
  await rig.controller.users.add({ name: 'ca-huyen', role: 'approver', password: PASSWORD });
  await rig.controller.users.add({ name: 'ky-thuat', role: 'technician', password: PASSWORD });
  const creds = await addCart(rig, 'dan-luc-01');
  const districtKey = publicKeyFromRaw(Buffer.from(rig.controller.districtPublicKeyHex, 'hex'));
  cart = await mqtt.connectAsync(rig.controller.brokerUrl, { protocolVersion: 4, clientId: creds.unit.id, username: creds.unit.id, password: creds.password, reconnectPeriod: 0 });
  cart.on('message', (_topic, payload) => {
    for (const m of decodeFrame(payload, creds.unit.key).messages) {
      if (m.type === 'command') received.push(openSigned(m.signed, [districtKey]).body as unknown as Record<string, unknown>);
    }
  });
  await cart.subscribeAsync(unitTopic(DISTRICT, creds.unit.id, 'down'), { qos: 1 });
});

afterAll(async () => {
  await cart?.endAsync();
  await rig?.close();
  await rm(files, { recursive: true, force: true });
});

/** A file in the test's folder with `text`; its path. */
async function file(name: string, text: string): Promise<string> {
  const path = join(files, name);
  await writeFile(path, text);
  return path;
}

/** A port nothing listens on (just closed). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const send = (args: string[], env: NodeJS.ProcessEnv = { LOA_PASSWORD: PASSWORD }) => runLoa(['unit', 'command', ...args, '--url', rig.controller.httpUrl], env);

describe('loa unit command', () => {
  it('sends sync-now, a volume and a clip to a cart, signed by the district, and the controller records them', async () => {
    const sync = await send(['sync-now', '--to', 'unit:dan-luc-01', '--as', 'ca-huyen']);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toBe('Đã gửi lệnh "sync-now" tới xe dan-luc-01 (số lệnh 1).\n');
    const volume = await send(['volume', '40', '--to', 'team:dan-luc-ttt', '--as', 'ca-huyen', '--ttl', '600', '--lang', 'en']);
    expect(volume.stdout).toBe('Sent "volume 40" to cart dan-luc-01 (command 2).\n');
    expect((await send(['play', 'c-0007', '--to', 'commune:dan-luc', '--as', 'ca-huyen'])).code).toBe(0);
    await until(() => received.length === 3, 'three commands at the cart');
    expect(received.map((b) => b.command)).toEqual([
      expect.objectContaining({ counter: 1, action: 'sync-now' }),
      expect.objectContaining({ counter: 2, action: 'set-volume', volume: 40 }),
      expect.objectContaining({ counter: 3, action: 'play-clip', clip: 'c-0007' }),
    ]);
    const second = received[1]!.command as { issued: number; expires: number };
    expect(second.expires - second.issued).toBe(600);
    const rows = await rig.controller.commands.listCommands({ unitId: 'dan-luc-01' });
    expect(rows.map((r) => [r.counter, r.action, r.issuedBy, r.status])).toEqual([
      [3, 'play-clip', 'ca-huyen', 'sent'],
      [2, 'set-volume', 'ca-huyen', 'sent'],
      [1, 'sync-now', 'ca-huyen', 'sent'],
    ]);
  });

  it('sends a settings document from a file: the controller numbers it and signs one set-config per cart', async () => {
    const document = { policy: { allowedHours: [{ from: '07:00', to: '10:30' }] }, player: { initialVolume: 45 } };
    const path = await file('gio-phat.json', JSON.stringify(document, null, 2));
    const before = received.length;
    const r = await send(['set-config', path, '--to', 'commune:dan-luc', '--as', 'ca-huyen']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^Đã gửi lệnh "set-config v1" tới xe dan-luc-01 \(số lệnh \d+\)\.\n$/);
    await until(() => received.length === before + 1, 'the settings at the cart');
    expect(received.at(-1)!.command).toEqual(expect.objectContaining({ action: 'set-config', version: 1, document: JSON.stringify(document) }));
    const again = await send(['set-config', path, '--to', 'unit:dan-luc-01', '--as', 'ca-huyen', '--lang', 'en']);
    expect(again.stdout).toMatch(/^Sent "set-config v2" to cart dan-luc-01/);
    // The sections are the controller's to check: the hardware is refused there, in one line, exit 1.
    const hardware = await send(['set-config', await file('hw.json', '{"hardware": {"relay": {"pin": 5}}}'), '--to', 'unit:dan-luc-01', '--as', 'ca-huyen']);
    expect(hardware.code).toBe(1);
    expect(hardware.stderr).toMatch(/^loa unit command: .*document\.hardware.*\n$/);
    const tech = await send(['set-config', path, '--to', 'unit:dan-luc-01', '--as', 'ky-thuat']);
    expect(tech.code).toBe(1);
  });

  it('refuses a settings file that is missing, not JSON or not an object in one line (vi or en), exit 2, before any call', async () => {
    const before = (await rig.controller.commands.listCommands()).length;
    const missing = join(files, 'khong-co.json');
    const broken = await file('hong.json', '{"policy": {');
    const list = await file('danh-sach.json', '[1, 2]');
    for (const [args, line] of [
      [['set-config', missing], `loa unit command: set-config ${missing}: không đọc được tệp (ENOENT)`],
      [['set-config', missing, '--lang', 'en'], `loa unit command: set-config ${missing}: the file cannot be read (ENOENT)`],
      [['set-config', broken], `loa unit command: set-config ${broken}: không phải JSON hợp lệ (`],
      [['set-config', broken, '--lang', 'en'], `loa unit command: set-config ${broken}: not valid JSON (`],
      [['set-config', list], `loa unit command: set-config ${list}: cần một đối tượng JSON gồm các phần policy, player, link, storage`],
      [['set-config', list, '--lang', 'en'], `loa unit command: set-config ${list}: must be a JSON object of sections policy, player, link, storage`],
      [['set-config'], 'loa unit command: cần tệp cấu hình: set-config TỆP.json'],
    ] as const) {
      const r = await send([...args, '--to', 'unit:dan-luc-01', '--as', 'ca-huyen']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]!.startsWith(line), r.stderr).toBe(true);
    }
    expect((await rig.controller.commands.listCommands()).length).toBe(before);
  });

  it('says in one line that the controller cannot be reached, and sends nothing', async () => {
    const before = (await rig.controller.commands.listCommands()).length;
    const closed = await freePort();
    const r = await runLoa(['unit', 'command', 'stop', '--to', 'unit:dan-luc-01', '--as', 'ca-huyen', '--url', `http://127.0.0.1:${closed}`], { LOA_PASSWORD: PASSWORD });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `loa unit command: không liên lạc được với bộ điều khiển ở http://127.0.0.1:${closed} (ECONNREFUSED): bộ điều khiển có đang chạy không (loa controller run)? Địa chỉ khác: --url. Chưa gửi lệnh nào.\n`,
    );
    expect((await rig.controller.commands.listCommands()).length).toBe(before);
  });

  it('refuses a wrong password, a technician and an unknown cart in one line each, in the chosen language', async () => {
    const wrong = await send(['stop', '--to', 'unit:dan-luc-01', '--as', 'ca-huyen'], { LOA_PASSWORD: 'sai-mat-khau' });
    expect([wrong.code, wrong.stderr]).toEqual([1, 'loa unit command: sai mật khẩu của ca-huyen, hoặc tài khoản không có / đã bị khoá\n']);
    const tech = await send(['stop', '--to', 'unit:dan-luc-01', '--as', 'ky-thuat', '--lang', 'en']);
    expect([tech.code, tech.stderr]).toEqual([1, 'loa unit command: ky-thuat may not send this command: a technician sends only sync-now and reboot, the others need the approver or admin role\n']);
    // What the README tells a technician to send.
    const techSync = await send(['sync-now', '--to', 'unit:dan-luc-01', '--as', 'ky-thuat']);
    expect([techSync.code, techSync.stderr]).toEqual([0, '']);
    const unknown = await send(['stop', '--to', 'unit:khong-co', '--as', 'ca-huyen']);
    expect([unknown.code, unknown.stderr]).toEqual([1, 'loa unit command: không có xe loa unit:khong-co\n']);
  });

  it('checks the command, the target and the password before calling the controller', async () => {
    for (const [args, line] of [
      [['volume', '140', '--to', 'unit:dan-luc-01', '--as', 'ca-huyen'], 'loa unit command: volume 140: cần một số nguyên từ 0 đến 100'],
      [['dance', '--to', 'unit:dan-luc-01', '--as', 'ca-huyen'], 'loa unit command: lệnh dance: cần một trong sync-now, stop, reboot, volume, play, set-config'],
      [['stop', '--to', 'district', '--as', 'ca-huyen'], 'loa unit command: --to district: cần unit:MÃ, team:MÃ hoặc commune:MÃ'],
      [['stop', 'now', '--to', 'unit:dan-luc-01', '--as', 'ca-huyen'], 'loa unit command: thừa đối số "now"'],
      [['play', "'; DROP TABLE commands; --", '--to', 'unit:dan-luc-01', '--as', 'ca-huyen'], `loa unit command: play '; DROP TABLE commands; --: cần mã bản tin, ví dụ c-0007`],
    ] as const) {
      const r = await send([...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(line);
      expect(r.stderr.split('\n')[1]).toBe('Cách dùng:');
    }
    const noPassword = await send(['stop', '--to', 'unit:dan-luc-01', '--as', 'ca-huyen'], {});
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr.split('\n')[0]).toContain('LOA_PASSWORD');
  });
});
