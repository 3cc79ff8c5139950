import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { describeTelemetryStore } from './telemetry-store.contract.ts';
import { createSqliteTelemetryStore } from './telemetry-store.sqlite.ts';

const log = pino({ level: 'silent' });
const dir = mkdtempSync(path.join(tmpdir(), 'fms-telemetry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeTelemetryStore('SQLite in memory', async () => createSqliteTelemetryStore({ file: ':memory:', log }));

let n = 0;
describeTelemetryStore('SQLite file', async () => createSqliteTelemetryStore({ file: path.join(dir, `t${n++}.db`), log }));

describe('SQLite telemetry store on disk', () => {
  it('keeps readings and latest values across a restart', async () => {
    const file = path.join(dir, 'restart.db');
    const first = createSqliteTelemetryStore({ file, log });
    first.write([{ measurement: 'gate', site: 's', asset: 'g1', ts: 1_764_000_000_000, fields: { passages: 12, open: false } }]);
    await first.close();
    const second = createSqliteTelemetryStore({ file, log });
    expect(await second.latest('g1')).toEqual([
      { metric: 'open', value: false, ts: 1_764_000_000_000 },
      { metric: 'passages', value: 12, ts: 1_764_000_000_000 },
    ]);
    await second.close();
  });

  it('writes by itself when the batch is full, without waiting for a flush', async () => {
    const store = createSqliteTelemetryStore({ file: ':memory:', log, batchSize: 10, flushIntervalMs: 60_000 });
    store.write(Array.from({ length: 12 }, (_, i) => ({ measurement: 'pump' as const, site: 's', asset: 'p', ts: 1_764_000_000_000 + i, fields: { flow_m3h: i } })));
    expect(store.health().written).toBe(12);
    await store.close();
  });
});
