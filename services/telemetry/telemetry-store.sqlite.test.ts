import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { describeTelemetryStore } from './telemetry-store.contract.ts';
import { createSqliteTelemetryStore } from './telemetry-store.sqlite.ts';

const log = pino({ level: 'silent' });
const dir = mkdtempSync(path.join(tmpdir(), 'fms-telemetry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeTelemetryStore('SQLite in memory', async () => createSqliteTelemetryStore({ file: ':memory:', log }));

let n = 0;
describeTelemetryStore('SQLite file', async () => createSqliteTelemetryStore({ file: path.join(dir, `t${n++}.db`), log }));

describe('SQLite telemetry store on disk', () => {
  it('rebuilds last values after a crash from the newest rows', async () => {
    const file = path.join(dir, 'crash.db');
    const first = createSqliteTelemetryStore({ file, log });
    first.write([{ measurement: 'pump', site: 's', asset: 'p9', ts: 1_764_000_000_000, fields: { flow_m3h: 1 } }]);
    await first.flush(); // the first flush also saves the last values
    first.write([{ measurement: 'pump', site: 's', asset: 'p9', ts: 1_764_000_001_000, fields: { flow_m3h: 2, running: true } }]);
    await first.flush(); // rows written, last values not saved yet (they are saved every 2 s)
    // No close(): the process dies here. A second store opens the same file.
    const second = createSqliteTelemetryStore({ file, log });
    expect(await second.latest('p9', 'pump')).toEqual([
      { metric: 'flow_m3h', value: 2, ts: 1_764_000_001_000 },
      { metric: 'running', value: true, ts: 1_764_000_001_000 },
    ]);
    await second.close();
    await first.close();
  });

  it('keeps readings and latest values across a restart', async () => {
    const file = path.join(dir, 'restart.db');
    const first = createSqliteTelemetryStore({ file, log });
    first.write([{ measurement: 'gate', site: 's', asset: 'g1', ts: 1_764_000_000_000, fields: { passages: 12, open: false } }]);
    await first.close();
    const second = createSqliteTelemetryStore({ file, log });
    expect(await second.latest('g1', 'gate')).toEqual([
      { metric: 'open', value: false, ts: 1_764_000_000_000 },
      { metric: 'passages', value: 12, ts: 1_764_000_000_000 },
    ]);
    await second.close();
  });

  it('writes by itself when the batch is full, without waiting for a flush', async () => {
    const store = createSqliteTelemetryStore({ file: ':memory:', log, batchSize: 10, flushIntervalMs: 60_000 });
    for (let i = 0; i < 12; i++) store.write([{ measurement: 'pump', site: 's', asset: 'p', ts: 1_764_000_000_000 + i, fields: { flow_m3h: i } }]);
    await vi.waitFor(() => expect(store.health()).toMatchObject({ written: 10, pending: 2 }));
    await store.close();
  });
});
