import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/harness.ts';
import { requirePostgres, startPostgres, type Postgres } from '../testing/postgres.ts';
import { createPostgresCoordinator, PARTITIONS, partitionOf } from './coordinator.ts';

const postgres = requirePostgres();
const root = fileURLToPath(new URL('../../', import.meta.url));
const log = pino({ level: 'silent' });

describe('partitions', () => {
  it('puts an asset in the same partition every time, and spreads assets over all of them', () => {
    expect(partitionOf('riverside-pump-01')).toBe(partitionOf('riverside-pump-01'));
    const counts = new Array(PARTITIONS).fill(0);
    for (let i = 0; i < 6400; i++) counts[partitionOf(`pump-${i}`)]++;
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(150);
  });
});

describe.skipIf(!postgres.available)(`instances sharing partitions through PostgreSQL advisory locks ${postgres.reason}`, () => {
  let server: Postgres;
  let url: string;
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
  }, 60_000);
  afterAll(() => server?.destroy());

  function instance(id: string) {
    const events: string[] = [];
    const c = createPostgresCoordinator({ url, instanceId: id, log, intervalMs: 100 });
    c.setHandlers({
      acquired: async (p) => void events.push(`acquired ${p.length}`),
      releasing: async (p) => void events.push(`releasing ${p.length}`),
      lost: (p) => void events.push(`lost ${p.length}`),
    });
    return { c, events };
  }

  it('splits the partitions between two, one leader; the survivor takes everything within a second of the other being killed', async () => {
    // a runs in its own process, so that it can die as a crashed instance does.
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/cluster/testing/coordinator-process.ts', url, 'a'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let a = { owned: 0, leader: false };
    createInterface({ input: child.stdout! }).on('line', (line) => (a = JSON.parse(line)));
    try {
      await waitFor(() => a.owned === PARTITIONS && a.leader, 15_000, 'a to own everything and lead');
      const b = instance('b');
      await b.c.start();
      await waitFor(() => a.owned === PARTITIONS / 2 && b.c.owned().length === PARTITIONS / 2, 5000, 'an even split');
      expect(b.c.isLeader()).toBe(false);

      const died = Date.now();
      child.kill('SIGKILL');
      await waitFor(() => b.c.owned().length === PARTITIONS && b.c.isLeader(), 5000, 'b to take over');
      const failover = Date.now() - died;
      expect(failover).toBeLessThan(1500);
      expect(b.events).toContain(`acquired ${PARTITIONS / 2}`);
      await b.c.stop();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('gives up its partitions and leadership when its connection breaks, and takes its share again when it is back', async () => {
    const a = instance('a');
    const b = instance('b');
    await a.c.start();
    await b.c.start();
    await waitFor(() => a.c.owned().length === PARTITIONS / 2 && b.c.owned().length === PARTITIONS / 2, 5000, 'an even split');
    const [leader] = [a, b].filter((x) => x.c.isLeader());
    expect(leader).toBeDefined();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    // The leader's coordination connection is cut (a network break, a PostgreSQL restart of that backend).
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::int::oid AND objid = 0 AND granted",
      [0x464d5301],
    );
    await admin.end();
    await waitFor(() => leader!.events.includes(`lost ${PARTITIONS / 2}`), 3000, 'the lost partitions to be reported');
    await waitFor(
      () => a.c.owned().length === PARTITIONS / 2 && b.c.owned().length === PARTITIONS / 2 && a.c.isLeader() !== b.c.isLeader(),
      10_000,
      'the split again, one leader',
    );
    await a.c.stop();
    await b.c.stop();
  });

  it('hands its partitions over on a clean stop, after its handler saved their state', async () => {
    const a = instance('a');
    const b = instance('b');
    await a.c.start();
    await b.c.start();
    await waitFor(() => a.c.owned().length === PARTITIONS / 2 && b.c.owned().length === PARTITIONS / 2, 5000, 'an even split');
    await a.c.stop();
    expect(a.events.at(-1)).toBe(`releasing ${PARTITIONS / 2}`);
    await waitFor(() => b.c.owned().length === PARTITIONS, 3000, 'b to take a’s share');
    await b.c.stop();
  });
});
