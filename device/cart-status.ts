/** What `loa unit status` shows: the cart's answer on its control socket, as JSON. */
import type { Stamp } from '../protocol/index.js';
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
