import type { Logger } from 'pino';
import type { ClusterLocks, LockSession } from './cluster-locks.ts';
import { createPostgresClusterLocks } from './cluster-locks.postgres.ts';

/**
 * Who does what when several FMS instances share an external broker and PostgreSQL
 * (docs/scaling.md). Assets fall into PARTITIONS partitions by a hash of their id; each partition
 * is owned by exactly one live instance, which alone evaluates the rules of its assets (rule state —
 * `for` timers, counts, hysteresis — lives where the messages are evaluated). One instance is the
 * leader and runs the singleton jobs (escalation sweeps, PM generation, scheduled reports).
 *
 * Ownership and leadership are locks of one session (cluster-locks.ts): on PostgreSQL, advisory locks
 * held on one dedicated connection, so an instance that dies — even by SIGKILL — loses its
 * connection, and with it every lock, at once.
 */

export const PARTITIONS = 64;

/** FNV-1a: a stable hash of an asset id, the same in every instance and version. */
export function partitionOf(assetId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < assetId.length; i++) {
    h ^= assetId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % PARTITIONS;
}

export interface PartitionHandlers {
  /** After partitions were taken: load their assets' rule state, replay what arrived meanwhile. */
  acquired(partitions: number[]): Promise<void>;
  /** Before partitions are given up on purpose: save their assets' rule state. */
  releasing(partitions: number[]): Promise<void>;
  /** The locks were lost with the connection: forget those assets (another instance takes over). */
  lost(partitions: number[]): void;
}

export interface CoordinatorHealth {
  mode: 'single' | 'cluster';
  state: 'up' | 'down';
  leader: boolean;
  /** How many partitions it owns, and which. */
  partitions: number;
  owned: number[];
  instances: number;
}

export interface Coordinator {
  readonly instanceId: string;
  isLeader(): boolean;
  owns(partition: number): boolean;
  ownsAsset(assetId: string): boolean;
  owned(): number[];
  setHandlers(h: PartitionHandlers): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): CoordinatorHealth;
}

/** One instance (SQLite, or a single process on PostgreSQL without an external broker): it does everything. */
export function singleInstance(instanceId: string): Coordinator {
  const all = Array.from({ length: PARTITIONS }, (_, i) => i);
  return {
    instanceId,
    isLeader: () => true,
    owns: () => true,
    ownsAsset: () => true,
    owned: () => all,
    setHandlers: () => undefined,
    start: async () => undefined,
    stop: async () => undefined,
    health: () => ({ mode: 'single', state: 'up', leader: true, partitions: PARTITIONS, owned: all, instances: 1 }),
  };
}

export interface CoordinatorOptions {
  locks: ClusterLocks;
  instanceId: string;
  log: Logger;
  /** How often membership, leadership and ownership are checked (default 1 s). */
  intervalMs?: number;
}

export interface PostgresCoordinatorOptions extends Omit<CoordinatorOptions, 'locks'> {
  url: string;
}

/** Instances sharing PostgreSQL: advisory locks on a dedicated connection of each. */
export function createPostgresCoordinator(opts: PostgresCoordinatorOptions): Coordinator {
  const { url, ...rest } = opts;
  return createCoordinator({ ...rest, locks: createPostgresClusterLocks(url) });
}

/** One of several instances sharing the work through cluster locks. */
export function createCoordinator(opts: CoordinatorOptions): Coordinator {
  const { log, instanceId } = opts;
  const intervalMs = opts.intervalMs ?? 1000;
  const owned = new Set<number>();
  let leader = false;
  let instances = 1;
  /** The session while it is up; undefined while disconnected. */
  let session: LockSession | undefined;
  let handlers: PartitionHandlers = { acquired: async () => undefined, releasing: async () => undefined, lost: () => undefined };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopping = false;

  async function connect(): Promise<LockSession> {
    let s: LockSession | undefined = undefined;
    // A session broken after it was replaced or closed concerns nobody.
    s = await opts.locks.connect((why) => {
      if (s && session === s) lose(why);
    });
    session = s;
    return s;
  }

  /** The session is gone, and every lock with it. */
  function lose(why: string): void {
    const s = session;
    if (!s) return;
    session = undefined;
    const parts = [...owned];
    owned.clear();
    if (leader) log.warn({ instance: instanceId }, 'no longer the leader');
    leader = false;
    s.close().catch(() => undefined);
    if (parts.length) handlers.lost(parts);
    log.warn({ instance: instanceId, partitions: parts.length }, `${why}: partitions and leadership given up until it is back`);
  }

  async function cycle(): Promise<void> {
    if (stopping) return;
    try {
      const s = session ?? (await connect());
      instances = Math.max(1, await s.members());
      if (!leader && (await s.tryLeader())) {
        leader = true;
        log.info({ instance: instanceId }, 'this instance is the leader: it runs the scheduled jobs');
      }

      // A fair share each: take free partitions up to it, give back what is above it.
      const target = Math.ceil(PARTITIONS / instances);
      if (owned.size > target) {
        const extra = [...owned].sort((a, b) => b - a).slice(0, owned.size - target);
        await handlers.releasing(extra);
        for (const p of extra) {
          await s.releasePartition(p);
          owned.delete(p);
        }
        log.info({ instance: instanceId, released: extra.length, owned: owned.size, instances }, 'partitions handed over');
      } else if (owned.size < target) {
        const taken: number[] = [];
        const offset = Math.floor(Math.random() * PARTITIONS);
        for (let i = 0; i < PARTITIONS && owned.size + taken.length < target; i++) {
          const p = (offset + i) % PARTITIONS;
          if (owned.has(p)) continue;
          if (await s.tryPartition(p)) taken.push(p);
        }
        if (taken.length) {
          for (const p of taken) owned.add(p);
          await handlers.acquired(taken);
          log.info({ instance: instanceId, acquired: taken.length, owned: owned.size, instances }, 'partitions taken over');
        }
      }
    } catch (err) {
      if (session) lose(`coordination failed: ${(err as Error).message}`);
      else log.debug({ err: (err as Error).message }, 'coordination: the cluster locks are not reachable');
    }
  }

  function schedule(): void {
    timer = setTimeout(() => {
      running = cycle().finally(() => {
        if (!stopping) schedule();
      });
    }, intervalMs);
    timer.unref();
  }

  return {
    instanceId,
    isLeader: () => leader,
    owns: (p) => owned.has(p),
    ownsAsset: (assetId) => owned.has(partitionOf(assetId)),
    owned: () => [...owned].sort((a, b) => a - b),
    setHandlers(h) {
      handlers = h;
    },
    async start() {
      await (running = cycle());
      schedule();
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await running;
      const s = session;
      if (!s) return;
      const parts = [...owned];
      try {
        // Hand over cleanly: state saved, then the locks and the membership go, so others take over at once.
        if (parts.length) await handlers.releasing(parts);
      } finally {
        owned.clear();
        leader = false;
        session = undefined;
        await s.close().catch(() => undefined);
      }
    },
    health: () => ({ mode: 'cluster', state: session ? 'up' : 'down', leader, partitions: owned.size, owned: [...owned].sort((a, b) => a - b), instances }),
  };
}
