// The energy forecast in the console's words (web/src/lib/energy.ts), both languages: minutes rounded past an hour,
// "a day or more" at the cap, charging, the reserve only, an offline cart's forecast said to be old, and the unit
// page's health, reserve and no-sun facts.
import { describe, expect, it } from 'vitest';
import { energyFacts, energyLine, fmtMinutesLeft } from '../../web/src/lib/energy.js';
import { makeT } from '../../web/src/lib/i18n.js';
import { T, unit } from './units-fixture.js';

const vi = makeT('vi');
const en = makeT('en');
const energy = { minutesLeft: 80, minutesLeftNoSun: 55, reserveMinutes: 15, minutesToFull: null, healthPercent: 86, at: T };

describe('energy forecast in words', () => {
  it('writes minutes, hours and minutes, whole hours and a day or more', () => {
    expect(fmtMinutesLeft(45, 'vi')).toBe('45 phút');
    expect(fmtMinutesLeft(80, 'vi')).toBe('1 giờ 20 phút');
    expect(fmtMinutesLeft(122, 'vi')).toBe('2 giờ');
    expect(fmtMinutesLeft(1439, 'en')).toBe('24 h');
    expect(fmtMinutesLeft(1440, 'vi')).toBe('hơn một ngày');
    expect(fmtMinutesLeft(1440, 'en')).toBe('a day or more');
    expect(fmtMinutesLeft(0, 'en')).toBe('0 min');
  });

  it('gives the fleet line of an online cart, charging or not, and nothing before a forecast', () => {
    expect(energyLine(unit({ id: 'a', number: 1, energy }), vi, 'vi')).toBe('Còn phát ≈ 1 giờ 20 phút');
    expect(energyLine(unit({ id: 'a', number: 1, energy: { ...energy, minutesLeft: 1440, minutesToFull: 120 } }), vi, 'vi')).toBe('Còn phát ≈ hơn một ngày · đang sạc, đầy sau 2 giờ');
    expect(energyLine(unit({ id: 'a', number: 1, energy: { ...energy, minutesToFull: 120 } }), en, 'en')).toBe('Can broadcast ≈ 1 h 20 min more · charging, full in 2 h');
    expect(energyLine(unit({ id: 'a', number: 1, energy: { ...energy, minutesLeft: 0 } }), vi, 'vi')).toBe('Chỉ còn dự phòng khẩn cấp');
    expect(energyLine(unit({ id: 'a', number: 1 }), vi, 'vi')).toBeNull();
  });

  it('says an offline cart’s forecast is old, with the time it came (Vietnam time)', () => {
    const offline = unit({ id: 'a', number: 1, online: false, energy });
    expect(energyLine(offline, vi, 'vi')).toBe('Còn phát ≈ 1 giờ 20 phút (số liệu cũ, 00:30 29/11/2026)');
    expect(energyLine(offline, en, 'en')).toBe('Can broadcast ≈ 1 h 20 min more (old figure, 00:30 29/11/2026)');
  });

  it('gives the unit page the health, the reserve and the forecast without sun', () => {
    expect(energyFacts(unit({ id: 'a', number: 1, energy }), vi, 'vi')).toEqual({
      health: 'Pin: còn ≈ 86 % dung lượng',
      reserve: 'Dự phòng cho tin khẩn cấp: 15 phút',
      noSun: 'Không có nắng: còn phát ≈ 55 phút',
    });
    expect(energyFacts(unit({ id: 'a', number: 1, energy: { ...energy, healthPercent: null } }), en, 'en')?.health).toBe('Battery: not enough data yet to estimate its capacity');
    expect(energyFacts(unit({ id: 'a', number: 1 }), vi, 'vi')).toBeNull();
  });
});
