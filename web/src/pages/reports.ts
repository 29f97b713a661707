/**
 * Báo cáo: a month, quarter, half-year or year, one commune or all; the figures per commune, a chart of broadcast
 * hours per commune and the thi đua ranking; downloads as CSV, printable HTML and DOCX (`GET /api/reports`).
 */
import type { VNode } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { useApp, useLoad } from '../app.js';
import { HoursChart } from '../components/charts.js';
import { ErrorNote, Loading } from '../components/common.js';
import { PeriodPicker } from '../components/period-picker.js';
import { html } from '../html.js';
import { fmtDateTime, fmtNumber, vnDay } from '../lib/format.js';
import { periodId, periodOfDay } from '../lib/period.js';
import { can } from '../lib/roles.js';
import type { ReportJson, Unit } from '../lib/types.js';
import { placesOf } from '../lib/units.js';

const hours = (seconds: number): number => seconds / 3600;

export function ReportsPage(): VNode {
  const { api, t, lang, now, user } = useApp();
  const today = vnDay(now());
  const [period, setPeriod] = useState(() => periodId('month', periodOfDay('month', today).year, periodOfDay('month', today).index));
  const [commune, setCommune] = useState('');
  const query = `period=${encodeURIComponent(period)}${commune ? `&commune=${encodeURIComponent(commune)}` : ''}&lang=${lang}`;
  const report = useLoad(() => api.get<ReportJson>(`/api/reports?${query}&format=json`), [query]);
  const units = useLoad(() => (can(user.role, 'units') ? api.get<{ units: Unit[] }>('/api/units') : Promise.resolve({ units: [] as Unit[] })), []);
  const communes = useMemo(() => placesOf(units.data?.units ?? []).communes, [units.data]);
  const r = report.data;

  return html`<div class="page reports">
    <h1>${t('reports.title')}</h1>
    <form class="card" onSubmit=${(e: Event) => (e.preventDefault(), report.reload())} aria-label=${t('reports.pick')}>
      <${PeriodPicker} period=${period} onChange=${setPeriod}>
        <label>${t('units.commune')}
          ${communes.length > 0
            ? html`<select value=${commune} onChange=${(e: Event) => setCommune((e.target as HTMLSelectElement).value)}>
                <option value="">${t('reports.allCommunes')}</option>
                ${communes.map(([id, name]) => html`<option value=${id}>${name}</option>`)}
              </select>`
            : html`<input value=${commune} placeholder=${t('reports.allCommunes')} onChange=${(e: Event) => setCommune((e.target as HTMLInputElement).value.trim())} />`}
        </label>
        <button type="submit">${t('reports.show')}</button>
      <//>
    </form>

    <nav class="downloads" aria-label=${t('reports.downloads')}>
      <a class="button" href=${`/api/reports?${query}&format=csv`} download>${t('reports.csv')}</a>
      <a class="button" href=${`/api/reports?${query}&format=html`} target="_blank" rel="noopener">${t('reports.html')}</a>
      <a class="button" href=${`/api/reports?${query}&format=docx`} download>${t('reports.docx')}</a>
    </nav>

    <${ErrorNote} error=${report.error} />
    <${Loading} when=${report.loading} />
    ${r
      ? html`<section aria-labelledby="report-title">
          <h2 id="report-title">${r.periodLabel}</h2>
          <p class="muted small">${t('reports.generated', { at: fmtDateTime(r.generatedAt, lang) })}</p>
          <${FigureTable} r=${r} />
          <h3>${t('reports.chart')}</h3>
          <${HoursChart} items=${r.communes.map((c) => ({ label: c.name, value: hours(c.totals.broadcastSeconds) }))} />
          <h3>${t('reports.ranking')}</h3>
          <${Ranking} r=${r} />
          ${r.notes.length > 0 ? html`<h3>${t('reports.notes')}</h3><ul class="notes">${r.notes.map((n) => html`<li>${n.text}</li>`)}</ul>` : null}
        </section>`
      : null}
  </div>`;
}

function FigureTable({ r }: { r: ReportJson }): VNode {
  const { t, lang } = useApp();
  const n = (v: number, d = 0): string => fmtNumber(v, lang, d);
  const row = (name: string, f: ReportJson['totals'], total = false): VNode => html`<tr class=${total ? 'total' : ''}>
    <th scope="row">${name}</th><td class="num">${n(f.units)}</td><td class="num">${n(hours(f.broadcastSeconds), 1)}</td><td class="num">${n(f.plays)}</td>
    <td class="num">${n(f.sessions)}</td><td class="num">${n(f.km, 1)}</td><td class="num">${n(f.activeDays)}</td><td class="num">${n(f.offlineDays)}</td><td class="num">${n(f.faults)}</td>
  </tr>`;
  return html`<div class="table-wrap" tabindex="0"><table>
    <thead><tr>
      <th scope="col">${t('units.commune')}</th><th scope="col">${t('reports.units')}</th><th scope="col">${t('reports.hours')}</th><th scope="col">${t('reports.plays')}</th>
      <th scope="col">${t('reports.sessions')}</th><th scope="col">${t('reports.km')}</th><th scope="col">${t('reports.activeDays')}</th><th scope="col">${t('reports.offlineDays')}</th><th scope="col">${t('reports.faults')}</th>
    </tr></thead>
    <tbody>${r.communes.map((c) => row(c.name, c.totals))}${row(t('reports.total'), r.totals, true)}</tbody>
  </table></div>`;
}

function Ranking({ r }: { r: ReportJson }): VNode {
  const { t, lang } = useApp();
  if (r.ranking.length === 0) return html`<p class="muted">${t('reports.noRanking')}</p>`;
  return html`<div class="table-wrap" tabindex="0"><table>
    <thead><tr><th scope="col">${t('reports.rank')}</th><th scope="col">${t('units.team')}</th><th scope="col">${t('units.commune')}</th><th scope="col">${t('reports.hours')}</th><th scope="col">${t('reports.activeDays')}</th><th scope="col">${t('reports.score')}</th></tr></thead>
    <tbody>${r.ranking.map(
      (x) => html`<tr><td class="num">${x.rank}</td><td>${x.teamName}</td><td>${x.communeName}</td><td class="num">${fmtNumber(hours(x.broadcastSeconds), lang, 1)}</td><td class="num">${x.activeDays}/${x.daysElapsed}</td><td class="num">${fmtNumber(x.score, lang, 2)}</td></tr>`,
    )}</tbody>
  </table></div>`;
}
