import { Worker } from 'node:worker_threads';

const bootstrap = new URL('./ts-worker-bootstrap.mjs', import.meta.url);

/**
 * Starts a worker thread from a TypeScript module. Node 20 does not pass the main thread's
 * `--import tsx` on to workers, so a small JavaScript entry registers tsx and imports the module.
 * In the precompiled start (tools/precompile.mjs) the module is its compiled `.js` file, which runs
 * as it is, without tsx. The module reads its own data from `workerData.data`.
 */
export function startTsWorker(module: URL, data: unknown): Worker {
  if (module.pathname.endsWith('.js')) return new Worker(module, { workerData: { data } });
  return new Worker(bootstrap, { workerData: { tsWorkerModule: module.href, data } });
}
