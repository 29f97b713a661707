/** The report period picker: the period ids the reports API takes (2026-11, 2026-Q4, 2026-H2, 2026). Pure. */

export const PERIOD_KINDS = ['month', 'quarter', 'half', 'year'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** How many periods of a kind a year has. */
export const PERIODS_PER_YEAR: Record<PeriodKind, number> = { month: 12, quarter: 4, half: 2, year: 1 };

export function periodId(kind: PeriodKind, year: number, index: number): string {
  switch (kind) {
    case 'month':
      return `${year}-${String(index).padStart(2, '0')}`;
    case 'quarter':
      return `${year}-Q${index}`;
    case 'half':
      return `${year}-H${index}`;
    case 'year':
      return String(year);
  }
}

/** The period of `kind` that holds the Vietnam day `YYYY-MM-DD` (the current one, when given today). */
export function periodOfDay(kind: PeriodKind, day: string): { year: number; index: number } {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  switch (kind) {
    case 'month':
      return { year, index: month };
    case 'quarter':
      return { year, index: Math.ceil(month / 3) };
    case 'half':
      return { year, index: month <= 6 ? 1 : 2 };
    case 'year':
      return { year, index: 1 };
  }
}
