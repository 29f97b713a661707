/**
 * The map on a page: a box that loads the map code when it is first shown, then keeps the map in step with its
 * props. `fitKey` changes when the map should frame the data again (another cart, another day); live moves of the
 * carts do not reframe it under the officer's hand.
 */
import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useApp } from '../app.js';
import { html } from '../html.js';
import type { CartMap, CartMarker, CommunePoint, PlayPoint } from '../map/cart-map.js';
import { ErrorNote } from './common.js';

export interface MapPanelProps {
  carts?: readonly CartMarker[];
  communes?: readonly CommunePoint[];
  track?: GeoJSON.FeatureCollection | null;
  plays?: readonly PlayPoint[];
  fitKey: string;
  /** The [lon, lat] points to frame when `fitKey` changes. */
  fitTo: readonly [number, number][];
  /**
   * False until the page has drawn what it came for: MapLibre (a megabyte of script to parse) is loaded only then,
   * so that it does not hold up the first drawing of the list (default true).
   */
  ready?: boolean;
}

export function MapPanel(p: MapPanelProps): VNode {
  const { api, t } = useApp();
  const box = useRef<HTMLDivElement>(null);
  const [map, setMap] = useState<CartMap | null>(null);
  const [error, setError] = useState<unknown>(null);
  const fitted = useRef<string | null>(null);

  const ready = p.ready ?? true;
  useEffect(() => {
    if (!ready) return;
    let made: CartMap | null = null;
    let gone = false;
    import('../map/cart-map.js')
      .then((m) => m.CartMap.create(box.current!, (path) => api.exists(path), t('map.label')))
      .then((m) => {
        if (gone) m.remove();
        else (made = m), setMap(m);
      })
      .catch((e: unknown) => setError(e));
    return () => {
      gone = true;
      made?.remove();
    };
  }, [api, ready]);

  useEffect(() => map?.setCarts(p.carts ?? []), [map, p.carts]);
  useEffect(() => map?.setCommunes(p.communes ?? []), [map, p.communes]);
  useEffect(() => map?.setTrack(p.track ?? null), [map, p.track]);
  useEffect(() => map?.setPlays(p.plays ?? []), [map, p.plays]);
  useEffect(() => {
    if (!map || fitted.current === p.fitKey || p.fitTo.length === 0) return;
    fitted.current = p.fitKey;
    map.fit(p.fitTo);
  }, [map, p.fitKey, p.fitTo]);

  return html`<div class="map-panel">
    <div class="map" ref=${box} role="region" aria-label=${t('map.label')}></div>
    ${error ? html`<${ErrorNote} error=${error} />` : null}
    ${!map && !error ? html`<p class="map-loading muted" role="status">${t('map.loading')}</p>` : null}
  </div>`;
}
