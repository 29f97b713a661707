/** Geometry of the console's two small SVG charts (a line over a day, bars per commune). Pure numbers in, SVG out. */

export interface Box {
  width: number;
  height: number;
  /** Room left for the axis labels. */
  left: number;
  bottom: number;
  top: number;
  right: number;
}

export interface Sample {
  x: number;
  y: number;
}

/** A round upper bound for an axis (1, 2 or 5 × 10ⁿ) at or above `max`; 1 for nothing to show. */
export function niceCeil(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/**
 * The `d` of an SVG path through the samples, x in [x0, x1] and y in [y0, y1] mapped into the box. A gap longer
 * than `gapX` starts a new segment (no line drawn across hours with no reading).
 */
export function linePath(samples: readonly Sample[], box: Box, x0: number, x1: number, y0: number, y1: number, gapX = Infinity): string {
  const w = box.width - box.left - box.right;
  const h = box.height - box.top - box.bottom;
  const sx = (x: number): number => box.left + ((x - x0) / (x1 - x0 || 1)) * w;
  const sy = (y: number): number => box.top + h - ((Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0 || 1)) * h;
  let d = '';
  let prev: Sample | undefined;
  for (const s of samples) {
    const move = prev === undefined || s.x - prev.x > gapX;
    d += `${move ? 'M' : 'L'}${sx(s.x).toFixed(1)} ${sy(s.y).toFixed(1)}`;
    prev = s;
  }
  return d;
}

export interface Bar {
  label: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Horizontal bars, one row each, scaled to `max` (default a round number above the largest value). */
export function barLayout(items: readonly { label: string; value: number }[], box: Box, rowHeight: number, max = niceCeil(Math.max(0, ...items.map((i) => i.value)))): Bar[] {
  const w = box.width - box.left - box.right;
  return items.map((item, k) => ({
    label: item.label,
    value: item.value,
    x: box.left,
    y: box.top + k * rowHeight + rowHeight * 0.15,
    width: (Math.max(0, item.value) / max) * w,
    height: rowHeight * 0.7,
  }));
}
