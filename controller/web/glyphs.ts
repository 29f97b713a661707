/**
 * Map label glyphs made here, from a TrueType/OpenType font, so that an office without internet (and without the
 * native fontnik) can draw the base map's labels (docs/console.md "The base map, offline"). MapLibre asks for
 * `/map/fonts/{fontstack}/{start}-{end}.pbf`: the Mapbox "glyphs" protobuf, one signed distance field per character
 * at 24 px with a 3 px border, encoded as MapLibre's own TinySDF does (radius 8 px, cutoff 0.25: the edge is 191.25,
 * inside higher, 255/8 per pixel of distance). Metrics follow fontnik: `top` is the glyph's top above the baseline
 * minus the font's ascender, so these glyphs sit where fontnik's would.
 *
 * The outline is flattened to segments, rasterised with the non-zero winding rule (4 sub-scanlines a pixel, exact
 * horizontal coverage), and the coverage turned into distances by the Felzenszwalb–Huttenlocher transform.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import opentype, { type Font, type PathCommand } from 'opentype.js';
import { writeFileDurably } from '../../lib/durable.js';

export const GLYPH_SIZE = 24;
export const GLYPH_BUFFER = 3;
const SDF_RADIUS = 8;
const SDF_CUTOFF = 0.25;
/** Sub-scanlines per pixel row: enough for smooth 24 px edges, cheap enough for 1,280 characters in a few seconds. */
const SUBSAMPLES = 4;
/** How finely a curve is cut into lines, in pixels of deviation at most (about). */
const FLATNESS = 0.05;

/** The stack the console asks for (web/src/map/base-style.ts LABEL_FONT). */
export const DEFAULT_FONTSTACK = 'Noto Sans Regular';
/** Debian's fonts-noto-core. */
export const DEFAULT_FONT_FILE = '/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf';
/**
 * What a Vietnamese map needs: Basic Latin and Latin-1, Latin Extended-A/B (Đ đ Ơ ơ Ư ư), the combining marks, Latin
 * Extended Additional (ạ ả ấ … ỹ), general punctuation (– — “ ” …).
 */
export const VIETNAMESE_RANGES: readonly (readonly [number, number])[] = [
  [0, 255],
  [256, 511],
  [768, 1023],
  [7680, 7935],
  [8192, 8447],
];
/** The file that says a fonts folder is this program's output (and which files it wrote). */
export const MARKER = '.loa-glyphs';

/** `path` is the font (font-missing, bad-font), the data folder (no-data) or the file in the way (not-ours). */
export class GlyphsError extends Error {
  constructor(
    readonly code: 'font-missing' | 'bad-font' | 'no-data' | 'not-ours',
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'GlyphsError';
  }
}

/** One character as MapLibre wants it; `bitmap` is (width+6)×(height+6) bytes, empty for a blank character. */
export interface SdfGlyph {
  id: number;
  width: number;
  height: number;
  left: number;
  top: number;
  advance: number;
  bitmap: Uint8Array;
}

/** A parsed font, ready to draw characters at 24 px. */
export interface GlyphFont {
  /** The font's ascender at 24 px, whole pixels (as FreeType rounds it, up). */
  ascender: number;
  /** The character's glyph, or undefined when the font has none. */
  glyph(codePoint: number): SdfGlyph | undefined;
}

/** Parses TTF/OTF bytes (read from `path`); a file that is not a font is a GlyphsError 'bad-font'. */
export function loadFont(bytes: Uint8Array, path = ''): GlyphFont {
  let font: Font;
  try {
    font = opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (err) {
    throw new GlyphsError('bad-font', path, `${path || 'this'} is not a TrueType/OpenType font (${(err as Error).message})`);
  }
  const scale = GLYPH_SIZE / font.unitsPerEm;
  const ascender = Math.ceil(font.ascender * scale);
  const map = font.tables.cmap.glyphIndexMap;
  return {
    ascender,
    glyph(codePoint) {
      const index = map[codePoint];
      if (index === undefined) return undefined;
      const g = font.glyphs.get(index);
      const advance = Math.round((g.advanceWidth ?? 0) * scale);
      return drawGlyph(codePoint, flatten(g.getPath(0, 0, GLYPH_SIZE).commands), advance, ascender);
    },
  };
}

type Segment = [x0: number, y0: number, x1: number, y1: number];

/** The outline as straight segments, pixels, y down from the baseline; every contour closed. */
export function flatten(commands: readonly PathCommand[]): Segment[] {
  const out: Segment[] = [];
  let [sx, sy, x, y] = [0, 0, 0, 0];
  const line = (nx: number, ny: number): void => {
    if (nx !== x || ny !== y) out.push([x, y, nx, ny]);
    [x, y] = [nx, ny];
  };
  for (const c of commands) {
    if (c.type === 'M') {
      line(sx, sy); // an open contour is closed, as the fill rule needs
      [sx, sy, x, y] = [c.x, c.y, c.x, c.y];
    } else if (c.type === 'L') line(c.x, c.y);
    else if (c.type === 'Q') {
      const n = steps(Math.hypot(x - 2 * c.x1 + c.x, y - 2 * c.y1 + c.y));
      const [x0, y0] = [x, y];
      for (let i = 1; i <= n; i++) {
        const t = i / n;
        const u = 1 - t;
        line(u * u * x0 + 2 * u * t * c.x1 + t * t * c.x, u * u * y0 + 2 * u * t * c.y1 + t * t * c.y);
      }
    } else if (c.type === 'C') {
      const n = steps(Math.max(Math.hypot(x - 2 * c.x1 + c.x2, y - 2 * c.y1 + c.y2), Math.hypot(c.x1 - 2 * c.x2 + c.x, c.y1 - 2 * c.y2 + c.y)) * 1.5);
      const [x0, y0] = [x, y];
      for (let i = 1; i <= n; i++) {
        const t = i / n;
        const u = 1 - t;
        line(u * u * u * x0 + 3 * u * u * t * c.x1 + 3 * u * t * t * c.x2 + t * t * t * c.x, u * u * u * y0 + 3 * u * u * t * c.y1 + 3 * u * t * t * c.y2 + t * t * t * c.y);
      }
    } else line(sx, sy);
  }
  line(sx, sy);
  return out;
}

/** Line pieces for a curve whose second difference is `d` pixels: the error of n pieces is about d / (4 n²). */
function steps(d: number): number {
  return Math.max(1, Math.min(64, Math.ceil(Math.sqrt(d / (4 * FLATNESS)))));
}

/** Rasterises and measures one character; a blank one (space) has no bitmap. */
function drawGlyph(id: number, segments: Segment[], advance: number, ascender: number): SdfGlyph {
  if (segments.length === 0) return { id, width: 0, height: 0, left: 0, top: -ascender, advance, bitmap: new Uint8Array(0) };
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x0, y0, x1, y1] of segments) {
    minX = Math.min(minX, x0, x1);
    maxX = Math.max(maxX, x0, x1);
    minY = Math.min(minY, y0, y1);
    maxY = Math.max(maxY, y0, y1);
  }
  const left = Math.floor(minX);
  const topDown = Math.floor(minY); // y (down) of the box's first row
  const width = Math.ceil(maxX) - left;
  const height = Math.ceil(maxY) - topDown;
  const coverage = rasterize(segments, left, topDown, width, height);
  return { id, width, height, left, top: -topDown - ascender, advance, bitmap: distanceField(coverage, width, height) };
}

/**
 * Coverage (0…1) of each pixel of the `width`×`height` box whose top-left corner is (`left`, `top`), non-zero
 * winding: on each sub-scanline, the crossings with their directions give the filled spans, whose exact horizontal
 * extent is added to the pixels they touch.
 */
export function rasterize(segments: readonly Segment[], left: number, top: number, width: number, height: number): Float32Array {
  const cover = new Float32Array(width * height);
  const crossings: [x: number, dir: number][] = [];
  for (let row = 0; row < height; row++) {
    for (let s = 0; s < SUBSAMPLES; s++) {
      const y = top + row + (s + 0.5) / SUBSAMPLES;
      crossings.length = 0;
      for (const [x0, y0, x1, y1] of segments) {
        if ((y0 <= y && y1 > y) || (y1 <= y && y0 > y)) crossings.push([x0 + ((y - y0) / (y1 - y0)) * (x1 - x0) - left, y1 > y0 ? 1 : -1]);
      }
      crossings.sort((a, b) => a[0] - b[0]);
      let winding = 0;
      for (let i = 0; i < crossings.length - 1; i++) {
        winding += crossings[i]![1];
        if (winding !== 0) addSpan(cover, row * width, width, crossings[i]![0], crossings[i + 1]![0], 1 / SUBSAMPLES);
      }
    }
  }
  return cover;
}

/** Adds `weight` × the part of each pixel of one row that [a, b) covers. */
function addSpan(cover: Float32Array, rowStart: number, width: number, a: number, b: number, weight: number): void {
  a = Math.max(0, a);
  b = Math.min(width, b);
  for (let px = Math.floor(a); px < b; px++) {
    const part = Math.min(b, px + 1) - Math.max(a, px);
    if (part > 0) cover[rowStart + px]! += part * weight;
  }
}

const INF = 1e20;

/**
 * The signed distance field of a coverage box, with the 3 px border around it, as TinySDF computes it: a partly
 * covered pixel seeds a sub-pixel distance from how far its coverage is from half (gamma-corrected as a canvas'
 * alpha is), then the squared distances to the outside and to the inside are propagated and subtracted.
 */
export function distanceField(coverage: Float32Array, glyphWidth: number, glyphHeight: number): Uint8Array {
  const b = GLYPH_BUFFER;
  const width = glyphWidth + 2 * b;
  const height = glyphHeight + 2 * b;
  const outer = new Float64Array(width * height).fill(INF);
  const inner = new Float64Array(width * height);
  for (let y = 0; y < glyphHeight; y++) {
    for (let x = 0; x < glyphWidth; x++) {
      const alpha = Math.round(Math.min(1, coverage[y * glyphWidth + x]!) * 255);
      if (alpha === 0) continue;
      const d = 0.5 - Math.pow(alpha / 255, 1 / 2.2);
      const t = alpha === 255 ? -INF : d * Math.abs(d);
      const j = (y + b) * width + x + b;
      outer[j] = Math.max(0, t);
      inner[j] = Math.max(0, -t);
    }
  }
  squaredDistances(outer, width, height);
  squaredDistances(inner, width, height);
  const out = new Uint8Array(width * height);
  const base = 255 * (1 - SDF_CUTOFF);
  const scale = 255 / SDF_RADIUS;
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(base - scale * (Math.sqrt(outer[i]!) - Math.sqrt(inner[i]!)));
    out[i] = Math.max(0, Math.min(255, v));
  }
  return out;
}

/** 2-D squared Euclidean distance transform in place: columns, then rows (Felzenszwalb & Huttenlocher 2012). */
function squaredDistances(grid: Float64Array, width: number, height: number): void {
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  for (let x = 0; x < width; x++) transform1d(grid, x, width, height, f, v, z);
  for (let y = 0; y < height; y++) transform1d(grid, y * width, 1, width, f, v, z);
}

/** One line of the transform: the lower envelope of the parabolas rooted at each sample. */
function transform1d(grid: Float64Array, offset: number, stride: number, length: number, f: Float64Array, v: Int32Array, z: Float64Array): void {
  for (let q = 0; q < length; q++) f[q] = grid[offset + q * stride]!;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  for (let q = 1, k = 0; q < length; q++) {
    let s: number;
    do {
      const r = v[k]!;
      s = (f[q]! - f[r]! + q * q - r * r) / (2 * (q - r));
    } while (s <= z[k]! && --k > -1);
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = INF;
  }
  for (let q = 0, k = 0; q < length; q++) {
    while (z[k + 1]! < q) k++;
    const r = v[k]!;
    grid[offset + q * stride] = f[r]! + (q - r) * (q - r);
  }
}

/** The glyphs protobuf of one range: every character of [start, end] the font has. */
export function glyphRangePbf(font: GlyphFont, fontstack: string, start: number, end: number): { pbf: Uint8Array; glyphs: number } {
  const glyphs: Uint8Array[] = [];
  for (let cp = start; cp <= end; cp++) {
    const g = font.glyph(cp);
    if (g !== undefined) glyphs.push(encodeGlyph(g));
  }
  const stack = concat([field(1, utf8(fontstack)), field(2, utf8(`${start}-${end}`)), ...glyphs.map((g) => field(3, g))]);
  return { pbf: field(1, stack), glyphs: glyphs.length };
}

function encodeGlyph(g: SdfGlyph): Uint8Array {
  return concat([
    varintField(1, g.id),
    ...(g.bitmap.length > 0 ? [field(2, g.bitmap)] : []),
    varintField(3, g.width),
    varintField(4, g.height),
    varintField(5, zigzag(g.left)),
    varintField(6, zigzag(g.top)),
    varintField(7, g.advance),
  ]);
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const zigzag = (n: number): number => (n < 0 ? -2 * n - 1 : 2 * n);

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const varintField = (tag: number, n: number): Uint8Array => Uint8Array.from([...varint(tag << 3), ...varint(n)]);
const field = (tag: number, bytes: Uint8Array): Uint8Array => concat([Uint8Array.from([...varint((tag << 3) | 2), ...varint(bytes.length)]), bytes]);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface WriteGlyphsOptions {
  fontFile?: string;
  /** The controller's data folder: files go to `<dataDir>/map/fonts/<fontstack>/`. */
  dataDir: string;
  fontstack?: string;
  ranges?: readonly (readonly [number, number])[];
}

export interface GlyphsWritten {
  dir: string;
  files: string[];
  glyphs: number;
}

interface Marker {
  writtenBy: 'loa controller map-fonts';
  font: string;
  /** File name → SHA-256 of what was written (two while a write is under way): only a file still so may be replaced. */
  files: Record<string, string[]>;
}

/**
 * Writes the glyph ranges of a font stack under `<dataDir>/map/fonts/` (the data folder must exist). It replaces only
 * files it wrote itself (their hashes are in the folder's `.loa-glyphs`); any other file in the way is refused before
 * anything is written.
 */
export async function writeGlyphRanges(o: WriteGlyphsOptions): Promise<GlyphsWritten> {
  const fontFile = o.fontFile ?? DEFAULT_FONT_FILE;
  const fontstack = o.fontstack ?? DEFAULT_FONTSTACK;
  const ranges = o.ranges ?? VIETNAMESE_RANGES;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(fontFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new GlyphsError('font-missing', fontFile, `the font ${fontFile} is missing`);
    throw err;
  }
  const font = loadFont(bytes, fontFile);
  // A mistyped --data must not become a new data folder holding only fonts.
  if (!(await isFolder(o.dataDir))) throw new GlyphsError('no-data', o.dataDir, `the data folder ${o.dataDir} does not exist`);
  const dir = join(o.dataDir, 'map', 'fonts', fontstack);
  const names = ranges.map(([s, e]) => `${s}-${e}.pbf`);
  const marker = await readMarker(dir);
  for (const name of names) await refuseForeign(dir, name, marker);
  const made = ranges.map(([start, end]) => glyphRangePbf(font, fontstack, start, end));
  const hashes = made.map((m) => sha256(m.pbf));
  await mkdir(dir, { recursive: true });
  // The marker claims the new files before they are written and keeps the old hashes until they are, so that a power
  // cut in between never leaves a file of ours that the next run would take for someone else's.
  const claimed: Record<string, string[]> = { ...marker?.files };
  names.forEach((n, i) => (claimed[n] = [...(claimed[n] ?? []), hashes[i]!]));
  await writeMarker(dir, fontFile, claimed);
  for (const [i, name] of names.entries()) await writeFileDurably(join(dir, name), made[i]!.pbf);
  names.forEach((n, i) => (claimed[n] = [hashes[i]!]));
  await writeMarker(dir, fontFile, claimed);
  return { dir, files: names.map((n) => join(dir, n)), glyphs: made.reduce((n, m) => n + m.glyphs, 0) };
}

async function writeMarker(dir: string, font: string, files: Record<string, string[]>): Promise<void> {
  const marker: Marker = { writtenBy: 'loa controller map-fonts', font, files };
  await writeFileDurably(join(dir, MARKER), JSON.stringify(marker, null, 2) + '\n');
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    const m = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as Marker;
    return typeof m.files === 'object' && m.files !== null && Object.values(m.files).every(Array.isArray) ? m : undefined;
  } catch {
    return undefined;
  }
}

/** A file that exists and is not byte for byte what this program last wrote there is someone else's. */
async function refuseForeign(dir: string, name: string, marker: Marker | undefined): Promise<void> {
  let existing: Buffer;
  try {
    existing = await readFile(join(dir, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!(marker?.files[name] ?? []).includes(sha256(existing))) throw new GlyphsError('not-ours', join(dir, name), `${join(dir, name)} was not written by loa controller map-fonts`);
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
