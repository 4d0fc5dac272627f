import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Synthesizing the whole app and booting embedded Postgres are CPU-heavy; two workers match CI.
    maxWorkers: 2,
  },
});
