import type { Logger } from 'pino';
import type { Metrics } from '../shared/metrics.ts';
import type { Closers } from './closers.ts';

export interface JobOptions {
  /** Every this many ms. */
  every: number;
  /** The first run after this many ms (default: `every`). */
  firstAfter?: number;
  /** Runs only while this says so (the leader runs the estate's scheduled work, docs/scaling.md). */
  when?: () => boolean;
}

/**
 * Jobs that run on a timer: one run at a time (a slow run is not overlapped by the next); on stop the
 * timer is cleared and the run in progress awaited. A job that starts failing (a dependency down) says
 * so in one line and is retried at each tick; further failures go to debug, and the line that says it
 * works again comes once it does: the log tells state changes, not a stack trace a minute. Each run is
 * counted in `fms_job_runs_total{job,outcome}` and timed in `fms_job_last_run_seconds{job}`.
 */
export function createJobs(closers: Closers, log: Logger, metrics?: Pick<Metrics, 'jobRuns' | 'jobSeconds'>) {
  return {
    every(name: string, o: JobOptions, run: () => unknown): void {
      let running: Promise<unknown> = Promise.resolve();
      let busy = false;
      let failingSince: number | undefined;
      const tick = () => {
        if (busy || (o.when && !o.when())) return;
        busy = true;
        const started = performance.now();
        const ran = (outcome: 'ok' | 'failed') => {
          metrics?.jobRuns.labels(name, outcome).inc();
          metrics?.jobSeconds.labels(name).set((performance.now() - started) / 1000);
        };
        running = Promise.resolve()
          .then(run)
          .then(
            () => {
              ran('ok');
              if (failingSince === undefined) return;
              log.info({ job: name, failedForMs: Date.now() - failingSince }, `${name} works again`);
              failingSince = undefined;
            },
            (err) => {
              ran('failed');
              if (failingSince === undefined) {
                failingSince = Date.now();
                log.warn({ job: name, reason: (err as Error).message }, `${name} failed: ${(err as Error).message}; retrying every ${o.every / 1000} s`);
              }
              log.debug({ err, job: name }, `${name} failed`);
            },
          )
          .finally(() => (busy = false));
      };
      const first = o.firstAfter !== undefined ? setTimeout(tick, o.firstAfter) : undefined;
      const timer = setInterval(tick, o.every);
      first?.unref();
      timer.unref();
      closers.add(name, async () => {
        clearTimeout(first);
        clearInterval(timer);
        await running;
      });
    },
  };
}
export type Jobs = ReturnType<typeof createJobs>;
