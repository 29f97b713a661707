/**
 * The part of opentype.js (which ships no types) that glyphs.ts uses: parse a font, find a character's glyph, get its
 * outline scaled to pixels (y pointing down, origin on the baseline).
 */
declare module 'opentype.js' {
  export type PathCommand =
    | { type: 'M' | 'L'; x: number; y: number }
    | { type: 'Q'; x1: number; y1: number; x: number; y: number }
    | { type: 'C'; x1: number; y1: number; x2: number; y2: number; x: number; y: number }
    | { type: 'Z' };
  export interface Path {
    commands: PathCommand[];
  }
  export interface Glyph {
    index: number;
    advanceWidth?: number;
    getPath(x: number, y: number, fontSize: number): Path;
  }
  export interface Font {
    unitsPerEm: number;
    ascender: number;
    names: { fontFamily?: Record<string, string> };
    /** A glyph by its index (from the cmap). */
    glyphs: { get(index: number): Glyph };
    /** Code point → glyph index: a code point missing here has no glyph in the font. */
    tables: { cmap: { glyphIndexMap: Record<number, number> } };
  }
  const opentype: { parse(buffer: ArrayBuffer): Font };
  export default opentype;
}
