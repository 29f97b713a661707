import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FONT_FILE, GlyphsError, MARKER, writeGlyphRanges } from '../../../controller/web/glyphs.js';
import { hasChromium, launchChromium } from '../../../tools/chromium.js';
import { runLoa } from '../../support/cli.js';
import { until } from '../../support/wait.js';
import { startConsole } from './harness.js';

// The Noto font is a system file (Debian fonts-noto-core, which CI installs): without it there is nothing to draw.
const noFont = !existsSync(DEFAULT_FONT_FILE);
if (noFont) console.warn(`[skip] ${DEFAULT_FONT_FILE} is missing (apt-get install fonts-noto-core): glyph tests are skipped.`);

/** A protobuf reader just big enough for the glyphs message: field number → values (numbers or bytes). */
function fields(bytes: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  let at = 0;
  const varint = (): number => {
    let n = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = bytes[at++]!;
      n += (b & 0x7f) * shift;
      if (b < 0x80) return n;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const wire = key & 7;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = varint();
      value = bytes.subarray(at, at + len);
      at += len;
    } else throw new Error(`unexpected wire type ${wire}`);
    out.set(key >> 3, [...(out.get(key >> 3) ?? []), value]);
  }
  return out;
}

interface Decoded {
  id: number;
  bitmap: Uint8Array;
  width: number;
  height: number;
  left: number;
  top: number;
  advance: number;
}

const unzig = (n: number): number => (n % 2 === 1 ? -(n + 1) / 2 : n / 2);

function decode(pbf: Uint8Array): { name: string; range: string; glyphs: Map<number, Decoded> } {
  const stacks = fields(pbf).get(1)!;
  expect(stacks).toHaveLength(1);
  const stack = fields(stacks[0] as Uint8Array);
  const text = (n: number): string => new TextDecoder().decode(stack.get(n)![0] as Uint8Array);
  const glyphs = new Map<number, Decoded>();
  for (const raw of stack.get(3) ?? []) {
    const f = fields(raw as Uint8Array);
    const num = (n: number): number => (f.get(n)?.[0] as number | undefined) ?? 0;
    const g = { id: num(1), bitmap: (f.get(2)?.[0] as Uint8Array | undefined) ?? new Uint8Array(0), width: num(3), height: num(4), left: unzig(num(5)), top: unzig(num(6)), advance: num(7) };
    glyphs.set(g.id, g);
  }
  return { name: text(1), range: text(2), glyphs };
}

describe('glyphs for the offline map', () => {
  let data: string;
  beforeEach(async () => {
    data = await mkdtemp(join(tmpdir(), 'loa-glyphs-'));
  });
  afterEach(async () => {
    await rm(data, { recursive: true, force: true });
  });
  const folder = (): string => join(data, 'map', 'fonts', 'Noto Sans Regular');
  const range = async (name: string): Promise<ReturnType<typeof decode>> => decode(await readFile(join(folder(), name)));

  it.skipIf(noFont)('writes the five Vietnamese ranges, each named and holding its characters', async () => {
    const done = await writeGlyphRanges({ dataDir: data });
    expect((await readdir(folder())).sort()).toEqual([MARKER, '0-255.pbf', '256-511.pbf', '7680-7935.pbf', '768-1023.pbf', '8192-8447.pbf'].sort());
    expect(done.glyphs).toBeGreaterThan(600);
    const latin = await range('0-255.pbf');
    expect(latin).toMatchObject({ name: 'Noto Sans Regular', range: '0-255' });
    expect(latin.glyphs.has(0x41)).toBe(true);
    const extA = await range('256-511.pbf');
    expect(extA.range).toBe('256-511');
    for (const id of [0x110, 0x111, 0x1a0, 0x1a1, 0x1af, 0x1b0]) expect(extA.glyphs.has(id), id.toString(16)).toBe(true);
    expect((await range('768-1023.pbf')).glyphs.has(0x301)).toBe(true);
    const additional = await range('7680-7935.pbf');
    for (const id of [0x1ea1, 0x1ea3, 0x1ea5, 0x1ead, 0x1ef9]) expect(additional.glyphs.has(id), id.toString(16)).toBe(true);
    expect((await range('8192-8447.pbf')).glyphs.has(0x2013)).toBe(true);
  });

  it.skipIf(noFont)('draws plausible 24 px distance fields: inside above the 192 edge, outside below', async () => {
    await writeGlyphRanges({ dataDir: data });
    const a = (await range('0-255.pbf')).glyphs.get(0x41)!;
    expect(a.advance).toBeGreaterThanOrEqual(14);
    expect(a.advance).toBeLessThanOrEqual(18);
    expect(a.height).toBeGreaterThanOrEqual(16);
    expect(a.height).toBeLessThanOrEqual(19);
    expect(a.width).toBeGreaterThanOrEqual(13);
    expect(a.width).toBeLessThanOrEqual(17);
    // Capitals reach about the cap height above the baseline: top is that minus the ascender (fontnik's convention).
    expect(a.top).toBeGreaterThan(-12);
    expect(a.top).toBeLessThan(-6);
    for (const g of [a, (await range('256-511.pbf')).glyphs.get(0x110)!, (await range('7680-7935.pbf')).glyphs.get(0x1ef9)!]) {
      const w = g.width + 6;
      expect(g.bitmap.length).toBe(w * (g.height + 6));
      expect(g.bitmap[0]).toBeLessThan(100); // a corner of the border is well outside
      expect(Math.max(...g.bitmap)).toBeGreaterThan(200); // some pixel is well inside the stroke
    }
    // Across the left stem of 'Đ' at mid-height: outside, then an edge near 192, then inside.
    const d = (await range('256-511.pbf')).glyphs.get(0x110)!;
    const row = Array.from(d.bitmap.subarray(((d.height >> 1) + 3) * (d.width + 6), ((d.height >> 1) + 4) * (d.width + 6)));
    const peak = row.indexOf(Math.max(...row.slice(0, (d.width + 6) >> 1)));
    expect(row[0]).toBeLessThan(150);
    expect(row[peak]).toBeGreaterThan(210);
    expect(row.slice(0, peak).some((v) => Math.abs(v - 192) < 20)).toBe(true);
    // 'o' is hollow: its centre is outside.
    const o = (await range('0-255.pbf')).glyphs.get(0x6f)!;
    expect(o.bitmap[((o.height + 6) >> 1) * (o.width + 6) + ((o.width + 6) >> 1)]).toBeLessThan(150);
  });

  it.skipIf(noFont)('gives the space an advance and no bitmap', async () => {
    await writeGlyphRanges({ dataDir: data, ranges: [[0, 255]] });
    const space = (await range('0-255.pbf')).glyphs.get(0x20)!;
    expect(space.bitmap.length).toBe(0);
    expect(space.width).toBe(0);
    expect(space.advance).toBeGreaterThanOrEqual(5);
    expect(space.advance).toBeLessThanOrEqual(8);
  });

  it.skipIf(noFont)('replaces its own output but refuses a file it did not write', async () => {
    await writeGlyphRanges({ dataDir: data, ranges: [[0, 255]] });
    await writeGlyphRanges({ dataDir: data, ranges: [[0, 255]] });
    await writeFile(join(folder(), '256-511.pbf'), 'the operator’s own');
    await expect(writeGlyphRanges({ dataDir: data })).rejects.toMatchObject({ code: 'not-ours' });
    expect(await readFile(join(folder(), '256-511.pbf'), 'utf8')).toBe('the operator’s own');
    expect(await readdir(folder())).not.toContain('768-1023.pbf'); // refused before anything was written
  });

  it('refuses a missing font and a file that is not a font', async () => {
    await expect(writeGlyphRanges({ dataDir: data, fontFile: join(data, 'none.ttf') })).rejects.toMatchObject({ code: 'font-missing' });
    await writeFile(join(data, 'bad.ttf'), 'not a font');
    await expect(writeGlyphRanges({ dataDir: data, fontFile: join(data, 'bad.ttf') })).rejects.toBeInstanceOf(GlyphsError);
    expect(existsSync(join(data, 'map'))).toBe(false);
    await expect(writeGlyphRanges({ dataDir: join(data, 'typo') })).rejects.toMatchObject({ code: noFont ? 'font-missing' : 'no-data' });
    expect(existsSync(join(data, 'typo'))).toBe(false);
  });

  it.skipIf(noFont)('loa controller map-fonts writes the glyphs and says where, in Vietnamese', async () => {
    const run = await runLoa(['controller', 'map-fonts', '--data', data]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Đã ghi 5 tệp glyph`);
    expect(run.stdout).toContain(folder());
    expect(existsSync(join(folder(), '7680-7935.pbf'))).toBe(true);
  });

  it('loa controller map-fonts refuses in one line what it cannot do, saying what to do', async () => {
    const missingFont = await runLoa(['controller', 'map-fonts', '--data', data, '--font', join(data, 'none.ttf')]);
    expect(missingFont.code).toBe(2);
    expect(missingFont.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(missingFont.stderr).toContain('fonts-noto-core');
    expect(missingFont.stderr).toContain('--font');
    const english = await runLoa(['controller', 'map-fonts', '--data', data, '--font', join(data, 'none.ttf'), '--lang', 'en']);
    expect(english.stderr).toContain('is missing');
    const extra = await runLoa(['controller', 'map-fonts', 'surplus', '--data', data]);
    expect(extra.code).toBe(2);
    expect(existsSync(join(data, 'map'))).toBe(false);
  });
});

/** A page that draws one label with the controller's glyphs (external script and style: the console's CSP allows no inline ones). */
const PROBE_HTML = '<!doctype html><html lang="vi"><head><meta charset="utf-8"><link rel="stylesheet" href="/assets/maplibre-gl.css"><script src="/assets/maplibre-gl.js"></script><link rel="stylesheet" href="/assets/probe.css"><script src="/assets/probe.js" defer></script></head><body><div id="map"></div></body></html>\n';
const PROBE_JS = `
const map = new maplibregl.Map({
  container: 'map', center: [105.85, 21.02], zoom: 12, attributionControl: false, fadeDuration: 0,
  style: { version: 8, glyphs: location.origin + '/map/fonts/{fontstack}/{range}.pbf',
    sources: { p: { type: 'geojson', data: { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [105.85, 21.02] } } } },
    layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#fff' } },
      { id: 'label', type: 'symbol', source: 'p', layout: { 'text-field': 'Đường Hồ Chí Minh', 'text-font': ['Noto Sans Regular'], 'text-size': 16 } }] },
});
map.on('error', (e) => { window.mapErrors = [...(window.mapErrors || []), String(e.error && e.error.message)]; });
map.once('idle', () => { window.placed = map.queryRenderedFeatures({ layers: ['label'] }).length; });
`;

describe('the glyphs in MapLibre', () => {
  it.skipIf(noFont || !hasChromium())('draws "Đường Hồ Chí Minh" from the controller\'s glyphs, loading every range it needs', async () => {
    const web = await mkdtemp(join(tmpdir(), 'loa-glyphs-web-'));
    const rig = await startConsole({ webDir: web });
    const browser = await launchChromium();
    try {
      const dist = dirname(createRequire(import.meta.url).resolve('maplibre-gl'));
      await mkdir(join(web, 'assets'));
      await copyFile(join(dist, 'maplibre-gl.js'), join(web, 'assets', 'maplibre-gl.js'));
      await copyFile(join(dist, 'maplibre-gl.css'), join(web, 'assets', 'maplibre-gl.css'));
      await writeFile(join(web, 'assets', 'probe.js'), PROBE_JS);
      await writeFile(join(web, 'assets', 'probe.css'), 'body { margin: 0 } #map { width: 600px; height: 300px }\n');
      await writeFile(join(web, 'index.html'), PROBE_HTML);
      await writeGlyphRanges({ dataDir: join(rig.dir, 'data') });
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => {
        // The software GL driver's performance notes ("GPU stall due to ReadPixels") are not the page's problems.
        if ((m.type() === 'error' || m.type() === 'warning') && !m.text().includes('GL Driver Message')) problems.push(m.text());
      });
      const fonts: string[] = [];
      page.on('response', (r) => {
        if (r.url().includes('/map/fonts/')) fonts.push(`${r.status()} ${decodeURIComponent(new URL(r.url()).pathname)}`);
      });
      await page.goto(rig.controller.httpUrl + '/');
      // Polled through the DevTools protocol: the page's CSP forbids the eval that waitForFunction would need.
      await until(async () => (await page.evaluate('window.placed !== undefined || window.mapErrors !== undefined')) === true, 'the map to become idle', 20_000, 50);
      expect(await page.evaluate('window.mapErrors')).toBeUndefined();
      expect(await page.evaluate('window.placed')).toBe(1);
      await page.screenshot({ path: fileURLToPath(new URL('../../../test-results/glyphs/duong-ho-chi-minh.png', import.meta.url)), clip: { x: 150, y: 120, width: 300, height: 60 } });
      expect(fonts.sort()).toEqual(['200 /map/fonts/Noto Sans Regular/0-255.pbf', '200 /map/fonts/Noto Sans Regular/256-511.pbf', '200 /map/fonts/Noto Sans Regular/7680-7935.pbf']);
      // A range that fails to load is drawn locally by MapLibre with a warning: none may appear.
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await rig.close();
      await rm(web, { recursive: true, force: true });
    }
  }, 40_000);
});
