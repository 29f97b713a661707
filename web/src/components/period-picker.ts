/**
 * The period chooser of the reports and the board's pages (kind, year, month / quarter / half), and a period's name
 * in words. Pure view: the page keeps the period id (`2026-11`, `2026-Q4`, `2026-H2`, `2026`).
 */
import type { VNode } from 'preact';
import { useApp } from '../app.js';
import { html } from '../html.js';
import { parsePeriodId } from '../lib/board.js';
import { vnDay } from '../lib/format.js';
import type { Translate } from '../lib/i18n.js';
import { PERIOD_KINDS, PERIODS_PER_YEAR, periodId, periodOfDay, type PeriodKind } from '../lib/period.js';

/** "Tháng 11/2026", "Quý 4/2026", "6 tháng đầu năm 2026", "Năm 2026". */
export function periodWords(period: string, t: Translate): string {
  const p = parsePeriodId(period);
  if (p === null) return period;
  switch (p.kind) {
    case 'month':
      return t('board.period.month', { n: p.index, year: p.year });
    case 'quarter':
      return t('board.period.quarter', { n: p.index, year: p.year });
    case 'half':
      return t(`board.period.half${p.index}`, { year: p.year });
    case 'year':
      return t('board.period.year', { year: p.year });
  }
}

/** The period chooser; `children` (a commune, the submit button) go on the same row. */
export function PeriodPicker({ period, onChange, children }: { period: string; onChange: (p: string) => void; children?: unknown }): VNode {
  const { t, now } = useApp();
  const today = vnDay(now());
  const parsed = parsePeriodId(period) ?? { kind: 'month' as PeriodKind, ...periodOfDay('month', today) };
  const years = Array.from({ length: 5 }, (_, k) => periodOfDay('year', today).year - k);
  const kind = parsed.kind;
  const set = (k: PeriodKind, year: number, index: number): void => onChange(periodId(k, year, Math.min(index, PERIODS_PER_YEAR[k])));
  const indexLabel = (i: number): string => (kind === 'month' ? t('period.monthN', { n: i }) : kind === 'quarter' ? t('period.quarterN', { n: i }) : t(`period.half${i}`));
  const num = (e: Event): number => Number((e.target as HTMLSelectElement).value);
  return html`<div class="row">
    <label>${t('reports.kind')}
      <select value=${kind} onChange=${(e: Event) => {
        const k = (e.target as HTMLSelectElement).value as PeriodKind;
        set(k, parsed.year, periodOfDay(k, today).index);
      }}>
        ${PERIOD_KINDS.map((k) => html`<option value=${k}>${t(`period.${k}`)}</option>`)}
      </select>
    </label>
    <label>${t('reports.year')}
      <select value=${parsed.year} onChange=${(e: Event) => set(kind, num(e), parsed.index)}>
        ${years.map((y) => html`<option value=${y}>${y}</option>`)}
      </select>
    </label>
    ${kind === 'year'
      ? null
      : html`<label>${t(`period.${kind}`)}
          <select value=${parsed.index} onChange=${(e: Event) => set(kind, parsed.year, num(e))}>
            ${Array.from({ length: PERIODS_PER_YEAR[kind] }, (_, k) => html`<option value=${k + 1}>${indexLabel(k + 1)}</option>`)}
          </select>
        </label>`}
    ${children}
  </div>`;
}
