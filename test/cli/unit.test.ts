// `loa unit status` and `loa unit press` against a control socket that answers as a running cart does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CartStatus } from '../../device/cart-status.js';
import { ControlServer } from '../../device/control.js';
import { emptyUplinkStats } from '../../device/link/uplink-stats.js';
import { silentLogger } from '../../hardware/logger.js';
import { runLoa } from '../support/cli.js';

let dir: string;
let server: ControlServer;
const pressed: string[] = [];

const stats = { ...emptyUplinkStats(), framesSent: 12, bytesSent: 3_584, recordsSent: 40, recordsResent: 2, recordsAcked: 38, framesReceived: 5, commandsObeyed: 1, announcements: 2 };
stats.refused = { ...stats.refused, replay: 3 };

const status: CartStatus = {
  unit: 'dan-luc-01',
  commune: 'dan-luc',
  simulated: true,
  time: { time: 1_795_914_000, source: 'gnss' },
  state: 'playing',
  clip: { id: 'c-0001', title: 'Phòng chống lừa đảo' },
  blocked: [],
  warnings: [],
  volume: 60,
  relay: true,
  battery: { mv: 12_600, soc: 80, solarMv: 18_000, ma: 900 },
  energy: {
    at: 1_795_914_000_000,
    socPercent: 80,
    forecasts: [
      { volumePercent: 60, minutesLeft: 80, minutesLeftNoSun: 55 },
      { volumePercent: 40, minutesLeft: 1440, minutesLeftNoSun: 190 },
      { volumePercent: 70, minutesLeft: 62, minutesLeftNoSun: 41 },
      { volumePercent: 100, minutesLeft: 30, minutesLeftNoSun: 20 },
    ],
    reserveMinutes: 15,
    reserveKept: true,
    reserveFloorPercent: 36,
    harvestDays: 5,
    minutesToFull: null,
    health: { capacityAh: 34.4, percent: 86, samples: 6 },
  },
  position: { lat: 19.82, lon: 105.6, time: null, satellites: 8 },
  link: { configured: true, stats },
  outbox: { depth: 3, lost: 0 },
  manifest: { version: 4, clips: 5, playable: 5 },
  sync: null,
  faults: [],
  led: null,
  lastError: null,
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-cli-unit-'));
  pressed.length = 0;
  server = new ControlServer(join(dir, 'control.sock'), { status: async () => status, press: async (b) => void pressed.push(b) }, silentLogger);
  await server.start();
});

afterEach(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('loa unit status', () => {
  it('shows the link as words, not as JSON', async () => {
    const r = await runLoa(['unit', 'status', '--data', dir]);
    expect(r.code, r.stderr).toBe(0);
    const link = r.stdout.split('\n').find((l) => l.startsWith('Kết nối'));
    expect(link).toBe('Kết nối        đã gửi 12 khung (3.5 kB), 40 bản ghi (huyện đã nhận 38, gửi lại 2); nhận 5 khung (lệnh đã làm: 1, thông báo danh sách phát: 2); từ chối: replay 3');
    expect(r.stdout).not.toMatch(/[{}"]/);
    expect(r.stdout).toContain('đang phát — Phòng chống lừa đảo');
    // The energy forecast: at the player's volume, without sun, the steps, the reserve and the health.
    expect(r.stdout).toContain('Còn phát       ≈ 1 giờ 20 phút ở 60 % (không nắng: 55 phút)\n');
    expect(r.stdout).toContain('Theo âm lượng  40 %: hơn một ngày · 70 %: 1 giờ 2 phút · 100 %: 30 phút\n');
    expect(r.stdout).toContain('Tin khẩn cấp   còn phát được ≈ 15 phút\n');
    expect(r.stdout).toContain('Sức khoẻ pin   ≈ 86 % dung lượng (34.4 Ah)\n');
    const en = await runLoa(['unit', 'status', '--data', dir, '--lang', 'en']);
    expect(en.stdout).toContain('Broadcast left ≈ 1 h 20 min at 60 % (without sun: 55 min)\n');
    expect(en.stdout).toContain('Link           sent 12 frames (3.5 kB), 40 records (38 acknowledged, 2 resent); received 5 frames (commands obeyed: 1, playlist announcements: 2); refused: replay 3');
  });

  it('gives the whole status with --json', async () => {
    const r = await runLoa(['unit', 'status', '--json', '--data', dir]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(status);
  });

  it('says in one line, in the chosen language, that no cart runs on a folder', async () => {
    const r = await runLoa(['unit', 'status', '--data', join(dir, 'other')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`loa unit: không có xe nào đang chạy với thư mục dữ liệu ${join(dir, 'other')}. Xe có đang chạy (loa unit run --data ${join(dir, 'other')}) không?\n`);
  });
});

describe('loa unit press', () => {
  it('presses a known button, and refuses another one itself, in the chosen language', async () => {
    expect((await runLoa(['unit', 'press', 'next', '--data', dir])).code).toBe(0);
    expect(pressed).toEqual(['next']);
    const banana = await runLoa(['unit', 'press', 'banana', '--data', dir]);
    expect(banana.code).toBe(2);
    expect(banana.stderr.split('\n')[0]).toBe('loa unit press: nút banana: cần một trong play, next, vol-up, vol-down, stop');
    const en = await runLoa(['--lang', 'en', 'unit', 'press', 'banana', '--data', dir]);
    expect(en.stderr.split('\n')[0]).toBe('loa unit press: button banana: must be one of play, next, vol-up, vol-down, stop');
    expect(pressed).toEqual(['next']);
  });
});

describe('loa demo', () => {
  it('answers --carts 9 in Vietnamese', async () => {
    const r = await runLoa(['demo', '--carts', '9']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('loa demo: --carts 9: cần một số nguyên từ 1 đến 6');
  });
});
