/**
 * Xe loa: one cart's day. Its track (GeoJSON from the track API) with distance and stops, what it played where
 * (a timeline and points on the map), its events and faults, battery and solar over the day, firmware / playlist /
 * sync state, and the commands it received with their results.
 */
import type { VNode } from 'preact';
import { useCallback, useMemo, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { useApp, useLoad } from '../app.js';
import { PowerChart, type PowerSample } from '../components/charts.js';
import { Badge, ErrorNote, Loading } from '../components/common.js';
import { MapPanel } from '../components/map-panel.js';
import { html } from '../html.js';
import { useLiveUnits } from '../live.js';
import { energyFacts, energyLine } from '../lib/energy.js';
import { fmtDateTime, fmtDuration, fmtNumber, fmtRelative, fmtTime, vnDay, vnDayStart } from '../lib/format.js';
import { can } from '../lib/roles.js';
import { pointsOfTrack, trackKm, trackStops } from '../lib/track.js';
import type { CommandRow, Play, Unit, UnitEvent } from '../lib/types.js';
import { cartState } from '../lib/units.js';
import { StateBadge } from './overview.js';
import { CommandTable } from './commands.js';

/** One of the controller's minute samples (GET /api/units/:id/telemetry). */
interface TelemetrySample {
  time: number;
  soc: number | null;
  solarMv: number | null;
  solarMa: number | null;
}

/** What the ingest found wrong with the cart's frames, for a person to put right (GET /api/units/:id/alerts). */
interface UnitAlert {
  code: string;
  count: number;
  lastTime: number;
  detail: string;
}

const solarW = (mv: number | null, ma: number | null): number | null => (mv !== null && ma !== null ? (mv * ma) / 1e6 : null);
const powerOfSample = (s: TelemetrySample): PowerSample => ({ time: s.time, soc: s.soc, solarW: solarW(s.solarMv, s.solarMa) });

const powerOf = (u: Unit, nowS: number): PowerSample => ({
  time: u.lastSeen ?? nowS,
  soc: u.battery.soc,
  solarW: solarW(u.battery.solarMv, u.battery.solarMa),
});

export function UnitPage({ id }: { id: string }): VNode {
  const { api, t, lang, now, user } = useApp();
  const today = vnDay(now());
  const [day, setDay] = useState(today);
  const dayStart = vnDayStart(day) ?? vnDayStart(today)!;
  // The battery curve: the day's minute samples from the controller, and on today's chart the live readings that
  // arrive while the page is open.
  const [samples, setSamples] = useState<PowerSample[]>([]);
  const onUnit = useCallback((u: Unit) => {
    if (u.id === id) setSamples((s) => [...s, powerOf(u, Math.floor(Date.now() / 1000))]);
  }, [id]);
  const live = useLiveUnits(api, onUnit);
  const unitLoad = useLoad(() => api.get<Unit>(`/api/units/${encodeURIComponent(id)}`), [id]);
  const unit = live.units?.find((u) => u.id === id) ?? unitLoad.data;

  const q = `unit=${encodeURIComponent(id)}&from=${day}&to=${day}`;
  const track = useLoad(() => api.get<GeoJSON.FeatureCollection>(`/api/units/${encodeURIComponent(id)}/track?day=${day}&format=geojson`), [id, day]);
  const plays = useLoad(() => (can(user.role, 'plays') ? api.get<{ plays: Play[] }>(`/api/plays?${q}`) : Promise.resolve({ plays: [] })), [id, day]);
  const events = useLoad(() => api.get<{ events: UnitEvent[] }>(`/api/events?${q}`), [id, day]);
  const commands = useLoad(() => api.get<{ commands: CommandRow[] }>(`/api/commands?unit=${encodeURIComponent(id)}&limit=50`), [id]);
  const history = useLoad(() => api.get<{ samples: TelemetrySample[] }>(`/api/units/${encodeURIComponent(id)}/telemetry?day=${day}`), [id, day]);
  const alerts = useLoad(() => api.get<{ alerts: UnitAlert[] }>(`/api/units/${encodeURIComponent(id)}/alerts`), [id]);

  const points = useMemo(() => pointsOfTrack(track.data), [track.data]);
  const stops = useMemo(() => trackStops(points), [points]);
  const playList = plays.data?.plays ?? [];
  const playPoints = useMemo(
    () => playList.filter((p) => p.lat !== null && p.lon !== null).map((p) => ({ lon: p.lon!, lat: p.lat!, title: `${fmtTime(p.start, lang)} ${p.clip}` })),
    [plays.data, lang],
  );
  const fitTo = useMemo(() => points.map((p) => [p.lon, p.lat] as [number, number]).concat(unit?.position ? [[unit.position.lon, unit.position.lat]] : []), [points, unit?.position?.time]);
  const stored = (history.data?.samples ?? []).map(powerOfSample);
  const chartSamples = (day === today ? [...stored, ...samples, ...(unit ? [powerOf(unit, Math.floor(now() / 1000))] : [])] : stored).sort((a, b) => a.time - b.time);

  if (unitLoad.error instanceof ApiError && unitLoad.error.status === 404) {
    return html`<div class="page"><h1>${t('unit.title', { n: id })}</h1><${ErrorNote} error=${unitLoad.error} /><p><a href="/">${t('notFound.back')}</a></p></div>`;
  }

  return html`<div class="page unit">
    <p><a href="/">← ${t('nav.overview')}</a></p>
    <h1>${unit ? t('units.cart', { n: unit.number }) : id} <span class="muted small">${id}</span></h1>
    <${ErrorNote} error=${unitLoad.error} />
    ${unit ? html`<${UnitFacts} u=${unit} />` : html`<${Loading} when=${true} />`}

    <form class="inline" onSubmit=${(e: Event) => e.preventDefault()}>
      <label>${t('unit.day')} <input type="date" value=${day} max=${today} onChange=${(e: Event) => setDay((e.target as HTMLInputElement).value || today)} /></label>
    </form>

    <div class="split">
      <section class="map-side" aria-label=${t('map.label')}>
        <${MapPanel}
          carts=${unit?.position ? [{ id: unit.id, lon: unit.position.lon, lat: unit.position.lat, label: String(unit.number), title: unit.id, href: '#main', state: cartState(unit) }] : []}
          track=${track.data ?? null}
          plays=${playPoints}
          fitKey=${`${id}/${day}/${fitTo.length > 0}`}
          fitTo=${fitTo}
        />
        <${ErrorNote} error=${track.error} />
        <p>${t('unit.trackStats', { km: fmtNumber(trackKm(points), lang, 2), stops: stops.length, points: points.length })}</p>
      </section>
      <section class="list-side" aria-labelledby="plays-title">
        <h2 id="plays-title">${t('unit.plays', { n: playList.length })}</h2>
        <${ErrorNote} error=${plays.error} />
        ${can(user.role, 'plays') ? html`<${Timeline} plays=${playList} dayStart=${dayStart} />` : html`<p class="muted">${t('unit.playsHidden')}</p>`}
        <${PlayTable} plays=${playList} />
      </section>
    </div>

    <section aria-labelledby="power-title">
      <h2 id="power-title">${t('unit.power')}</h2>
      <${ErrorNote} error=${history.error} />
      ${chartSamples.length > 0 ? html`<${PowerChart} samples=${chartSamples} dayStart=${dayStart} /><p class="muted small">${t('unit.powerNote')}</p>` : html`<p class="muted">${t('unit.powerPast')}</p>`}
    </section>

    ${(alerts.data?.alerts.length ?? 0) > 0
      ? html`<section aria-labelledby="alerts-title">
          <h2 id="alerts-title">${t('unit.alerts')}</h2>
          <ul class="alerts">${alerts.data!.alerts.map((a) => html`<li><strong>${a.code}</strong> ×${fmtNumber(a.count, lang, 0)}, ${fmtDateTime(a.lastTime, lang)}: ${a.detail}</li>`)}</ul>
        </section>`
      : null}

    <section aria-labelledby="events-title">
      <h2 id="events-title">${t('unit.events', { n: events.data?.events.length ?? 0 })}</h2>
      <${ErrorNote} error=${events.error} />
      <${EventTable} events=${events.data?.events ?? []} />
    </section>

    <section aria-labelledby="cmd-title">
      <h2 id="cmd-title">${t('unit.commands')}</h2>
      <${ErrorNote} error=${commands.error} />
      <button type="button" onClick=${commands.reload}>${t('refresh')}</button>
      <${CommandTable} commands=${commands.data?.commands ?? []} />
    </section>
  </div>`;
}

function UnitFacts({ u }: { u: Unit }): VNode {
  const { t, lang, now } = useApp();
  const synced = u.clipsMissing === 0 && (u.outboxDepth ?? 0) === 0;
  const energy = energyLine(u, t, lang);
  const facts = energyFacts(u, t, lang);
  return html`<dl class="facts">
    <div><dt>${t('units.commune')}</dt><dd>${u.communeName}</dd></div>
    <div><dt>${t('units.team')}</dt><dd>${u.teamName}</dd></div>
    <div><dt>${t('units.state')}</dt><dd><${StateBadge} state=${cartState(u)} />${u.faults.length > 0 ? html` <span class="warn">${t('units.faults')}: ${u.faults.join(', ')}</span>` : null}</dd></div>
    <div><dt>${t('units.battery')}</dt><dd>${u.battery.soc === null ? '—' : `${u.battery.soc} %`}${u.battery.mv === null ? '' : ` · ${fmtNumber(u.battery.mv / 1000, lang, 2)} V`}</dd></div>
    <div>
      <dt>${t('unit.energy')}</dt>
      <dd class=${u.online ? 'energy' : 'energy muted'}>
        ${energy === null || facts === null
          ? '—'
          : html`${energy}<br />${facts.health}<br />${facts.reserve}<br />${facts.noSun}`}
      </dd>
    </div>
    <div><dt>${t('units.lastSeen')}</dt><dd>${u.lastSeen === null ? t('units.never') : `${fmtRelative(u.lastSeen, now(), lang)} (${fmtDateTime(u.lastSeen, lang)})`}</dd></div>
    <div><dt>${t('unit.volume')}</dt><dd>${u.volume ?? '—'}</dd></div>
    <div><dt>${t('unit.firmware')}</dt><dd>${u.firmware ?? '—'}</dd></div>
    <div><dt>${t('unit.manifest')}</dt><dd>${u.manifestVersion ?? '—'}</dd></div>
    <div><dt>${t('unit.sync')}</dt><dd>${u.clipsMissing === null ? '—' : html`<${Badge} tone=${synced ? 'playing' : 'blocked'}>${synced ? t('unit.synced') : t('unit.syncing', { clips: u.clipsMissing, outbox: u.outboxDepth ?? 0 })}<//>`}</dd></div>
  </dl>`;
}

/** The day as a 24 h bar with one mark per play (length = its duration). */
function Timeline({ plays, dayStart }: { plays: readonly Play[]; dayStart: number }): VNode {
  const { t, lang } = useApp();
  const width = 640;
  const x = (s: number): number => ((s - dayStart) / 86_400) * width;
  return html`<svg class="timeline" viewBox=${`0 0 ${width} 34`} role="img" aria-label=${t('unit.timeline')}>
    <rect class="track-bg" x="0" y="4" width=${width} height="16" />
    ${plays.map(
      (p) => html`<rect class=${`play outcome-${p.outcome}`} x=${x(p.start)} y="4" width=${Math.max(2, x(p.start + p.seconds) - x(p.start))} height="16">
        <title>${fmtTime(p.start, lang)} ${p.clip} (${fmtDuration(p.seconds, lang)})</title>
      </rect>`,
    )}
    ${[0, 6, 12, 18, 24].map((h) => html`<text class="axis" x=${Math.min(width - 10, Math.max(8, (h / 24) * width))} y="32" text-anchor="middle">${h}h</text>`)}
  </svg>`;
}

function PlayTable({ plays }: { plays: readonly Play[] }): VNode | null {
  const { t, lang } = useApp();
  if (plays.length === 0) return html`<p class="muted">${t('unit.noPlays')}</p>`;
  return html`<div class="table-wrap" tabindex="0"><table>
    <thead><tr><th scope="col">${t('col.time')}</th><th scope="col">${t('col.clip')}</th><th scope="col">${t('col.duration')}</th><th scope="col">${t('col.outcome')}</th><th scope="col">${t('col.trigger')}</th></tr></thead>
    <tbody>${plays.map(
      (p) => html`<tr><td>${fmtTime(p.start, lang)}</td><td>${p.clip}</td><td>${fmtDuration(p.seconds, lang)}</td><td>${t(`outcome.${p.outcome}`, {}, p.outcome)}</td><td>${t(`trigger.${p.trigger}`, {}, p.trigger)}</td></tr>`,
    )}</tbody>
  </table></div>`;
}

function EventTable({ events }: { events: readonly UnitEvent[] }): VNode {
  const { t, lang } = useApp();
  if (events.length === 0) return html`<p class="muted">${t('unit.noEvents')}</p>`;
  return html`<div class="table-wrap" tabindex="0"><table>
    <thead><tr><th scope="col">${t('col.time')}</th><th scope="col">${t('col.kind')}</th><th scope="col">${t('col.code')}</th><th scope="col">${t('col.detail')}</th></tr></thead>
    <tbody>${[...events].reverse().map(
      (e) => html`<tr class=${e.kind === 'fault' || e.kind === 'block' ? 'warn' : ''}><td>${fmtTime(e.time, lang)}</td><td>${t(`event.${e.kind}`, {}, e.kind)}</td><td>${e.code}</td><td>${e.detail}</td></tr>`,
    )}</tbody>
  </table></div>`;
}
