import { defineConfig } from 'vitest/config';

// `npm run test:package`: the Debian packages built and installed in throwaway Debian roots (minutes; needs root,
// dpkg-deb, mmdebstrap and the Debian registry). Its own JSON report, which .ci/summary.mjs adds to the others.
export default defineConfig({
  test: {
    include: ['test/**/*.slow.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/package.json' },
    testTimeout: 600_000,
    hookTimeout: 900_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
