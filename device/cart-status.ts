/** What `loa unit status` shows: the cart's answer on its control socket, as JSON. */
import type { Stamp } from '../protocol/index.js';
import type { EnergySnapshot } from './energy/monitor.js';
import { duration } from './logic/policy.js';
import type { UplinkStats } from './link/uplink.js';
import type { PlayerStateName } from './player/player.js';
import type { SyncState } from './sync/sync.js';
import type { Text } from './text.js';
import type { AppliedSettings } from './update/settings.js';

export interface CartStatus {
  unit: string;
  commune: string;
  simulated: boolean;
  time: Stamp;
  state: PlayerStateName;
  clip: { id: string; title: string } | null;
  /** Why plays are refused, when blocked: a code and the text in both languages. */
  blocked: { code: string; vi: string; en: string }[];
  warnings: string[];
  volume: number;
  /** The relay read back; null when it cannot be read. */
  relay: boolean | null;
  battery: { mv: number; soc: number; solarMv: number; ma: number } | null;
  /** The energy monitor's forecasts (the player's volume first, then every step), reserve and health. */
  energy: EnergySnapshot | null;
  position: { lat: number; lon: number; time: string | null; satellites: number | null } | null;
  link: { configured: false } | { configured: true; stats: UplinkStats | undefined };
  outbox: { depth: number; lost: number };
  manifest: { version: number; clips: number; playable: number } | null;
  sync: SyncState | null;
  faults: string[];
  /** The status LED's pattern, ■ on and · off per step; null without an LED. */
  led: string | null;
  lastError: string | null;
  /** The remote settings the cart runs on (device/update/settings.ts); absent from a cart started without them. */
  settings?: AppliedSettings | null;
}

/** The remote settings in words for `loa unit status`: the version applied, on trial or kept; none = the file alone. */
export function settingsText(settings: AppliedSettings | null | undefined): Text {
  if (!settings || settings.applied === null) return { vi: 'theo tệp cấu hình của xe', en: "the cart's configuration file" };
  const v = `v${settings.applied}`;
  return settings.onTrial
    ? { vi: `${v}, đang chạy thử (chờ kiểm tra sức khoẻ)`, en: `${v}, on trial (waiting for the health check)` }
    : { vi: `${v}, đã áp dụng`, en: `${v}, applied` };
}

/** The player's states as a team member reads them. */
export const PLAYER_STATE_TEXT: Readonly<Record<PlayerStateName, { vi: string; en: string }>> = {
  idle: { vi: 'nghỉ', en: 'idle' },
  warming: { vi: 'đang khởi động âm ly', en: 'warming up' },
  playing: { vi: 'đang phát', en: 'playing' },
  paused: { vi: 'tạm dừng', en: 'paused' },
  cooling: { vi: 'đang tắt âm ly', en: 'cooling down' },
  blocked: { vi: 'bị chặn', en: 'blocked' },
};

/** Broadcast minutes in words: "1 giờ 20 phút"; a day or more (the forecast's cap) as such. */
export function minutesText(minutes: number): Text {
  if (minutes >= 1440) return { vi: 'hơn một ngày', en: 'a day or more' };
  return duration(Math.round(minutes) * 60);
}

/** The volume steps `loa unit status` lists a forecast for (the JSON has every step). */
const SHOWN_VOLUMES = [40, 70, 100];

/** The energy lines of `loa unit status`: label and value, in both languages. */
export function energyLines(e: EnergySnapshot): [Text, Text][] {
  const lines: [Text, Text][] = [];
  const [now, ...steps] = e.forecasts;
  if (now && now.minutesLeft !== null && now.minutesLeftNoSun !== null) {
    const left = minutesText(now.minutesLeft);
    const dark = minutesText(now.minutesLeftNoSun);
    lines.push([
      { vi: 'Còn phát', en: 'Broadcast left' },
      { vi: `≈ ${left.vi} ở ${now.volumePercent} % (không nắng: ${dark.vi})`, en: `≈ ${left.en} at ${now.volumePercent} % (without sun: ${dark.en})` },
    ]);
    const shown = steps.filter((f) => SHOWN_VOLUMES.includes(f.volumePercent) && f.minutesLeft !== null);
    if (shown.length > 0) {
      const each = (lang: 'vi' | 'en'): string => shown.map((f) => `${f.volumePercent} %: ${minutesText(f.minutesLeft!)[lang]}`).join(' · ');
      lines.push([{ vi: 'Theo âm lượng', en: 'By volume' }, { vi: each('vi'), en: each('en') }]);
    }
  }
  if (e.reserveMinutes !== null) {
    const r = minutesText(e.reserveMinutes);
    // What an emergency clip could still use (down to the cut-off), and whether ordinary clips are stopped already.
    const kept = e.reserveKept ? { vi: '', en: '' } : { vi: ' — đã đến phần dự phòng: chỉ phát tin khẩn cấp', en: ' — the reserve is reached: emergency clips only' };
    lines.push([{ vi: 'Tin khẩn cấp', en: 'Emergencies' }, { vi: `còn phát được ≈ ${r.vi}${kept.vi}`, en: `≈ ${r.en} of broadcast left${kept.en}` }]);
  }
  if (e.minutesToFull !== null) {
    const f = minutesText(e.minutesToFull);
    lines.push([{ vi: 'Sạc đầy sau', en: 'Full in' }, { vi: `≈ ${f.vi} với nắng hiện tại`, en: `≈ ${f.en} at the current sun` }]);
  }
  const h = e.health;
  lines.push([
    { vi: 'Sức khoẻ pin', en: 'Battery health' },
    h ? { vi: `≈ ${Math.round(h.percent)} % dung lượng (${h.capacityAh.toFixed(1)} Ah)`, en: `≈ ${Math.round(h.percent)} % of its capacity (${h.capacityAh.toFixed(1)} Ah)` } : { vi: 'chưa đủ dữ liệu (cần vài ngày)', en: 'not known yet (a few days)' },
  ]);
  return lines;
}
