/**
 * Builds the officers' console (web/) into dist/web/, served by the controller at `/`. The page runs under
 * `script-src 'self'; style-src 'self'`, so nothing may be inlined: no module-preload polyfill (it would be code in
 * the page), no asset turned into a data: URL. MapLibre 5 starts its worker from a blob: URL made from its own
 * bundle (`worker-src 'self' blob:`), so the worker is not a separate asset.
 */
import { defineConfig } from 'vite';

const controller = process.env.LOA_CONTROLLER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  publicDir: false,
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    // MapLibre alone is ~1 MB minified; it is loaded only by the pages with a map, so its size is expected.
    chunkSizeWarningLimit: 1200,
  },
  // `npx vite --config web/vite.config.ts` while a controller runs: the API and the map files come from it.
  server: { proxy: { '/api': controller, '/map': controller } },
});
