import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMetrics } from '../shared/metrics.ts';
import { captureLogger } from '../testing/harness.ts';
import { createClosers } from './closers.ts';
import { createJobs } from './jobs.ts';

describe('scheduled jobs', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('says once that a job fails while a dependency is down, and once that it works again; /metrics counts every run', async () => {
    const { log, records } = captureLogger('info');
    const closers = createClosers(log);
    const metrics = createMetrics();
    let down = true;
    let runs = 0;
    createJobs(closers, log, metrics).every('PM generation', { every: 60_000 }, async () => {
      runs++;
      if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:8086');
    });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(runs).toBe(10);
    down = false;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(records.map((r) => [r.level, r.msg])).toEqual([
      [40, 'PM generation failed: connect ECONNREFUSED 127.0.0.1:8086; retrying every 60 s'],
      [30, 'PM generation works again'],
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('fms_job_runs_total{job="PM generation",outcome="failed"} 10');
    expect(text).toContain('fms_job_runs_total{job="PM generation",outcome="ok"} 1');
    expect(text).toMatch(/^fms_job_last_run_seconds\{job="PM generation"\} [0-9.e-]+$/m);
    await closers.closeAll();
  });

  it('never runs a job twice at once, runs it only when told, and waits for the run in progress on stop', async () => {
    const { log } = captureLogger();
    const closers = createClosers(log);
    let leader = false;
    let running = 0;
    let most = 0;
    let finished = 0;
    createJobs(closers, log).every('sweep', { every: 1000, when: () => leader }, async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 3500));
      running--;
      finished++;
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(finished).toBe(0); // not the leader: nothing ran
    leader = true;
    await vi.advanceTimersByTimeAsync(8000);
    expect(most).toBe(1);
    const stopping = closers.closeAll();
    await vi.advanceTimersByTimeAsync(4000);
    await stopping;
    expect(running).toBe(0);
  });
});
