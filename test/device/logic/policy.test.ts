import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { secondsOnLocalDay } from '../../../device/logic/local-time.js';
import { defaultPolicyConfig, validatePolicyConfig, type PolicyConfig } from '../../../device/logic/policy-config.js';
import { evaluatePolicy, initialPolicyState, insideAllowedHours, nextAllowedTime, type PolicyInput, type PolicyState } from '../../../device/logic/policy.js';

/** An instant given in local time (UTC+7) on 29/11/2026. */
const local = (h: number, m: number, s = 0, ms = 0, day = 29): number => Date.UTC(2026, 10, day, h - 7, m, s, ms);
const config = defaultPolicyConfig();
const base: PolicyInput = { now: local(9, 0), position: null, socPercent: 80, sessionSeconds: 0, playedTodaySeconds: 0 };
const decide = (over: Partial<PolicyInput>, cfg: PolicyConfig = config, state: PolicyState = initialPolicyState()) =>
  evaluatePolicy({ ...base, ...over }, state, cfg);
const codes = (over: Partial<PolicyInput>, cfg?: PolicyConfig): string[] => decide(over, cfg).reasons.map((r) => r.code);

describe('allowed hours, local time UTC+7', () => {
  it('allows 06:30–11:00 and 13:30–21:30, start included, end excluded', () => {
    expect(local(11, 0)).toBe(Date.UTC(2026, 10, 29, 4, 0)); // 11:00 local is 04:00 UTC
    expect(codes({ now: local(6, 29, 59, 999) })).toEqual(['outside-hours']);
    expect(codes({ now: local(6, 30) })).toEqual([]);
    expect(codes({ now: local(10, 59, 59, 999) })).toEqual([]);
    expect(codes({ now: local(11, 0) })).toEqual(['outside-hours']);
    expect(codes({ now: local(13, 29, 59, 999) })).toEqual(['outside-hours']);
    expect(codes({ now: local(13, 30) })).toEqual([]);
    expect(codes({ now: local(21, 29, 59) })).toEqual([]);
    expect(codes({ now: local(21, 30) })).toEqual(['outside-hours']);
    expect(codes({ now: local(0, 10) })).toEqual(['outside-hours']); // 17:10 UTC the day before
  });

  it('says why in Vietnamese first, with English, and when broadcasting may start again', () => {
    const [reason] = decide({ now: local(11, 0) }).reasons;
    expect(reason?.detail.vi).toBe('Ngoài giờ phát cho phép (06:30–11:00, 13:30–21:30); phát lại được lúc 13:30');
    expect(reason?.detail.en).toBe('Outside the allowed broadcast hours (06:30–11:00, 13:30–21:30); allowed again at 13:30');
    expect(decide({ now: local(22, 0) }).reasons[0]?.detail.vi).toMatch(/lúc 06:30 ngày 30\/11\/2026$/);
  });

  it('nextAllowedTime: now when inside, else the next window start, tomorrow after the last', () => {
    expect(nextAllowedTime(local(9, 0), config)).toBe(local(9, 0));
    expect(nextAllowedTime(local(11, 0), config)).toBe(local(13, 30));
    expect(nextAllowedTime(local(5, 0), config)).toBe(local(6, 30));
    expect(nextAllowedTime(local(21, 30), config)).toBe(local(6, 30, 0, 0, 30));
    expect(nextAllowedTime(local(9, 0), config, { skipToday: true })).toBe(local(6, 30, 0, 0, 30));
    expect(nextAllowedTime(local(9, 0), { ...config, allowedHours: [] })).toBeNull();
  });

  it('nextAllowedTime is inside the hours, not before now, and no allowed minute comes before it', () => {
    const day = local(0, 0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * 86_400_000 }), (offset) => {
        const now = day + offset;
        const next = nextAllowedTime(now, config)!;
        expect(next).toBeGreaterThanOrEqual(now);
        expect(insideAllowedHours(next, config)).toBe(true);
        for (let t = Math.ceil(now / 60_000) * 60_000; t < next; t += 60_000) expect(insideAllowedHours(t, config)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('session and daily limits', () => {
  it('blocks at 45 minutes of continuous broadcast', () => {
    expect(codes({ sessionSeconds: 45 * 60 - 1 })).toEqual([]);
    const d = decide({ sessionSeconds: 45 * 60 });
    expect(d.reasons.map((r) => r.code)).toEqual(['session-limit']);
    expect(d.reasons[0]?.detail.vi).toBe('Đã phát liên tục 45 phút, tối đa mỗi lượt là 45 phút: hãy tắt loa nghỉ rồi phát lại');
  });

  it('blocks at 4 hours in a local day and starts counting again at local midnight (17:00 UTC)', () => {
    const allDay = validatePolicyConfig({ allowedHours: [{ from: '00:00', to: '24:00' }] });
    const plays = [
      { start: local(6, 30), end: local(10, 30) }, // 4 h on 29/11
      { start: local(23, 30), end: local(0, 30, 0, 0, 30) }, // across midnight: 30 min on each day
    ];
    const at = (now: number) => decide({ now, playedTodaySeconds: secondsOnLocalDay(plays, now) }, allDay);
    expect(secondsOnLocalDay(plays, local(23, 59, 59, 999))).toBe(4.5 * 3600 - 0.001);
    const lateEvening = at(local(23, 0));
    expect(lateEvening.reasons.map((r) => r.code)).toEqual(['daily-limit']);
    expect(lateEvening.reasons[0]?.detail.vi).toBe('Hôm nay đã phát đủ 4 giờ, mức tối đa mỗi ngày; phát lại được lúc 00:00 ngày 30/11/2026');
    expect(local(0, 0, 0, 0, 30)).toBe(Date.UTC(2026, 10, 29, 17, 0));
    expect(secondsOnLocalDay(plays, Date.UTC(2026, 10, 29, 17, 0))).toBe(0);
    const afterMidnight = at(Date.UTC(2026, 10, 29, 17, 0));
    expect(afterMidnight.allowed).toBe(true);
    expect(secondsOnLocalDay(plays, local(1, 0, 0, 0, 30))).toBe(1800);
    expect(at(local(3, 0, 0, 0, 30)).allowed).toBe(true);
  });
});

describe('quiet zones', () => {
  // An L-shaped school ground (concave) near a commune centre in Thanh Hóa, and a clinic with a volume cap.
  const school: [number, number][] = [
    [19.9, 105.5],
    [19.9, 105.502],
    [19.901, 105.502],
    [19.901, 105.501],
    [19.902, 105.501],
    [19.902, 105.5],
  ];
  const cfg = validatePolicyConfig({
    quietZones: [
      { name: 'Trường THCS Dân Lực', polygon: school, action: 'block' },
      { name: 'Trạm y tế xã', lat: 19.91, lon: 105.51, radiusM: 100, action: { capVolume: 40 } },
      { name: 'Chùa', lat: 19.9105, lon: 105.51, radiusM: 100, action: { capVolume: 25 } },
    ],
  });

  it('blocks inside the polygon, not outside it nor in the notch of the L', () => {
    const inside = decide({ position: { lat: 19.9005, lon: 105.5015 } }, cfg);
    expect(inside.reasons.map((r) => r.code)).toEqual(['quiet-zone']);
    expect(inside.reasons[0]?.detail.vi).toBe('Đang trong vùng yên lặng “Trường THCS Dân Lực”: không được phát, hãy đẩy xe ra khỏi vùng này');
    expect(decide({ position: { lat: 19.9015, lon: 105.5005 } }, cfg).allowed).toBe(false);
    expect(decide({ position: { lat: 19.9015, lon: 105.5015 } }, cfg).allowed).toBe(true); // the notch
    expect(decide({ position: { lat: 19.899, lon: 105.501 } }, cfg).allowed).toBe(true);
  });

  it('caps the volume inside a circle (haversine radius), to the lowest cap where zones overlap', () => {
    const clinic = decide({ position: { lat: 19.9, lon: 105.51 } }, cfg);
    expect(clinic).toMatchObject({ allowed: true, volumeCap: null });
    // 0.0008° of latitude is about 89 m: inside the clinic's 100 m, outside the pagoda's (about 144 m away).
    const near = decide({ position: { lat: 19.9092, lon: 105.51 } }, cfg);
    expect(near).toMatchObject({ allowed: true, volumeCap: 40 });
    expect(near.warnings[0]?.detail.vi).toBe('Trong vùng yên lặng “Trạm y tế xã”: âm lượng tối đa 40 %');
    expect(decide({ position: { lat: 19.9102, lon: 105.51 } }, cfg).volumeCap).toBe(25);
    expect(decide({ position: { lat: 19.9092 - 0.0002, lon: 105.51 } }, cfg).volumeCap).toBeNull(); // ~111 m
  });

  it('without a position, warns that quiet zones cannot be checked and does not block', () => {
    const d = decide({ position: null }, cfg);
    expect(d.allowed).toBe(true);
    expect(d.warnings.map((w) => [w.code, w.detail.vi])).toEqual([['position-unknown', 'Chưa có vị trí GPS: không kiểm tra được vùng yên lặng']]);
  });
});

describe('low battery with hysteresis', () => {
  function run(socs: (number | null)[], cfg = config): boolean[] {
    let state = initialPolicyState();
    return socs.map((socPercent) => {
      const d = decide({ socPercent }, cfg, state);
      state = d.state;
      return d.allowed;
    });
  }

  it('lead-acid: cuts off below 30 %, allows again only above 40 %, without flapping in between', () => {
    expect(run([31, 30, 29.9, 30.1, 29.8, 30.2, 35, 40, 40.1, 39, 30.5, 29.99])).toEqual([
      true, true, false, false, false, false, false, false, true, true, true, false,
    ]);
    const d = decide({ socPercent: 29.6 });
    expect(d.reasons[0]?.detail.vi).toBe('Pin yếu (còn 30 %): ngừng phát dưới 30 %, chỉ phát lại khi pin trên 40 %; hãy để xe sạc dưới nắng');
  });

  it('LiFePO4 defaults: below 15 %, above 25 %', () => {
    const li = validatePolicyConfig({ lowBattery: { chemistry: 'lifepo4' } });
    expect(li.lowBattery).toEqual({ chemistry: 'lifepo4', blockBelowPercent: 15, resumeAbovePercent: 25 });
    expect(run([20, 14.9, 20, 25, 25.1], li)).toEqual([true, false, false, false, true]);
  });

  it('an unknown charge keeps the latch as it was and says so', () => {
    expect(run([29, null, null, 41, null])).toEqual([false, false, false, true, true]);
    expect(decide({ socPercent: null }).warnings.map((w) => w.code)).toEqual(['battery-unknown']);
  });

  it('for any charge sequence, the decision changes only after the charge crossed the whole band', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constant(null)), { maxLength: 60 }), (socs) => {
        const allowed = run(socs);
        let expected = true;
        socs.forEach((soc, i) => {
          if (soc !== null && soc < 30) expected = false;
          if (soc !== null && soc > 40) expected = true;
          expect(allowed[i]).toBe(expected);
        });
      }),
    );
    // A charge wandering between the thresholds never changes the state it started with.
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.double({ min: 30, max: 40, noNaN: true }), { minLength: 1, maxLength: 60 }), (latched, socs) => {
        let state: PolicyState = { lowBattery: latched };
        for (const socPercent of socs) {
          state = decide({ socPercent }, config, state).state;
          expect(state.lowBattery).toBe(latched);
        }
      }),
    );
  });
});

describe('decisions', () => {
  it('lists every reason at once, in a fixed order', () => {
    const cfg = validatePolicyConfig({ quietZones: [{ name: 'Trường', lat: 20, lon: 105, radiusM: 50, action: 'block' }] });
    const d = decide({ now: local(12, 0), position: { lat: 20, lon: 105 }, socPercent: 10, sessionSeconds: 3600, playedTodaySeconds: 5 * 3600 }, cfg);
    expect(d.allowed).toBe(false);
    expect(d.reasons.map((r) => r.code)).toEqual(['outside-hours', 'session-limit', 'daily-limit', 'quiet-zone', 'low-battery']);
    for (const r of d.reasons) expect(r.detail.en.length).toBeGreaterThan(10);
  });

  it('refuses bad input naming the field and repeating the value', () => {
    expect(() => decide({ now: Number.NaN })).toThrow('input.now must be ms since the epoch, got NaN');
    expect(() => decide({ socPercent: 120 })).toThrow('input.socPercent must be null or 0..100, got 120');
    expect(() => decide({ sessionSeconds: -1 })).toThrow('input.sessionSeconds must be 0 or more seconds, got -1');
    expect(() => decide({ position: { lat: 95, lon: 0 } })).toThrow('input.position must be null or { lat: −90..90, lon: −180..180 }, got {"lat":95,"lon":0}');
  });
});
