/**
 * The map's style, built from what the controller has: with `/map/district.pmtiles` (the operator's base map), its
 * layers drawn plainly; without it, a plain background under the carts and tracks. Labels only when the controller
 * serves glyphs (`/map/fonts/Noto Sans Regular/…`): a symbol layer without them would fail. Nothing refers to another host.
 */
import type { LayerSpecification, StyleSpecification } from 'maplibre-gl';

export const BASE_MAP_PATH = '/map/district.pmtiles';
export const BASE_MAP_URL = `pmtiles://${BASE_MAP_PATH}`;
export const GLYPHS_URL = '/map/fonts/{fontstack}/{range}.pbf';
/** The font stack asked for labels: the controller's fonts folder is expected to hold it. */
export const LABEL_FONT = ['Noto Sans Regular'];
/** The file whose presence says the labels can be drawn (every glyph set has the 0–255 range). */
export const FIRST_GLYPHS = `/map/fonts/${encodeURIComponent(LABEL_FONT[0]!)}/0-255.pbf`;

export interface BaseMap {
  /** `raster` for PNG/JPEG/WebP tiles, `vector` for MVT; undefined: no base-map file. */
  kind?: 'raster' | 'vector';
  /** The vector layers the file's metadata lists. */
  vectorLayers?: string[];
  glyphs: boolean;
}

const BACKGROUND = '#eef0ea';

type Look = { rank: number; fill?: string; line?: string; width?: number; dash?: number[] };

/** A plain look for a vector layer by its name (Protomaps and OpenMapTiles names both), by drawing order. */
function lookOf(id: string): Look | null {
  const n = id.toLowerCase();
  if (/earth|^land$|land_?mass/.test(n)) return { rank: 0, fill: '#f4f2ec' };
  if (/landuse|landcover|park|green|forest|wood|natural|farm/.test(n)) return { rank: 1, fill: '#e2ebd3' };
  if (/water|ocean|lake|river|sea/.test(n)) return { rank: 2, fill: '#b5d3e7', line: '#9cc3de', width: 1 };
  if (/building/.test(n)) return { rank: 3, fill: '#ddd6cf' };
  if (/road|transport|street|highway|path|rail/.test(n)) return { rank: 4, line: '#ffffff', width: 2 };
  if (/boundar|admin/.test(n)) return { rank: 5, line: '#9a7fb0', width: 1, dash: [3, 2] };
  if (/place|poi|label|name/.test(n)) return null;
  return { rank: 1, line: '#d0d0c8', width: 0.5 };
}

function vectorLayers(ids: readonly string[], glyphs: boolean): LayerSpecification[] {
  const layers: LayerSpecification[] = [];
  const drawn = ids.map((id) => ({ id, look: lookOf(id) })).sort((a, b) => (a.look?.rank ?? 9) - (b.look?.rank ?? 9));
  for (const { id, look } of drawn) {
    if (look?.fill) layers.push({ id: `base-${id}-fill`, type: 'fill', source: 'base', 'source-layer': id, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': look.fill } });
    if (look?.line) {
      layers.push({
        id: `base-${id}-line`,
        type: 'line',
        source: 'base',
        'source-layer': id,
        filter: ['==', ['geometry-type'], 'LineString'],
        paint: { 'line-color': look.line, 'line-width': ['interpolate', ['linear'], ['zoom'], 8, look.width ?? 1, 16, (look.width ?? 1) * 4], ...(look.dash ? { 'line-dasharray': look.dash } : {}) },
      });
    }
    if (look === null && glyphs) {
      layers.push({
        id: `base-${id}-label`,
        type: 'symbol',
        source: 'base',
        'source-layer': id,
        filter: ['==', ['geometry-type'], 'Point'],
        layout: { 'text-field': ['coalesce', ['get', 'name:vi'], ['get', 'name']], 'text-font': LABEL_FONT, 'text-size': 12 },
        paint: { 'text-color': '#444', 'text-halo-color': '#fff', 'text-halo-width': 1 },
      });
    }
  }
  return layers;
}

export function baseStyle(base: BaseMap): StyleSpecification {
  const style: StyleSpecification = { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } }] };
  if (base.glyphs) style.glyphs = GLYPHS_URL;
  if (base.kind === 'raster') {
    style.sources.base = { type: 'raster', url: BASE_MAP_URL, tileSize: 256 };
    style.layers.push({ id: 'base-raster', type: 'raster', source: 'base' });
  } else if (base.kind === 'vector') {
    style.sources.base = { type: 'vector', url: BASE_MAP_URL };
    style.layers.push(...vectorLayers(base.vectorLayers ?? [], base.glyphs));
  }
  return style;
}
