import type { ClusterLocks, LockSession } from './cluster-locks.ts';

/** Cluster locks in memory, with the means to break a session or the "database" as a test needs. */
export interface MemoryClusterLocks extends ClusterLocks {
  /** Breaks a session as a lost connection would: its locks go, its calls fail, its owner is told. */
  cut(sessionId: number): void;
  /** Whether new sessions can connect (false: as if the database were unreachable). */
  reachable: boolean;
}

/**
 * One lock table in memory, shared by every instance given it: the coordinator's logic tested with
 * several instances in one process, without a PostgreSQL server.
 */
export function createMemoryClusterLocks(): MemoryClusterLocks {
  const sessions = new Map<number, { onLost: (why: string) => void }>();
  /** Lock name → the session holding it. */
  const holders = new Map<string, number>();
  let nextId = 1;

  function end(id: number): void {
    sessions.delete(id);
    for (const [name, holder] of holders) if (holder === id) holders.delete(name);
  }

  const locks: MemoryClusterLocks = {
    reachable: true,

    async connect(onLost) {
      if (!locks.reachable) throw new Error('connect ECONNREFUSED (the in-memory lock table is unreachable)');
      const id = nextId++;
      sessions.set(id, { onLost });
      const live = () => {
        if (!sessions.has(id)) throw new Error('the session has ended');
      };
      const take = (name: string) => {
        live();
        const holder = holders.get(name);
        if (holder === undefined) holders.set(name, id);
        return (holder ?? id) === id;
      };
      const session: LockSession = {
        id,
        async members() {
          live();
          return sessions.size;
        },
        async tryLeader() {
          return take('leader');
        },
        async tryPartition(p) {
          return take(`partition ${p}`);
        },
        async releasePartition(p) {
          live();
          if (holders.get(`partition ${p}`) === id) holders.delete(`partition ${p}`);
        },
        async close() {
          end(id);
        },
      };
      return session;
    },

    cut(id) {
      const s = sessions.get(id);
      if (!s) return;
      end(id);
      s.onLost('the coordination connection broke');
    },
  };
  return locks;
}
