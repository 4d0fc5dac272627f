import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Synthesizing the whole app and booting embedded Postgres are CPU-heavy; two workers match CI.
    maxWorkers: 2,
    // The dashboard page is TypeScript bundled by esbuild; the server reads the bundle.
    globalSetup: ['test/dashboard/page.setup.ts'],
  },
});
