/** The two SVG charts drawn by hand (no chart library): a day's battery and solar, and hours per commune. */
import type { VNode } from 'preact';
import { useApp } from '../app.js';
import { html } from '../html.js';
import { barLayout, linePath, type Box } from '../lib/chart.js';
import { fmtNumber } from '../lib/format.js';

export interface PowerSample {
  /** Unix seconds. */
  time: number;
  soc: number | null;
  solarW: number | null;
}

const DAY_BOX: Box = { width: 640, height: 200, left: 40, right: 44, top: 12, bottom: 26 };

/** Battery % (left axis) and solar watts (right axis) over one Vietnam day starting at `dayStart`. */
export function PowerChart({ samples, dayStart }: { samples: readonly PowerSample[]; dayStart: number }): VNode {
  const { t, lang } = useApp();
  const end = dayStart + 86_400;
  const soc = samples.filter((s) => s.soc !== null).map((s) => ({ x: s.time, y: s.soc! }));
  const solar = samples.filter((s) => s.solarW !== null).map((s) => ({ x: s.time, y: s.solarW! }));
  const solarMax = Math.max(10, ...solar.map((s) => s.y));
  const gap = 30 * 60;
  const w = DAY_BOX.width - DAY_BOX.left - DAY_BOX.right;
  const h = DAY_BOX.height - DAY_BOX.top - DAY_BOX.bottom;
  const hours = [0, 6, 12, 18, 24];
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${DAY_BOX.width} ${DAY_BOX.height}`} role="img" aria-label=${t('unit.powerChart')}>
      ${[0, 50, 100].map((p) => {
        const y = DAY_BOX.top + h - (p / 100) * h;
        return html`<g><line class="grid" x1=${DAY_BOX.left} x2=${DAY_BOX.left + w} y1=${y} y2=${y} /><text class="axis" x=${DAY_BOX.left - 6} y=${y + 4} text-anchor="end">${p}%</text>
          <text class="axis solar" x=${DAY_BOX.left + w + 6} y=${y + 4}>${fmtNumber((solarMax * p) / 100, lang)} W</text></g>`;
      })}
      ${hours.map((hr) => {
        const x = DAY_BOX.left + (hr / 24) * w;
        return html`<text class="axis" x=${x} y=${DAY_BOX.height - 8} text-anchor="middle">${hr}h</text>`;
      })}
      <path class="line soc" d=${linePath(soc, DAY_BOX, dayStart, end, 0, 100, gap)} />
      <path class="line solar" d=${linePath(solar, DAY_BOX, dayStart, end, 0, solarMax, gap)} />
    </svg>
    <figcaption><span class="key soc">${t('unit.soc')}</span> <span class="key solar">${t('unit.solar')}</span></figcaption>
  </figure>`;
}

const BAR_ROW = 28;

/** Horizontal bars: broadcast hours per commune. */
export function HoursChart({ items }: { items: readonly { label: string; value: number }[] }): VNode {
  const { t, lang } = useApp();
  const box: Box = { width: 640, height: items.length * BAR_ROW + 10, left: 170, right: 70, top: 4, bottom: 6 };
  const bars = barLayout(items, box, BAR_ROW);
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${box.width} ${box.height}`} role="img" aria-label=${t('reports.chart')}>
      ${bars.map(
        (b) => html`<g>
          <text class="axis" x=${box.left - 8} y=${b.y + b.height / 2 + 4} text-anchor="end">${b.label.length > 24 ? `${b.label.slice(0, 23)}…` : b.label}</text>
          <rect class="bar" x=${b.x} y=${b.y} width=${Math.max(b.width, 1)} height=${b.height}><title>${b.label}: ${fmtNumber(b.value, lang, 1)} h</title></rect>
          <text class="axis" x=${b.x + b.width + 6} y=${b.y + b.height / 2 + 4}>${fmtNumber(b.value, lang, 1)} h</text>
        </g>`,
      )}
    </svg>
    <figcaption>${t('reports.chart')}</figcaption>
  </figure>`;
}
