import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['services/**/*.test.ts', 'tools/**/*.test.ts', 'devices/**/*.test.ts', 'simulators/**/*.test.ts', 'dashboards/**/*.test.ts'],
    globalSetup: ['./services/testing/precompile-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './services/testing/summary-reporter.ts'],
  },
});
