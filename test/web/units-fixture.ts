// A cart as GET /api/units gives it, for the front-end's helper tests: every field, the ones a test cares about given.
import type { Unit } from '../../web/src/lib/types.js';

/** 2026-11-29 00:30 in Vietnam. */
export const T = Date.UTC(2026, 10, 28, 17, 30) / 1000;

export function unit(over: Partial<Unit> & { id: string; number: number }): Unit {
  return {
    commune: 'xa-a',
    communeName: 'Xã A',
    team: 'to-a',
    teamName: 'Tổ A',
    profile: 'pi',
    firmware: null,
    provisionedAt: 0,
    online: true,
    lastSeen: T,
    position: null,
    battery: { mv: null, ma: null, soc: null, solarMv: null, solarMa: null },
    playerState: 'idle',
    amplifierOn: null,
    volume: null,
    faults: [],
    manifestVersion: null,
    clipsMissing: null,
    outboxDepth: null,
    energy: null,
    ...over,
  };
}
