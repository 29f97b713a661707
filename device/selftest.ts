/**
 * `loa unit selftest`: what a technician runs after wiring a cart. Clicks the relay and reads it back, plays a short
 * quiet tone, reads the mixer, waits a bounded time for a GNSS fix, reads the power board, and prints a checklist:
 * each failed line says what to check. Every check is bounded in time and always leaves the relay off.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeToneWav } from '../hardware/audio/wav.js';
import type { GnssFix } from '../hardware/gnss/gnss.js';
import type { CartHardware } from './hardware.js';
import { say, type Lang, type Text } from './text.js';

export interface SelftestLine {
  id: 'relay' | 'audio' | 'volume' | 'gnss' | 'power';
  ok: boolean;
  title: Text;
  /** What was seen. */
  detail: Text;
  /** What to check when it failed. */
  hint: Text | null;
}

export interface SelftestOptions {
  gnssWaitMs: number;
  audioWaitMs: number;
}

/** A number as Vietnamese writes it: a decimal comma (0,5 s; 12,58 V). Coordinates keep their point. */
const vn = (n: number | string): string => String(n).replace('.', ',');

/** A check that got no answer in its time. */
class NoAnswer extends Error {
  readonly code = 'SELFTEST_NO_ANSWER';
  readonly text: Text;
  constructor(what: Text, ms: number) {
    super(`${what.en}: no answer within ${ms} ms`);
    this.text = { vi: `${what.vi}: không có trả lời sau ${vn(ms / 1000)} s`, en: this.message };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: Text): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new NoAnswer(what, ms)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * The hardware layer's errors, by code, in Vietnamese: its messages are English (hardware/ knows no language), so a
 * Vietnamese line says what went wrong in Vietnamese and keeps the code; the English line keeps the driver's message.
 */
const ERROR_WORDS: Record<string, string> = {
  GPIO_UNAVAILABLE: 'không dùng được GPIO (/sys/class/gpio/export không có hoặc không ghi được): chạy Loa bằng người dùng trong nhóm "gpio" và kiểm tra nhân có sysfs GPIO',
  RELAY_NOT_OPEN: 'rơ-le chưa được mở',
  AUDIO_PLAYER_MISSING: 'không tìm thấy chương trình aplay',
  AUDIO_NOT_WAV: 'tệp âm thử không phải WAV',
  AUDIO_FILE_MISSING: 'không đọc được tệp âm thử',
  AUDIO_PLAYER_FAILED: 'aplay báo lỗi khi phát (thiết bị ALSA sai, không có hoặc đang bận)',
  VOLUME_MIXER_MISSING: 'không tìm thấy chương trình amixer',
  VOLUME_MIXER_FAILED: 'amixer báo lỗi: không có card hoặc điều khiển âm lượng như trong cấu hình',
  VOLUME_UNREADABLE: 'không đọc được mức âm lượng từ amixer',
  LOA_POWER_NOT_READY: 'không mở được Arduino, hoặc Arduino không sẵn sàng (cổng, cáp, StandardFirmata, tốc độ baud)',
  LOA_POWER_NOT_OPEN: 'bảng đo nguồn chưa được mở',
  LOA_POWER_NO_DATA: 'Arduino không gửi số đo',
  LOA_POWER_IO: 'mất liên lạc với Arduino',
  SERIAL_OPEN_FAILED: 'không mở được cổng nối tiếp',
  SERIAL_NOT_OPEN: 'cổng nối tiếp chưa mở',
  SERIAL_WRITE_FAILED: 'không ghi được ra cổng nối tiếp',
  SERIAL_GAVE_UP: 'đã thử mở cổng nối tiếp nhiều lần mà không được',
  ENOENT: 'không có thiết bị hoặc tệp này',
  EACCES: 'không có quyền dùng thiết bị (thêm người dùng vào nhóm dialout / gpio / audio)',
  EBUSY: 'thiết bị đang bị chương trình khác dùng',
};

const fail = (err: unknown): Text => {
  if (err instanceof NoAnswer) return { vi: `lỗi: ${err.text.vi}`, en: `error: ${err.text.en}` };
  const m = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const words = typeof code === 'string' ? ERROR_WORDS[code] : undefined;
  return { vi: words === undefined ? `lỗi: ${m}` : `lỗi: ${words} (${code as string})`, en: `error: ${m}` };
};

async function checkRelay(hw: CartHardware): Promise<SelftestLine> {
  const title = { vi: 'Rơ-le khuếch đại', en: 'Amplifier relay' };
  const hint = { vi: 'Kiểm tra dây tín hiệu rơ-le vào đúng chân GPIO trong cấu hình, nguồn 5 V của mô-đun rơ-le, và kiểu kích (activeLow).', en: 'Check the relay signal wire is on the configured GPIO, the relay module has 5 V, and the activeLow setting.' };
  try {
    await hw.relay.open();
    await hw.relay.on();
    const on = await hw.relay.isOn();
    await hw.relay.off();
    const off = !(await hw.relay.isOn());
    if (on && off) return { id: 'relay', ok: true, title, detail: { vi: 'bật, đọc lại, tắt: đúng', en: 'on, read back, off: correct' }, hint: null };
    return { id: 'relay', ok: false, title, detail: { vi: `đọc lại sai (bật: ${on}, tắt: ${off})`, en: `read-back wrong (on: ${on}, off: ${off})` }, hint };
  } catch (err) {
    await hw.relay.off().catch(() => undefined);
    return { id: 'relay', ok: false, title, detail: fail(err), hint };
  }
}

async function checkAudio(hw: CartHardware, waitMs: number): Promise<SelftestLine> {
  const title = { vi: 'Phát âm thanh', en: 'Audio playback' };
  const hint = { vi: 'Kiểm tra thiết bị ALSA trong cấu hình (aplay -L), card âm thanh USB đã cắm, và aplay đã cài (apt install alsa-utils).', en: 'Check the ALSA device in the configuration (aplay -L), the USB sound card is plugged in, and aplay is installed (apt install alsa-utils).' };
  const dir = await mkdtemp(join(tmpdir(), 'loa-selftest-'));
  try {
    const file = join(dir, 'tone.wav');
    await writeToneWav(file, { frequency: 1000, seconds: 0.5, amplitude: 0.05 });
    const ended = new Promise<{ completed: boolean; elapsedMs: number }>((resolve) => hw.audio.once('ended', resolve));
    await hw.relay.on().catch(() => undefined); // a broken relay is its own line; the audio is tested anyway
    await withTimeout(hw.audio.play(file), waitMs, { vi: 'bắt đầu phát', en: 'audio start' });
    const end = await withTimeout(ended, waitMs, { vi: 'kết thúc phát', en: 'audio end' });
    if (end.completed) return { id: 'audio', ok: true, title, detail: { vi: 'phát âm thử 0,5 s (nhỏ): xong', en: 'played a quiet 0.5 s tone: done' }, hint: null };
    return { id: 'audio', ok: false, title, detail: { vi: 'âm thử không phát hết', en: 'the test tone did not play to the end' }, hint };
  } catch (err) {
    return { id: 'audio', ok: false, title, detail: fail(err), hint };
  } finally {
    await hw.relay.off().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

async function checkVolume(hw: CartHardware): Promise<SelftestLine> {
  const title = { vi: 'Âm lượng (bộ trộn ALSA)', en: 'Volume (ALSA mixer)' };
  const hint = { vi: 'Kiểm tra tên điều khiển âm lượng (amixer scontrols) và số card trong cấu hình.', en: 'Check the mixer control name (amixer scontrols) and the card in the configuration.' };
  try {
    const percent = await hw.volume.get();
    return { id: 'volume', ok: true, title, detail: { vi: `đang ở ${percent} %, tối đa ${hw.volume.max} %`, en: `at ${percent} %, maximum ${hw.volume.max} %` }, hint: null };
  } catch (err) {
    return { id: 'volume', ok: false, title, detail: fail(err), hint };
  }
}

async function checkGnss(hw: CartHardware, waitMs: number): Promise<SelftestLine> {
  const title = { vi: 'Định vị GNSS', en: 'GNSS position' };
  const hint = { vi: 'Đặt ăng-ten ngoài trời, thấy trời; kiểm tra dây UART (TX↔RX), cổng /dev/serial0 đã bật (raspi-config → Serial), tốc độ baud; chạy "loa hw nmea /dev/serial0".', en: 'Put the antenna outdoors with open sky; check the UART wires (TX↔RX), that /dev/serial0 is enabled (raspi-config → Serial) and the baud rate; run "loa hw nmea /dev/serial0".' };
  try {
    const fix = new Promise<GnssFix>((resolve) => hw.gnss.once('fix', resolve));
    await hw.gnss.open();
    const f = hw.gnss.lastFix ?? (await withTimeout(fix, waitMs, { vi: 'vị trí GNSS', en: 'GNSS fix' }));
    const where = `${f.latitude.toFixed(5)}, ${f.longitude.toFixed(5)}`;
    return { id: 'gnss', ok: true, title, detail: { vi: `có vị trí ${where}, ${f.satellites ?? '?'} vệ tinh`, en: `fix at ${where}, ${f.satellites ?? '?'} satellites` }, hint: null };
  } catch (err) {
    const s = hw.gnss.stats();
    const seen = s.good + s.badChecksum + s.malformed;
    const detail = seen === 0
      ? { vi: `không nhận được câu NMEA nào sau ${vn(waitMs / 1000)} s`, en: `no NMEA sentence received in ${waitMs / 1000} s` }
      : { vi: `nhận ${seen} câu NMEA nhưng chưa có vị trí sau ${vn(waitMs / 1000)} s`, en: `${seen} NMEA sentences but no position after ${waitMs / 1000} s` };
    return { id: 'gnss', ok: false, title, detail: err instanceof NoAnswer ? detail : fail(err), hint };
  } finally {
    await hw.gnss.close().catch(() => undefined);
  }
}

async function checkPower(hw: CartHardware): Promise<SelftestLine> {
  const title = { vi: 'Bảng đo nguồn (ắc quy, pin mặt trời)', en: 'Power board (battery, solar)' };
  const hint = { vi: 'Kiểm tra Arduino đã nạp StandardFirmata, cáp USB, cổng trong cấu hình (ls /dev/ttyUSB* /dev/ttyACM*), và cầu phân áp vào đúng chân analog.', en: 'Check the Arduino runs StandardFirmata, the USB cable, the port in the configuration (ls /dev/ttyUSB* /dev/ttyACM*), and the divider on the right analog pin.' };
  try {
    await hw.power.open();
    const r = await hw.power.read();
    const volts = (r.batteryMv / 1000).toFixed(2);
    if (r.batteryMv < 9000 || r.batteryMv > 16_000) {
      return { id: 'power', ok: false, title, detail: { vi: `điện áp ắc quy ${vn(volts)} V, ngoài khoảng 9–16 V`, en: `battery ${volts} V, outside 9–16 V` }, hint };
    }
    return { id: 'power', ok: true, title, detail: { vi: `ắc quy ${vn(volts)} V (~${Math.round(r.socPercent)} %), pin mặt trời ${vn((r.solarMv / 1000).toFixed(1))} V`, en: `battery ${volts} V (~${Math.round(r.socPercent)} %), solar ${(r.solarMv / 1000).toFixed(1)} V` }, hint: null };
  } catch (err) {
    return { id: 'power', ok: false, title, detail: fail(err), hint };
  } finally {
    await hw.power.close().catch(() => undefined);
  }
}

export async function runSelftest(hw: CartHardware, options: SelftestOptions): Promise<SelftestLine[]> {
  const lines = [await checkRelay(hw), await checkAudio(hw, options.audioWaitMs), await checkVolume(hw), await checkGnss(hw, options.gnssWaitMs), await checkPower(hw)];
  await hw.relay.close().catch(() => undefined);
  return lines;
}

export function formatSelftest(lines: readonly SelftestLine[], lang: Lang, heading: Text): string {
  const out = [say(lang, heading)];
  for (const l of lines) {
    const mark = l.ok ? say(lang, { vi: '[ĐẠT]', en: '[PASS]' }) : say(lang, { vi: '[LỖI]', en: '[FAIL]' });
    out.push(`${mark.padEnd(7)} ${say(lang, l.title)}: ${say(lang, l.detail)}`);
    if (l.hint) out.push(`        → ${say(lang, l.hint)}`);
  }
  const passed = lines.filter((l) => l.ok).length;
  out.push(say(lang, { vi: `Kết quả: ${passed}/${lines.length} đạt`, en: `Result: ${passed}/${lines.length} passed` }));
  return out.join('\n');
}
