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
    // Tests wait for events, never for time, so these limits only end a test that hangs. They are
    // far above what any test needs on a quiet machine (a few seconds; the slowest e2e ~1 min), so
    // a machine kept busy by other work slows the suite without failing it (issue 15 item 11).
    // No test sets its own timeout: one number to reason about.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // expect.poll waits for a state a test drives; 1 s (Vitest's default) is a bet on the machine.
    expect: { poll: { timeout: 120_000 } },
  },
});
