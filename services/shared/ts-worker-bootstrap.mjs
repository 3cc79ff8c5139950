// Entry of worker threads that run TypeScript (see ts-worker.ts). Plain JavaScript because Node 20
// does not give workers the main thread's `--import tsx`: this registers tsx, then loads the module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.tsWorkerModule);
