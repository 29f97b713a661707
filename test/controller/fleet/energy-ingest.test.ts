// The telemetry energy group through the real ingest on a real SQLite file: the last forecast per unit (with "not
// charging" and "health not learned" overwriting older values, a telemetry without the group leaving them alone),
// and the per-minute history.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeFrame, type Message, type TelemetryEnergy } from '../../../protocol/index.js';
import { FleetIngest, type FrameOrigin } from '../../../controller/fleet/ingest.js';
import type { Unit } from '../../../controller/fleet/registry.js';
import { listUnitStates } from '../../../controller/fleet/unit-state.js';
import { makeFleet, T, type Fleet } from './harness.js';

let fleet: Fleet;
let now: number;
let ingest: FleetIngest;
let seq: number;
const origin: FrameOrigin = { link: 'test', reply: async () => {} };

beforeEach(async () => {
  fleet = await makeFleet();
  now = T * 1000;
  seq = 0;
  ingest = new FleetIngest({ db: fleet.db, registry: fleet.registry, district: 'yen-dinh', framer: fleet.framer, clock: () => now });
  await ingest.start();
});

afterEach(async () => {
  await ingest.stop();
  await fleet.close();
});

async function send(unit: Unit, messages: Message[]): Promise<void> {
  await ingest.ingestFrame(encodeFrame({ kind: 'unit', unit: unit.number, boot: 1, seq: seq++, messages }, unit.key), origin);
}

const charging: TelemetryEnergy = { minutesLeft: 80, minutesLeftNoSun: 55, reserveMinutes: 15, minutesToFull: 130, healthPercent: 86 };

describe('energy telemetry ingest', () => {
  it('keeps the last forecast per unit, and the history one row a minute', async () => {
    const a = fleet.carts.a.unit;
    await send(a, [{ type: 'telemetry', soc: 70, volume: 60, energy: charging }]);
    now += 20_000;
    await send(a, [{ type: 'telemetry', soc: 69 }]); // no energy group: the forecast stays
    await ingest.flush();
    let [state] = await listUnitStates(fleet.db, { now: T + 30, unitId: a.id });
    expect(state!.energy).toEqual({ ...charging, at: T });

    now += 60_000; // the next minute: the sun has gone, health not learned after a battery swap
    const dusk: TelemetryEnergy = { minutesLeft: 0, minutesLeftNoSun: 0, reserveMinutes: 12, minutesToFull: null, healthPercent: null };
    await send(a, [{ type: 'telemetry', soc: 30, energy: dusk }]);
    await ingest.flush();
    [state] = await listUnitStates(fleet.db, { now: T + 90, unitId: a.id });
    expect(state!.energy).toEqual({ ...dusk, at: T + 80 });

    const rows = await fleet.db.exclusive(() =>
      fleet.db.all('SELECT minute, soc, minutes_left, minutes_left_no_sun, reserve_minutes, minutes_to_full, health_percent FROM telemetry_samples WHERE unit_id = ? ORDER BY minute', [a.id]),
    );
    expect(rows).toEqual([
      { minute: Math.floor(T / 60), soc: 70, minutes_left: 80, minutes_left_no_sun: 55, reserve_minutes: 15, minutes_to_full: 130, health_percent: 86 },
      { minute: Math.floor((T + 80) / 60), soc: 30, minutes_left: 0, minutes_left_no_sun: 0, reserve_minutes: 12, minutes_to_full: null, health_percent: null },
    ]);
  });

  it('takes the minute’s latest forecast into its history row', async () => {
    const a = fleet.carts.a.unit;
    await send(a, [{ type: 'telemetry', soc: 70, energy: charging }]);
    now += 30_000;
    await send(a, [{ type: 'telemetry', energy: { ...charging, minutesLeft: 75 } }]);
    await ingest.flush();
    const rows = await fleet.db.exclusive(() => fleet.db.all('SELECT minutes_left FROM telemetry_samples WHERE unit_id = ?', [a.id]));
    expect(rows).toEqual([{ minutes_left: 75 }]);
  });

  it('shows no forecast for a unit that never sent one', async () => {
    const a = fleet.carts.a.unit;
    await send(a, [{ type: 'telemetry', soc: 70 }]);
    await ingest.flush();
    const [state] = await listUnitStates(fleet.db, { now: T, unitId: a.id });
    expect(state!.energy).toBeNull();
  });
});
