import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['services/**/*.test.ts', 'tools/**/*.test.ts', 'devices/**/*.test.ts', 'simulators/**/*.test.ts', 'dashboards/**/*.test.ts'],
    globalSetup: ['./services/testing/precompile-setup.ts'],
    // Two test files at a time even on two cores (vitest's default there is one): most of a file's time
    // is waiting on the servers it starts. 655 s instead of 1,132 s for the suite on this machine.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './services/testing/summary-reporter.ts'],
  },
});
