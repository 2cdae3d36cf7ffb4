import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and sample /proc: files running in parallel on
    // 2 cores would measure each other, so they run one at a time.
    fileParallelism: false,
    // The json report is what .ci/run counts for its closing line.
    reporters: ['default', 'json'],
    outputFile: { json: 'out/vitest.json' },
  },
});
