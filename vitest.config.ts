import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Minutes-long tests (the Debian packages installed in throwaway roots): `npm run test:package`, run by .ci/run.
    exclude: ['**/node_modules/**', 'test/**/*.slow.test.ts'],
    // CI reads the JSON report to print the plain "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
