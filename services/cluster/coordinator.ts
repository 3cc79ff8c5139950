import pg from 'pg';
import type { Logger } from 'pino';

/**
 * Who does what when several FMS instances share an external broker and PostgreSQL
 * (docs/scaling.md). Assets fall into PARTITIONS partitions by a hash of their id; each partition
 * is owned by exactly one live instance, which alone evaluates the rules of its assets (rule state —
 * `for` timers, counts, hysteresis — lives where the messages are evaluated). One instance is the
 * leader and runs the singleton jobs (escalation sweeps, PM generation, scheduled reports).
 *
 * Ownership and leadership are PostgreSQL session advisory locks held on one dedicated connection:
 * an instance that dies — even by SIGKILL — loses its connection, and with it every lock, at once.
 */

export const PARTITIONS = 64;
/** Advisory-lock name spaces (the two-integer form), chosen to stay clear of other applications. */
const MEMBER_LOCK = 0x464d5300;
const LEADER_LOCK = 0x464d5301;
const PARTITION_LOCK = 0x464d5302;

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

export interface PostgresCoordinatorOptions {
  url: string;
  instanceId: string;
  log: Logger;
  /** How often membership, leadership and ownership are checked (default 1 s). */
  intervalMs?: number;
}

export function createPostgresCoordinator(opts: PostgresCoordinatorOptions): Coordinator {
  const { log, instanceId } = opts;
  const intervalMs = opts.intervalMs ?? 1000;
  const owned = new Set<number>();
  let leader = false;
  let instances = 1;
  let session: pg.Client | undefined;
  let sessionUp = false;
  let handlers: PartitionHandlers = { acquired: async () => undefined, releasing: async () => undefined, lost: () => undefined };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopping = false;

  async function connect(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: opts.url, connectionTimeoutMillis: 5000 });
    c.on('error', () => lose('the coordination connection broke'));
    await c.connect();
    // Membership is a lock too: held by this connection, gone the moment it goes.
    await c.query('SELECT pg_advisory_lock($1, pg_backend_pid())', [MEMBER_LOCK]);
    session = c;
    sessionUp = true;
    return c;
  }

  /** The connection is gone, and every lock with it. */
  function lose(why: string): void {
    if (!sessionUp) return;
    sessionUp = false;
    const parts = [...owned];
    owned.clear();
    if (leader) log.warn({ instance: instanceId }, 'no longer the leader');
    leader = false;
    session?.end().catch(() => undefined);
    session = undefined;
    if (parts.length) handlers.lost(parts);
    log.warn({ instance: instanceId, partitions: parts.length }, `${why}: partitions and leadership given up until it is back`);
  }

  async function tryLock(c: pg.Client, ns: number, key: number): Promise<boolean> {
    const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [ns, key]);
    return r.rows[0]!.ok;
  }

  async function cycle(): Promise<void> {
    if (stopping) return;
    let c = session;
    try {
      if (!c || !sessionUp) c = await connect();
      const live = await c.query<{ n: string }>(
        "SELECT count(DISTINCT pid) AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::int::oid AND objsubid = 2 AND granted",
        [MEMBER_LOCK],
      );
      instances = Math.max(1, Number(live.rows[0]!.n));
      if (!leader && (await tryLock(c, LEADER_LOCK, 0))) {
        leader = true;
        log.info({ instance: instanceId }, 'this instance is the leader: it runs the scheduled jobs');
      }

      // A fair share each: take free partitions up to it, give back what is above it.
      const target = Math.ceil(PARTITIONS / instances);
      if (owned.size > target) {
        const extra = [...owned].sort((a, b) => b - a).slice(0, owned.size - target);
        await handlers.releasing(extra);
        for (const p of extra) {
          await c.query('SELECT pg_advisory_unlock($1, $2)', [PARTITION_LOCK, p]);
          owned.delete(p);
        }
        log.info({ instance: instanceId, released: extra.length, owned: owned.size, instances }, 'partitions handed over');
      } else if (owned.size < target) {
        const taken: number[] = [];
        const offset = Math.floor(Math.random() * PARTITIONS);
        for (let i = 0; i < PARTITIONS && owned.size + taken.length < target; i++) {
          const p = (offset + i) % PARTITIONS;
          if (owned.has(p)) continue;
          if (await tryLock(c, PARTITION_LOCK, p)) taken.push(p);
        }
        if (taken.length) {
          for (const p of taken) owned.add(p);
          await handlers.acquired(taken);
          log.info({ instance: instanceId, acquired: taken.length, owned: owned.size, instances }, 'partitions taken over');
        }
      }
    } catch (err) {
      if (sessionUp) lose(`coordination failed: ${(err as Error).message}`);
      else log.debug({ err: (err as Error).message }, 'coordination: PostgreSQL not reachable');
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
      const c = session;
      if (!c || !sessionUp) return;
      const parts = [...owned];
      try {
        // Hand over cleanly: state saved, then the locks and the membership go, so others take over at once.
        if (parts.length) await handlers.releasing(parts);
      } finally {
        owned.clear();
        leader = false;
        sessionUp = false;
        await c.end().catch(() => undefined);
      }
    },
    health: () => ({ mode: 'cluster', state: sessionUp ? 'up' : 'down', leader, partitions: owned.size, owned: [...owned].sort((a, b) => a - b), instances }),
  };
}
