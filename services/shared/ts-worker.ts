import { Worker } from 'node:worker_threads';

const bootstrap = new URL('./ts-worker-bootstrap.mjs', import.meta.url);

/**
 * Starts a worker thread from a TypeScript module. Node 20 does not pass the main thread's
 * `--import tsx` on to workers, so a small JavaScript entry registers tsx and imports the module.
 * The module reads its own data from `workerData.data`.
 */
export function startTsWorker(module: URL, data: unknown): Worker {
  return new Worker(bootstrap, { workerData: { tsWorkerModule: module.href, data } });
}
