/**
 * Realistic fleet data for tests, benches and demos: a district of communes (one propaganda team each, a few carts
 * per team), and for every cart and day of a period what ingest would have stored. Seeded: the same options give the
 * same rows.
 *
 * The day of a cart: its board wakes at about 06:00 and sleeps at about 19:00 (an online status each way, a hello);
 * on most days the team takes it out once or twice (morning and late afternoon) for 30–75 minutes, walking at
 * about 3.5 km/h and playing clips of 45 s – 4 min with short gaps and a longer stop now and then. Telemetry is kept
 * every minute while the cart is out and every 30 minutes otherwise; the track is thinned to a point every
 * 2 minutes, with a rare GNSS glitch; a few faults. A cart has a few runs of days without a link: it still plays,
 * but nothing is online and its records arrive when the link is back (their `server_time`).
 */
import { encodeMessage, type DurableRecord } from '../../protocol/index.js';
import type { SqliteDb, SqlValue } from '../../lib/sqlite.js';
import { dayStart, DAY_S, VN_OFFSET_S, vnDay } from './period.js';

export interface GenerateOptions {
  units: number;
  /** Unix seconds: the first and the first-after days generated (whole Vietnam days are used). */
  start: number;
  end: number;
  seed?: number;
  unitsPerCommune?: number;
  /**
   * Put before every commune, team and unit id (e.g. `a3-`), so that several generated areas (a province hub's test,
   * bench:scale) have distinct ids; a commune id is cut to 29 characters so its carts' ids stay topic-safe.
   */
  idPrefix?: string;
  /** Give the communes official-looking codes: the i-th commune gets `codeBase + i`, 5 digits (e.g. 16000). */
  codeBase?: number;
  /** The communes to use, in order, instead of the built-in names (ids from their names when not given). */
  communes?: readonly GeneratedCommune[];
  /**
   * Teams per commune (default 1): a merged commune often keeps one team per former commune. Team ids are
   * `to-<commune>` for one team, `to-<commune>-<k>` for several; carts are dealt to them in turn.
   */
  teamsPerCommune?: number;
}

/** A commune for {@link GenerateOptions.communes}; a position on the generated grid when none is given. */
export interface GeneratedCommune {
  name: string;
  id?: string;
  code?: string;
  kind?: 'xa' | 'phuong' | 'dac-khu';
  lat?: number;
  lon?: number;
}

export interface GenerateSummary {
  communes: number;
  units: number;
  plays: number;
  events: number;
  trackPoints: number;
  samples: number;
  statusChanges: number;
  records: number;
}

const NAMES = ['Đại Lộc', 'Triệu Lộc', 'Đồng Lộc', 'Thành Lộc', 'Cầu Lộc', 'Tiến Lộc', 'Phong Lộc', 'Tuy Lộc', 'Lộc Sơn', 'Mỹ Lộc',
  'Văn Lộc', 'Thuần Lộc', 'Lộc Tân', 'Xuân Lộc', 'Hoa Lộc', 'Liên Lộc', 'Quang Lộc', 'Phú Lộc', 'Hòa Thành', 'Minh Lộc', 'Hưng Lộc',
  'Hải Lộc', 'Đa Lộc', 'Ngư Lộc', 'Châu Lộc', 'Thịnh Lộc', 'Lộc Nam', 'Ngọc Lộc', 'Phúc Lộc', 'Bắc Lộc'];
const FAULT_CODES = ['relay-mismatch', 'audio', 'gnss', 'player', 'nothing-playable'];
const CLIPS = Array.from({ length: 24 }, (_, i) => ({ id: `noi-dung-${String(i + 1).padStart(2, '0')}`, seconds: 45 + ((i * 37) % 196) }));

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function slug(name: string): string {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

const M_PER_DEG = 111_320;

interface UnitRows {
  plays: SqlValue[][];
  events: SqlValue[][];
  points: SqlValue[][];
  samples: SqlValue[][];
  status: SqlValue[][];
  records: SqlValue[][];
  hellos: SqlValue[][];
}

/** Writes the district and `options.units` carts' data into the fleet tables of `db` (created, empty). */
export async function generateFleet(db: SqliteDb, options: GenerateOptions): Promise<GenerateSummary> {
  if (!Number.isInteger(options.units) || options.units < 1) throw new RangeError(`units must be a whole number ≥ 1, got ${String(options.units)}`);
  if (!(options.end > options.start)) throw new RangeError(`end must be after start, got start ${options.start}, end ${options.end}`);
  const rand = prng(options.seed ?? 1);
  const perCommune = options.unitsPerCommune ?? 4;
  const communeCount = Math.ceil(options.units / perCommune);
  const centre = { lat: 19.93, lon: 105.88 };
  const communes = communeList(options, communeCount, centre);
  const teams = teamsOf(communes, options.teamsPerCommune ?? 1);
  const summary: GenerateSummary = { communes: communeCount, units: options.units, plays: 0, events: 0, trackPoints: 0, samples: 0, statusChanges: 0, records: 0 };
  const firstDay = vnDay(options.start);
  const lastDay = vnDay(options.end - 1);
  await db.transaction(async () => {
    await db.insertMany('communes', ['id', 'name', 'lat', 'lon', 'code', 'kind'], communes.map((c) => [c.id, c.name, c.lat, c.lon, c.code, c.kind]));
    await db.insertMany('teams', ['id', 'commune_id', 'name'], teams.flat().map((t) => [t.id, t.commune, t.name]));
  });
  for (let n = 0; n < options.units; n++) {
    const commune = communes[n % communeCount]!;
    const round = Math.floor(n / communeCount);
    const team = teams[n % communeCount]![round % teams[n % communeCount]!.length]!;
    const unitId = `${commune.id}-${String(round + 1).padStart(2, '0')}`;
    const rows = unitDays(rand, unitId, commune, firstDay, lastDay);
    await db.transaction(async () => {
      const key = Buffer.from(Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
      await db.run(
        `INSERT INTO units (id, number, commune_id, team_id, profile, firmware, provisioned_at, unit_key, password_hash) VALUES (?, ?, ?, ?, 'pi-zero-2w', '1.0.0', ?, ?, 'scrypt$generated')`,
        [unitId, n + 1, commune.id, team.id, dayStart(firstDay - 30), key],
      );
      await db.insertMany('plays', ['unit_id', 'record', 'clip', 'manifest_version', 'start', 'time_source', 'seconds', 'outcome', 'trigger', 'volume', 'lat', 'lon'], rows.plays);
      await db.insertMany('events', ['unit_id', 'record', 'time', 'time_source', 'kind', 'code', 'detail'], rows.events);
      await db.insertMany('track_points', ['unit_id', 'record', 'idx', 'time', 'lat', 'lon'], rows.points);
      await db.insertMany('telemetry_samples', SAMPLE_COLUMNS, rows.samples);
      await db.insertMany('status_changes', ['unit_id', 'time', 'online'], rows.status);
      await db.insertMany('records', ['unit_id', 'record', 'type', 'device_time', 'time_source', 'server_time', 'bytes'], rows.records);
      await db.insertMany('hellos', ['unit_id', 'record', 'firmware', 'manifest_version', 'capabilities', 'boot_time', 'time_source'], rows.hellos);
    });
    summary.plays += rows.plays.length;
    summary.events += rows.events.length;
    summary.trackPoints += rows.points.length;
    summary.samples += rows.samples.length;
    summary.statusChanges += rows.status.length;
    summary.records += rows.records.length;
  }
  return summary;
}

interface MadeCommune {
  id: string;
  name: string;
  lat: number;
  lon: number;
  code: string | null;
  kind: string;
}

/** The communes of a generated area: the given ones or the built-in names, on a grid around `centre`. */
function communeList(o: GenerateOptions, count: number, centre: { lat: number; lon: number }): MadeCommune[] {
  const prefix = o.idPrefix ?? '';
  const side = Math.ceil(Math.sqrt(count));
  return Array.from({ length: count }, (_, i) => {
    const given = o.communes?.[i % o.communes.length];
    const base = i < NAMES.length ? NAMES[i]! : `${NAMES[i % NAMES.length]!} ${Math.floor(i / NAMES.length) + 1}`;
    const name = given?.name ?? `Xã ${base}`;
    const id = `${prefix}${given?.id ?? slug(given === undefined ? base : name.replace(/^(Xã|Phường|Đặc khu) /, ''))}`.slice(0, 29).replace(/-$/, '');
    const code = given?.code ?? (o.codeBase === undefined ? null : String(o.codeBase + i).padStart(5, '0'));
    return {
      id,
      name,
      lat: given?.lat ?? centre.lat + (Math.floor(i / side) - side / 2) * 0.045,
      lon: given?.lon ?? centre.lon + ((i % side) - side / 2) * 0.048,
      code,
      kind: given?.kind ?? 'xa',
    };
  });
}

/** Each commune's teams (see {@link GenerateOptions.teamsPerCommune}). */
function teamsOf(communes: readonly MadeCommune[], perCommune: number): { id: string; commune: string; name: string }[][] {
  if (!Number.isInteger(perCommune) || perCommune < 1) throw new RangeError(`teamsPerCommune must be a whole number ≥ 1, got ${String(perCommune)}`);
  return communes.map((c) => {
    const name = `Tổ tuyên truyền ${c.name.replace('Xã ', 'xã ')}`;
    if (perCommune === 1) return [{ id: `to-${c.id}`, commune: c.id, name }];
    return Array.from({ length: perCommune }, (_, k) => ({ id: `to-${c.id}-${k + 1}`, commune: c.id, name: `${name} ${k + 1}` }));
  });
}

/** Every row of one cart over the days [firstDay, lastDay] (Vietnam day numbers). */
function unitDays(rand: () => number, unitId: string, home: { lat: number; lon: number }, firstDay: number, lastDay: number): UnitRows {
  const rows: UnitRows = { plays: [], events: [], points: [], samples: [], status: [], records: [], hellos: [] };
  const weak = rand() < 0.1; // an old battery: drains three times as fast
  let record = 0;
  let soc = 80 + Math.floor(rand() * 20);
  let offlineLeft = 0;
  let backlog: { index: number }[] = []; // records waiting for the link
  let pos = { lat: home.lat + (rand() - 0.5) * 0.01, lon: home.lon + (rand() - 0.5) * 0.01 };
  const durable = (m: DurableRecord, deviceTime: number, serverTime: number, online: boolean) => {
    rows.records.push([unitId, m.record, m.type, deviceTime, 'gnss', serverTime, encodeMessage(m)]);
    if (!online) backlog.push({ index: rows.records.length - 1 });
  };
  for (let day = firstDay; day <= lastDay; day++) {
    const midnight = dayStart(day);
    if (offlineLeft === 0 && rand() < 0.008) offlineLeft = 1 + Math.floor(rand() * 4);
    const online = offlineLeft === 0;
    if (offlineLeft > 0) offlineLeft--;
    const wake = midnight + 6 * 3600 - Math.floor(rand() * 1800);
    const sleep = midnight + 19 * 3600 + Math.floor(rand() * 1800);
    if (online) {
      rows.status.push([unitId, wake + 20, 1], [unitId, sleep, 0]);
      for (const b of backlog) rows.records[b.index]![5] = wake + 25; // the backlog arrives with the link
      backlog = [];
    }
    const hello: DurableRecord = { type: 'hello', record: ++record, firmware: '1.0.0', manifestVersion: 7, capabilities: ['relay', 'buttons', 'audio', 'gnss', 'power-board', 'mqtt'], bootTime: { time: wake, source: 'gnss' } };
    durable(hello, wake, wake + 25, online);
    rows.hellos.push([unitId, hello.record, '1.0.0', 7, JSON.stringify(hello.capabilities), wake, 'gnss']);
    // Sessions of the day: [start, end] of the amplifier, and the plays inside.
    const sessions: { on: number; off: number; plays: { start: number; seconds: number }[] }[] = [];
    if (rand() < 0.78) {
      const starts = [midnight + 6.5 * 3600 + rand() * 5400];
      if (rand() < 0.4) starts.push(midnight + 16.5 * 3600 + rand() * 5400);
      for (const s0 of starts) {
        const length = (30 + rand() * 45) * 60;
        const plays: { start: number; seconds: number }[] = [];
        let t = Math.round(s0 + 1.5);
        while (t < s0 + length) {
          const clip = CLIPS[Math.floor(rand() * CLIPS.length)]!;
          const next = rand() < 0.05;
          const seconds = next ? Math.round(clip.seconds * rand() * 10) / 10 : clip.seconds;
          plays.push({ start: t, seconds });
          const where = { lat: pos.lat, lon: pos.lon };
          const p: DurableRecord = { type: 'play', record: ++record, start: { time: t, source: 'gnss' }, clip: clip.id, manifestVersion: 7, seconds, outcome: next ? 'next' : 'completed', trigger: 'button', volume: 70, where };
          rows.plays.push([unitId, p.record, clip.id, 7, t, 'gnss', seconds, p.outcome, 'button', 70, where.lat, where.lon]);
          durable(p, t, online ? t + Math.ceil(seconds) + 2 : 0, online);
          t += Math.ceil(seconds) + 5 + Math.floor(rand() * 35) + (rand() < 0.08 ? 120 + Math.floor(rand() * 240) : 0);
        }
        const last = plays[plays.length - 1]!;
        sessions.push({ on: Math.round(s0), off: last.start + Math.ceil(last.seconds) + 1, plays });
        if (rand() < 0.03) {
          const at = Math.round(s0 + rand() * length);
          const code = FAULT_CODES[Math.floor(rand() * FAULT_CODES.length)]!;
          const e: DurableRecord = { type: 'event', record: ++record, at: { time: at, source: 'gnss' }, kind: 'fault', code, detail: `fault ${code}` };
          rows.events.push([unitId, e.record, at, 'gnss', 'fault', code, e.detail]);
          durable(e, at, at + 3, online);
        }
      }
    }
    // The board's minutes: telemetry, track, battery.
    let amp = 0;
    let audio = 0;
    let track: { time: number; lat: number; lon: number }[] = [];
    const flushTrack = () => {
      if (track.length === 0) return;
      const tr: DurableRecord = { type: 'track', record: ++record, source: 'gnss', points: track };
      track.forEach((p, idx) => rows.points.push([unitId, tr.record, idx, p.time, p.lat, p.lon]));
      const at = track[track.length - 1]!.time;
      durable(tr, at, at + 5, online);
      track = [];
    };
    let heading = rand() * 2 * Math.PI;
    for (let minute = Math.ceil(wake / 60); minute * 60 < sleep; minute++) {
      const t = minute * 60;
      const s = sessions.find((x) => t >= x.on - 120 && t <= x.off + 120);
      const ampOn = sessions.some((x) => t >= x.on && t < x.off);
      if (ampOn) amp += 60;
      const playing = s?.plays.find((p) => t >= p.start && t < p.start + p.seconds);
      if (playing) audio += 60;
      const hour = ((t + VN_OFFSET_S) % DAY_S) / 3600;
      const sun = Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
      soc = Math.min(100, Math.max(0, soc + sun * 0.09 - (ampOn ? (weak ? 0.75 : 0.25) : 0.01)));
      if (s !== undefined) {
        heading += (rand() - 0.5) * 0.6;
        const toHome = Math.hypot(pos.lat - home.lat, pos.lon - home.lon) > 0.02;
        if (toHome) heading = Math.atan2(home.lat - pos.lat, home.lon - pos.lon);
        const metres = playing ? 40 : 60;
        pos = { lat: pos.lat + (Math.sin(heading) * metres) / M_PER_DEG, lon: pos.lon + (Math.cos(heading) * metres) / (M_PER_DEG * Math.cos((pos.lat * Math.PI) / 180)) };
        if (minute % 2 === 0) {
          const glitch = rand() < 0.003;
          track.push({ time: t, lat: pos.lat + (glitch ? 0.02 : 0), lon: pos.lon });
          if (track.length === 10) flushTrack();
        }
      } else flushTrack();
      if (online && (s !== undefined || minute % 30 === 0)) {
        const socInt = Math.round(soc);
        rows.samples.push([
          ...[unitId, minute, 11_800 + socInt * 12, ampOn ? -2500 : -300, Math.round(sun * 18_000), Math.round(sun * 1500), socInt, ampOn ? 1 : 0],
          ...[playing ? 'playing' : 'idle', 70, t - wake, amp, audio, '[]'],
          ...energyForecast(socInt, sun, weak),
        ]);
      }
    }
    flushTrack();
  }
  for (const b of backlog) rows.records[b.index]![5] = dayStart(lastDay + 1) + 3600; // after the period
  return rows;
}

const SAMPLE_COLUMNS = [
  ...['unit_id', 'minute', 'battery_mv', 'battery_ma', 'solar_mv', 'solar_ma', 'soc', 'amplifier_on', 'player_state', 'volume'],
  ...['uptime_s', 'amplifier_s', 'audio_s', 'faults'],
  ...['minutes_left', 'minutes_left_no_sun', 'reserve_minutes', 'minutes_to_full', 'health_percent'],
];

/**
 * A plausible energy forecast for a sample (protocol SPEC.md 0x02 bit 11): the minutes above a 25 % floor, fewer on a
 * weak battery (whose health is 72 %, under the report's replace-the-battery line), and the time to full in the sun.
 */
function energyForecast(soc: number, sun: number, weak: boolean): SqlValue[] {
  const cap = (m: number): number => Math.min(1440, Math.max(0, Math.round(m)));
  const left = cap((soc - 25) * (weak ? 1.6 : 2.2));
  const toFull = sun > 0.1 && soc < 100 ? cap((100 - soc) / (sun * 0.09)) : null;
  return [left, cap(left * 0.7), soc > 15 ? 15 : cap(soc), toFull, weak ? 72 : 93];
}
