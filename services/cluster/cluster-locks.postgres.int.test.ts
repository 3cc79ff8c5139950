import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../testing/influxd.ts';
import { requirePostgres, startPostgres, type Postgres } from '../testing/postgres.ts';
import { describeClusterLocks } from './cluster-locks.contract.ts';
import { createPostgresClusterLocks } from './cluster-locks.postgres.ts';

const postgres = requirePostgres();

describe.skipIf(!postgres.available)(`cluster locks on PostgreSQL advisory locks ${postgres.reason}`, () => {
  let server: Postgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.destroy());

  describeClusterLocks('PostgreSQL', async () => {
    const url = await server.createDatabase();
    return {
      locks: createPostgresClusterLocks(url),
      async cut(session) {
        // What a network break or a restarted backend does to the session's connection.
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        try {
          await admin.query('SELECT pg_terminate_backend($1)', [session.id]);
        } finally {
          await admin.end();
        }
      },
      close: async () => undefined,
    };
  });

  it('counts only the members of its own database: two deployments on one server do not halve each other’s share', async () => {
    const [one, two] = [createPostgresClusterLocks(await server.createDatabase()), createPostgresClusterLocks(await server.createDatabase())];
    const a = await one.connect(() => undefined);
    const b = await two.connect(() => undefined);
    try {
      expect([await a.members(), await b.members()]).toEqual([1, 1]);
      // Advisory locks are per database too: each deployment has its own partitions and leader.
      expect([await a.tryLeader(), await b.tryLeader(), await a.tryPartition(0), await b.tryPartition(0)]).toEqual([true, true, true, true]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('fails to connect when no server answers', async () => {
    const locks = createPostgresClusterLocks(`postgres://fms@127.0.0.1:${await freePort()}/fms`);
    await expect(locks.connect(() => undefined)).rejects.toThrow(/ECONNREFUSED/);
  });
});
