import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClusterLocks } from './cluster-locks.ts';
import { createMemoryClusterLocks, type MemoryClusterLocks } from './cluster-locks.memory.ts';
import { createCoordinator, PARTITIONS, type Coordinator } from './coordinator.ts';

const log = pino({ level: 'silent' });
const INTERVAL = 100;

/** Lets `n` coordination cycles run. */
const cycles = (n: number) => vi.advanceTimersByTimeAsync(n * INTERVAL);

describe('the coordinator, several instances sharing one lock table', () => {
  let locks: MemoryClusterLocks;
  let started: Coordinator[];
  beforeEach(() => {
    vi.useFakeTimers();
    locks = createMemoryClusterLocks();
    started = [];
  });
  afterEach(async () => {
    for (const c of started) await c.stop();
    vi.useRealTimers();
  });

  function instance(id: string) {
    const events: string[] = [];
    let sessionId = 0;
    // Notes the instance's session, for a test to cut it.
    const own: ClusterLocks = {
      async connect(onLost) {
        const s = await locks.connect(onLost);
        sessionId = s.id;
        return s;
      },
    };
    const c = createCoordinator({ locks: own, instanceId: id, log, intervalMs: INTERVAL });
    c.setHandlers({
      acquired: async (p) => void events.push(`acquired ${p.length}`),
      releasing: async (p) => void events.push(`releasing ${p.length}`),
      lost: (p) => void events.push(`lost ${p.length}`),
    });
    started.push(c);
    return { c, events, cut: () => locks.cut(sessionId) };
  }

  /** Each partition is owned by at most one instance. */
  const disjoint = (...cs: Coordinator[]) => new Set(cs.flatMap((c) => c.owned())).size === cs.reduce((n, c) => n + c.owned().length, 0);

  it('alone, owns every partition and leads', async () => {
    const a = instance('a');
    await a.c.start();
    expect(a.c.owned()).toHaveLength(PARTITIONS);
    expect(a.c.isLeader()).toBe(true);
    expect(a.events).toEqual([`acquired ${PARTITIONS}`]);
    expect(a.c.health()).toMatchObject({ mode: 'cluster', state: 'up', leader: true, partitions: PARTITIONS, instances: 1 });
  });

  it('two split the partitions evenly, the first handing over after saving their state; one leads', async () => {
    const a = instance('a');
    const b = instance('b');
    await a.c.start();
    await b.c.start();
    await cycles(3);
    expect([a.c.owned().length, b.c.owned().length]).toEqual([PARTITIONS / 2, PARTITIONS / 2]);
    expect(disjoint(a.c, b.c)).toBe(true);
    expect([a.c.isLeader(), b.c.isLeader()]).toEqual([true, false]);
    expect(a.events).toEqual([`acquired ${PARTITIONS}`, `releasing ${PARTITIONS / 2}`]);
    expect(b.events).toEqual([`acquired ${PARTITIONS / 2}`]);
    expect(b.c.health().instances).toBe(2);
  });

  it('a third takes a fair share of what the others give back', async () => {
    const [a, b, c] = [instance('a'), instance('b'), instance('c')];
    for (const x of [a, b]) await x.c.start();
    await cycles(3);
    await c.c.start();
    await cycles(3);
    const share = Math.ceil(PARTITIONS / 3);
    expect([a, b, c].map((x) => x.c.owned().length)).toEqual([share, share, PARTITIONS - 2 * share]);
    expect(disjoint(a.c, b.c, c.c)).toBe(true);
    expect([a, b, c].filter((x) => x.c.isLeader())).toHaveLength(1);
  });

  it('gives up its partitions and leadership at once when its session breaks, and takes its share again when it is back', async () => {
    const a = instance('a');
    const b = instance('b');
    await a.c.start();
    await b.c.start();
    await cycles(3);
    // Its connection breaks and, for a while, it cannot connect again.
    locks.reachable = false;
    a.cut();
    expect(a.c.owned()).toEqual([]);
    expect(a.c.isLeader()).toBe(false);
    expect(a.c.health().state).toBe('down');
    expect(a.events.at(-1)).toBe(`lost ${PARTITIONS / 2}`);
    // The survivor takes everything over at its next cycle.
    await cycles(1);
    expect(b.c.owned()).toHaveLength(PARTITIONS);
    expect(b.c.isLeader()).toBe(true);
    // Back, a gets its half again; b, which leads now, stays the leader.
    locks.reachable = true;
    await cycles(4);
    expect([a.c.owned().length, b.c.owned().length]).toEqual([PARTITIONS / 2, PARTITIONS / 2]);
    expect(disjoint(a.c, b.c)).toBe(true);
    expect([a.c.isLeader(), b.c.isLeader()]).toEqual([false, true]);
    expect(a.c.health().state).toBe('up');
  });

  it('owns nothing while the lock table cannot be reached, and everything once it can', async () => {
    const a = instance('a');
    locks.reachable = false;
    await a.c.start();
    await cycles(3);
    expect(a.c.owned()).toEqual([]);
    expect(a.c.isLeader()).toBe(false);
    expect(a.c.health().state).toBe('down');
    locks.reachable = true;
    await cycles(1);
    expect(a.c.owned()).toHaveLength(PARTITIONS);
    expect(a.c.isLeader()).toBe(true);
  });

  it('on a clean stop saves its partitions’ state, then hands them and the leadership over', async () => {
    const a = instance('a');
    const b = instance('b');
    await a.c.start();
    await b.c.start();
    await cycles(3);
    await a.c.stop();
    expect(a.events.at(-1)).toBe(`releasing ${PARTITIONS / 2}`);
    expect(a.c.owned()).toEqual([]);
    expect(a.c.health()).toMatchObject({ state: 'down', leader: false });
    await cycles(1);
    expect(b.c.owned()).toHaveLength(PARTITIONS);
    expect(b.c.isLeader()).toBe(true);
    // Stopped, it takes nothing back.
    await cycles(3);
    expect(a.c.owned()).toEqual([]);
  });
});
