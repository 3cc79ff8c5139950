import pg from 'pg';
import type { ClusterLocks, LockSession } from './cluster-locks.ts';

/** Advisory-lock name spaces (the two-integer form), chosen to stay clear of other applications. */
const MEMBER_LOCK = 0x464d5300;
const LEADER_LOCK = 0x464d5301;
const PARTITION_LOCK = 0x464d5302;

/**
 * Cluster locks as PostgreSQL session advisory locks, each session on a dedicated connection (not
 * the pool: a pooled connection outlives the instance's use of it). Membership is a lock too, keyed
 * by the backend's pid: held by the connection, gone the moment it goes.
 */
export function createPostgresClusterLocks(url: string): ClusterLocks {
  return {
    async connect(onLost) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      let up = false;
      let ended = false;
      const lose = (why: string) => {
        if (!up || ended) return;
        ended = true;
        client.end().catch(() => undefined);
        onLost(why);
      };
      // Unheard, a broken connection's error would end the process.
      client.on('error', () => lose('the coordination connection broke'));
      client.on('end', () => lose('the coordination connection ended'));
      await client.connect();
      let id: number;
      try {
        const r = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_advisory_lock($1, pg_backend_pid())', [MEMBER_LOCK]);
        id = r.rows[0]!.pid;
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
      up = true;

      // Advisory locks count how often a session took them; remembering what is held makes taking a
      // held lock again a no-op, so that one release lets go.
      let leader = false;
      const partitions = new Set<number>();
      const tryLock = async (ns: number, key: number) =>
        (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [ns, key])).rows[0]!.ok;

      const session: LockSession = {
        id,
        async members() {
          // pg_locks shows the whole server; advisory locks, like the members, are per database.
          const r = await client.query<{ n: string }>(
            `SELECT count(DISTINCT pid) AS n FROM pg_locks
             WHERE locktype = 'advisory' AND classid = $1::int::oid AND objsubid = 2 AND granted
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            [MEMBER_LOCK],
          );
          return Number(r.rows[0]!.n);
        },
        async tryLeader() {
          if (!leader) leader = await tryLock(LEADER_LOCK, 0);
          return leader;
        },
        async tryPartition(p) {
          if (partitions.has(p)) return true;
          const ok = await tryLock(PARTITION_LOCK, p);
          if (ok) partitions.add(p);
          return ok;
        },
        async releasePartition(p) {
          if (!partitions.has(p)) return;
          await client.query('SELECT pg_advisory_unlock($1, $2)', [PARTITION_LOCK, p]);
          partitions.delete(p);
        },
        async close() {
          if (ended) return;
          ended = true;
          await client.end().catch(() => undefined);
        },
      };
      return session;
    },
  };
}
