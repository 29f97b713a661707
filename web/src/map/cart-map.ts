/**
 * The MapLibre map of the console, loaded only by the pages that show a map (a dynamic import keeps MapLibre and
 * PMTiles out of the first load). Carts are HTML markers (links to their page, labelled with their number: no
 * glyphs needed); a day's track is a line and its plays circles, both GeoJSON layers.
 */
import { addProtocol, LngLatBounds, Map as MapLibre, Marker, NavigationControl, ScaleControl, type GeoJSONSource } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { PMTiles, Protocol, TileType } from 'pmtiles';
import { BASE_MAP_PATH, baseStyle, FIRST_GLYPHS, type BaseMap } from './base-style.js';

export interface CartMarker {
  id: string;
  lon: number;
  lat: number;
  /** The short text on the marker (the cart's number). */
  label: string;
  /** What a screen reader and the tooltip say. */
  title: string;
  href: string;
  /** A CSS class suffix: playing, idle, blocked, offline. */
  state: string;
}

/** A commune's centre: a grey dot and its name (an HTML label, so no glyphs are needed). */
export interface CommunePoint {
  id: string;
  name: string;
  lon: number;
  lat: number;
}

export interface PlayPoint {
  lon: number;
  lat: number;
  title: string;
}

/** Where the map opens with nothing to fit to: central Hà Nội. */
const FALLBACK_CENTER: [number, number] = [105.85, 21.03];

let setUp: Promise<BaseMap> | undefined;

/**
 * Once per page load: the pmtiles:// protocol, and what the controller has of the base map. MapLibre 5 carries its
 * worker inside its one file and starts it from a blob: URL (the CSP's `worker-src 'self' blob:`), so there is no
 * worker file to point it at: one download instead of two, ~140 KiB less on the first load than MapLibre 6.
 */
function setUpOnce(exists: (path: string) => Promise<boolean>): Promise<BaseMap> {
  setUp ??= (async () => {
    // The controller answers 404 for a folder, so the fonts are probed by the first glyph range of the stack asked for.
    const [tiles, glyphs] = await Promise.all([exists(BASE_MAP_PATH), exists(FIRST_GLYPHS)]);
    if (!tiles) return { glyphs };
    const protocol = new Protocol();
    addProtocol('pmtiles', protocol.tile);
    const file = new PMTiles(BASE_MAP_PATH);
    protocol.add(file);
    try {
      const header = await file.getHeader();
      if (header.tileType === TileType.Mvt) {
        const meta = (await file.getMetadata()) as { vector_layers?: { id: string }[] } | null;
        return { kind: 'vector', vectorLayers: (meta?.vector_layers ?? []).map((l) => l.id), glyphs };
      }
      return { kind: 'raster', glyphs };
    } catch (e) {
      // A damaged file must not cost the officers their map of the carts: fall back to the plain background.
      console.warn(`Bản đồ nền ${BASE_MAP_PATH} không đọc được (base map unreadable)`, e);
      return { glyphs };
    }
  })();
  return setUp;
}

/** A cart's marker and what it shows now (compared with the next update, so that unchanged carts are skipped). */
interface ShownCart {
  marker: Marker;
  el: HTMLAnchorElement;
  shown: CartMarker;
}

/** Classes by classList, not className: MapLibre's own (`maplibregl-marker`: absolute, at the top left) must stay. */
function writeCart(el: HTMLAnchorElement, c: CartMarker, was?: CartMarker): void {
  el.href = c.href;
  if (was) el.classList.remove(`state-${was.state}`);
  el.classList.add('cart-marker', `state-${c.state}`);
  el.textContent = c.label;
  el.title = c.title;
  // The visible number leads the spoken name (WCAG 2.5.3: a voice user says what they see).
  el.setAttribute('aria-label', `${c.label} · ${c.title}`);
}

/** Where the operator puts the communes' boundaries (GeoJSON) in the data folder's map/, served by the controller. */
const COMMUNE_OUTLINES_PATH = '/map/communes.geojson';

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

export class CartMap {
  readonly #map: MapLibre;
  readonly #markers = new Map<string, ShownCart>();
  #communeLabels: Marker[] = [];

  private constructor(map: MapLibre) {
    this.#map = map;
  }

  static async create(container: HTMLElement, exists: (path: string) => Promise<boolean>, navLabel: string): Promise<CartMap> {
    const base = await setUpOnce(exists);
    const map = new MapLibre({ container, style: baseStyle(base), center: FALLBACK_CENTER, zoom: 10, attributionControl: { compact: true }, maxPitch: 0 });
    map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
    map.getContainer().setAttribute('aria-label', navLabel);
    const outlines = await exists(COMMUNE_OUTLINES_PATH);
    await map.once('load');
    // The communes' boundaries, when the operator put them beside the base map (GeoJSON polygons, any properties).
    if (outlines) {
      map.addSource('commune-outlines', { type: 'geojson', data: COMMUNE_OUTLINES_PATH });
      map.addLayer({ id: 'commune-outlines', type: 'line', source: 'commune-outlines', paint: { 'line-color': '#6b7280', 'line-width': 1.2, 'line-dasharray': [3, 2] } });
    }
    map.addSource('communes', { type: 'geojson', data: EMPTY });
    map.addLayer({ id: 'communes', type: 'circle', source: 'communes', paint: { 'circle-radius': 5, 'circle-color': '#6b7280', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
    map.addSource('track', { type: 'geojson', data: EMPTY });
    map.addSource('plays', { type: 'geojson', data: EMPTY });
    map.addLayer({ id: 'track', type: 'line', source: 'track', paint: { 'line-color': '#1f5fbf', 'line-width': 3 }, layout: { 'line-join': 'round', 'line-cap': 'round' } });
    map.addLayer({ id: 'plays', type: 'circle', source: 'plays', paint: { 'circle-radius': 6, 'circle-color': '#c2410c', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } });
    return new CartMap(map);
  }

  /**
   * Places, moves or removes the carts' markers to match `carts`. Only what changed is written: a marker's move
   * costs a layout of the map's markers, and a live batch changes a few carts of hundreds.
   */
  setCarts(carts: readonly CartMarker[]): void {
    const seen = new Set<string>();
    for (const c of carts) {
      seen.add(c.id);
      const m = this.#markers.get(c.id);
      if (!m) this.#markers.set(c.id, this.#addCart(c));
      else if (m.shown !== c) this.#updateCart(m, c);
    }
    for (const [id, m] of this.#markers) {
      if (!seen.has(id)) {
        m.marker.remove();
        this.#markers.delete(id);
      }
    }
  }

  #addCart(c: CartMarker): ShownCart {
    const el = document.createElement('a');
    const m: ShownCart = { el, marker: new Marker({ element: el }).setLngLat([c.lon, c.lat]), shown: c };
    writeCart(el, c);
    m.marker.addTo(this.#map);
    return m;
  }

  #updateCart(m: ShownCart, c: CartMarker): void {
    const was = m.shown;
    m.shown = c;
    if (was.lon !== c.lon || was.lat !== c.lat) m.marker.setLngLat([c.lon, c.lat]);
    if (was.href !== c.href || was.state !== c.state || was.label !== c.label || was.title !== c.title) writeCart(m.el, c, was);
  }

  /** The communes' centres and names: where the carts are, even with no base map. */
  setCommunes(communes: readonly CommunePoint[]): void {
    const features: GeoJSON.Feature[] = communes.map((c) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [c.lon, c.lat] }, properties: { name: c.name } }));
    void this.#map.getSource<GeoJSONSource>('communes')?.setData({ type: 'FeatureCollection', features });
    for (const m of this.#communeLabels) m.remove();
    this.#communeLabels = communes.map((c) => {
      const el = document.createElement('span');
      el.className = 'commune-label';
      el.textContent = c.name;
      return new Marker({ element: el, anchor: 'top', offset: [0, 6] }).setLngLat([c.lon, c.lat]).addTo(this.#map);
    });
  }

  setTrack(geojson: GeoJSON.FeatureCollection | null): void {
    void this.#map.getSource<GeoJSONSource>('track')?.setData(geojson ?? EMPTY);
  }

  setPlays(points: readonly PlayPoint[]): void {
    const features: GeoJSON.Feature[] = points.map((p) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [p.lon, p.lat] }, properties: { title: p.title } }));
    void this.#map.getSource<GeoJSONSource>('plays')?.setData({ type: 'FeatureCollection', features });
  }

  /** Frames the given [lon, lat] points (one point: centred at a street-level zoom). */
  fit(points: readonly [number, number][]): void {
    if (points.length === 0) return;
    if (points.length === 1) {
      this.#map.jumpTo({ center: points[0]!, zoom: 15 });
      return;
    }
    const bounds = points.reduce((b, p) => b.extend(p), new LngLatBounds(points[0]!, points[0]!));
    this.#map.fitBounds(bounds, { padding: 40, maxZoom: 16, animate: false });
  }

  resize(): void {
    this.#map.resize();
  }

  remove(): void {
    this.#map.remove();
  }
}
