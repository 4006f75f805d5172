import { defineConfig } from 'vitest/config';

// Tests import workspace packages through their "source" export condition, so no build is
// needed before `npm test`. Each test file runs in its own forked process; PGlite costs
// several hundred MB per instance, so keep the fork count modest on a 2-core machine.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/web/e2e/**/*.test.ts', 'test/**/*.test.ts'],
    globals: true,
    // Builds the worker's packages and fills the adaptors cache before the files run in parallel.
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
