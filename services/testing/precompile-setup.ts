import { precompile } from '../../tools/precompile.mjs';

/**
 * vitest's global setup: compiles the service into .build/ once, before the test files run in parallel,
 * so the tests that start it as `npm start` does (service-process.ts) find it compiled.
 */
export default async function setup(): Promise<void> {
  await precompile();
}
