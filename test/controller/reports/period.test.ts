import { describe, expect, it } from 'vitest';
import { InvalidPeriodError, parsePeriod, periodLabel, vnDate } from '../../../controller/reports/period.js';

const vn = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 1000 - 7 * 3600;

describe('parsePeriod', () => {
  it('reads a month, a quarter, a half-year and a year as [start, end) at midnight UTC+7', () => {
    expect(parsePeriod('2026-11')).toMatchObject({ id: '2026-11', kind: 'month', start: vn(2026, 11, 1), end: vn(2026, 12, 1), days: 30 });
    expect(parsePeriod('2026-Q4')).toMatchObject({ id: '2026-Q4', kind: 'quarter', start: vn(2026, 10, 1), end: vn(2027, 1, 1), days: 92 });
    expect(parsePeriod('2026-h1')).toMatchObject({ id: '2026-H1', kind: 'half', start: vn(2026, 1, 1), end: vn(2026, 7, 1), days: 181 });
    expect(parsePeriod('2026-H2')).toMatchObject({ start: vn(2026, 7, 1), end: vn(2027, 1, 1), days: 184 });
    expect(parsePeriod('2028')).toMatchObject({ id: '2028', kind: 'year', start: vn(2028, 1, 1), end: vn(2029, 1, 1), days: 366 });
    expect(parsePeriod('2026-2').days).toBe(28);
    expect(parsePeriod('2026-11').start).toBe(1_793_466_000); // 2026-10-31T17:00:00Z
  });

  it('labels periods in Vietnamese and English', () => {
    expect(periodLabel(parsePeriod('2026-11'), 'vi')).toBe('Tháng 11 năm 2026');
    expect(periodLabel(parsePeriod('2026-Q4'), 'vi')).toBe('Quý IV năm 2026');
    expect(periodLabel(parsePeriod('2026-H1'), 'vi')).toBe('6 tháng đầu năm 2026');
    expect(periodLabel(parsePeriod('2026-H2'), 'vi')).toBe('6 tháng cuối năm 2026');
    expect(periodLabel(parsePeriod('2026'), 'vi')).toBe('Năm 2026');
    expect(periodLabel(parsePeriod('2026-11'), 'en')).toBe('November 2026');
    expect(periodLabel(parsePeriod('2026-Q4'), 'en')).toBe('Q4 2026');
    expect(periodLabel(parsePeriod('2026-H2'), 'en')).toBe('Second half of 2026');
  });

  it.each(['2026-13', '2026-00', '2026-Q5', '2026-H3', '26', '2026/11', 'tháng 11', '', '2026-11-01', '1969'])('refuses %j naming the value and the forms', (value) => {
    expect(() => parsePeriod(value)).toThrow(InvalidPeriodError);
    try {
      parsePeriod(value);
    } catch (err) {
      expect((err as InvalidPeriodError).code).toBe('invalid-period');
      expect((err as Error).message).toContain(JSON.stringify(value));
      expect((err as Error).message).toContain('2026-Q4');
    }
    expect(() => parsePeriod(value, 'en')).toThrow(/invalid report period .*2026-11 \(month\)/);
  });

  it('writes dates dd/mm/yyyy in Vietnam time', () => {
    expect(vnDate(vn(2026, 11, 1))).toBe('01/11/2026');
    expect(vnDate(vn(2026, 11, 1) - 1)).toBe('31/10/2026');
  });
});
