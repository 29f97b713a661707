/**
 * Tổng quan: every cart on the map and in a sortable list, kept current by the live stream. A blocked cart shows
 * why (the detail of its latest `block` event: the cart's own words, Vietnamese).
 */
import type { VNode } from 'preact';
import { memo } from 'preact/compat';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useApp, useLoad, useTick } from '../app.js';
import { Badge, ErrorNote, Loading } from '../components/common.js';
import { MapPanel } from '../components/map-panel.js';
import { html } from '../html.js';
import { FLEET_DRAWN_MARK, useLiveUnits } from '../live.js';
import { energyLine } from '../lib/energy.js';
import { fmtDateTime, fmtRelative } from '../lib/format.js';
import type { Translate } from '../lib/i18n.js';
import { unitPath } from '../lib/routes.js';
import type { Lang, Unit, UnitEvent } from '../lib/types.js';
import { cartState, nextOrder, resortUnits, type CartState, type SortKey, type SortOrder } from '../lib/units.js';
import type { CartMarker } from '../map/cart-map.js';

/** The latest block reason of each cart over the last day. */
function useBlockReasons(blockedIds: string): Map<string, string> {
  const { api, now } = useApp();
  const [reasons, setReasons] = useState(new Map<string, string>());
  useEffect(() => {
    if (blockedIds === '') return;
    const from = Math.floor(now() / 1000) - 86_400;
    api.get<{ events: UnitEvent[] }>(`/api/events?kind=block&from=${from}&limit=2000`).then(
      (r) => setReasons(new Map(r.events.map((e) => [e.unitId, e.detail || e.code]))),
      () => undefined, // The reason is a help, not the state itself: the list still says "bị chặn".
    );
  }, [api, blockedIds]);
  return reasons;
}

export function StateBadge({ state }: { state: CartState }): VNode {
  const { t } = useApp();
  return html`<${Badge} tone=${state}>${t(`state.${state}`)}<//>`;
}

const COLUMNS: { key: SortKey; label: 'units.name' | 'units.commune' | 'units.team' | 'units.state' | 'units.battery' | 'units.lastSeen' }[] = [
  { key: 'name', label: 'units.name' },
  { key: 'commune', label: 'units.commune' },
  { key: 'team', label: 'units.team' },
  { key: 'state', label: 'units.state' },
  { key: 'battery', label: 'units.battery' },
  { key: 'lastSeen', label: 'units.lastSeen' },
];

export function OverviewPage(): VNode {
  const { api, t, lang } = useApp();
  const live = useLiveUnits(api);
  const [order, setOrder] = useState<SortOrder>({ key: 'state', descending: false });
  const tick = useTick(30_000);
  const units = live.units ?? [];
  const blocked = units.filter((u) => cartState(u) === 'blocked').map((u) => u.id).join(',');
  const reasons = useBlockReasons(blocked);
  // A live batch rarely moves a cart on the sort key (except "last seen"): keep the order then, without sorting.
  const lastSort = useRef<{ units: readonly Unit[]; sorted: readonly Unit[]; order: SortOrder } | undefined>(undefined);
  const sorted = useMemo(() => {
    const next = resortUnits(lastSort.current, units, order);
    lastSort.current = { units, sorted: next, order };
    return next;
  }, [units, order]);

  // One marker object per cart object: a cart the live batch did not change keeps its marker, which the map skips.
  const markerOf = useMemo(() => new WeakMap<Unit, CartMarker>(), [lang]);
  const markers: CartMarker[] = useMemo(
    () =>
      units
        .filter((u) => u.position !== null)
        .map((u) => {
          let m = markerOf.get(u);
          if (!m) markerOf.set(u, (m = toMarker(u, t, lang)));
          return m;
        }),
    [units, markerOf],
  );
  // Effects run once the list and the map's markers are on screen: the mark says when an update was shown.
  useEffect(() => {
    if (live.units !== undefined) performance.mark(FLEET_DRAWN_MARK, { detail: { units: live.units.length, through: live.through } });
  }, [live.units]);
  const fitTo = useMemo(() => markers.map((m) => [m.lon, m.lat] as [number, number]), [markers.length > 0]);
  // The communes' centres, so that the map says where things are even without a base map.
  const communeLoad = useLoad(() => api.get<{ communes: { id: string; name: string; lat: number | null; lon: number | null }[] }>('/api/communes'), []);
  const communes = useMemo(
    () => (communeLoad.data?.communes ?? []).filter((c) => c.lat !== null && c.lon !== null).map((c) => ({ id: c.id, name: c.name, lat: c.lat!, lon: c.lon! })),
    [communeLoad.data],
  );

  return html`<div class="page overview">
    <h1>${t('overview.title')}</h1>
    <p class="muted" role="status">${t(`live.${live.status}`)}</p>
    <${ErrorNote} error=${live.error} />
    <div class="split">
      <section class="map-side" aria-label=${t('map.label')}>
        <${MapPanel} ready=${live.units !== undefined} carts=${markers} communes=${communes} fitKey=${markers.length > 0 ? 'fleet' : ''} fitTo=${fitTo} />
        ${markers.length < units.length ? html`<p class="muted">${t('overview.noPosition', { n: units.length - markers.length })}</p>` : null}
      </section>
      <section class="list-side" aria-labelledby="carts-title">
        <h2 id="carts-title">${t('overview.list', { n: units.length })}</h2>
        <${Loading} when=${live.units === undefined && !live.error} />
        <div class="table-wrap" tabindex="0">
          <table class="units">
            <thead>
              <tr>
                ${COLUMNS.map(
                  (c) => html`<th scope="col" aria-sort=${order.key === c.key ? (order.descending ? 'descending' : 'ascending') : undefined}>
                    <button type="button" class="sort" onClick=${() => setOrder((o) => nextOrder(o, c.key))}>
                      ${t(c.label)}${order.key === c.key ? (order.descending ? ' ▼' : ' ▲') : ''}
                    </button>
                  </th>`,
                )}
              </tr>
            </thead>
            <tbody>
              ${sorted.map((u) => html`<${UnitRow} key=${u.id} u=${u} reason=${reasons.get(u.id)} tick=${tick} />`)}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  </div>`;
}

function toMarker(u: Unit, t: Translate, lang: Lang): CartMarker {
  const energy = energyLine(u, t, lang);
  return {
    id: u.id,
    lon: u.position!.lon,
    lat: u.position!.lat,
    label: String(u.number),
    title: `${u.id} · ${u.teamName} · ${t(`state.${cartState(u)}`)}${energy === null ? '' : ` · ${energy}`}`,
    href: unitPath(u.id),
    state: cartState(u),
  };
}

/**
 * One cart's row. Memoised: a live batch redraws only the rows of the carts it changed (their object is new), and
 * `tick` (every 30 s) redraws them all so that "3 phút trước" keeps counting.
 */
const UnitRow = memo(function UnitRow({ u, reason }: { u: Unit; reason: string | undefined; tick: number }): VNode {
  const { t, lang, now } = useApp();
  const state = cartState(u);
  const soc = u.battery.soc;
  const energy = energyLine(u, t, lang);
  return html`<tr class=${`state-${state}`}>
    <td><a href=${unitPath(u.id)}>${t('units.cart', { n: u.number })}</a> <span class="muted small">${u.id}</span></td>
    <td>${u.communeName}</td>
    <td>${u.teamName}</td>
    <td>
      <${StateBadge} state=${state} />
      ${state === 'blocked' && reason ? html`<div class="small">${reason}</div>` : null}
      ${u.faults.length > 0 ? html`<div class="small warn">${t('units.faults')}: ${u.faults.join(', ')}</div>` : null}
    </td>
    <td class=${soc !== null && soc < 30 ? 'num warn' : 'num'}>
      ${soc === null ? '—' : `${soc} %`}
      ${energy === null ? null : html`<div class=${`small energy${u.online ? '' : ' muted'}`}>${energy}</div>`}
    </td>
    <td title=${u.lastSeen === null ? '' : fmtDateTime(u.lastSeen, lang)}>${u.lastSeen === null ? t('units.never') : fmtRelative(u.lastSeen, now(), lang)}</td>
  </tr>`;
});
