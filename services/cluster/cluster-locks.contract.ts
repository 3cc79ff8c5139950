import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../testing/harness.ts';
import type { ClusterLocks, LockSession } from './cluster-locks.ts';

/** Cluster locks to test, and how to break one of their sessions from outside. */
export interface ClusterLocksFixture {
  locks: ClusterLocks;
  /** Breaks a session as a network break or a killed connection would. */
  cut(session: LockSession): Promise<void>;
  close(): Promise<void>;
}

/**
 * The behaviour every cluster locks adapter must have. Each adapter's test file calls this with a
 * function that opens fresh locks (no member, nothing held).
 */
export function describeClusterLocks(name: string, open: () => Promise<ClusterLocksFixture>): void {
  describe(`cluster locks contract: ${name}`, () => {
    let fixture: ClusterLocksFixture;
    let sessions: LockSession[];
    const connect = async (onLost: (why: string) => void = () => undefined) => {
      const s = await fixture.locks.connect(onLost);
      sessions.push(s);
      return s;
    };
    beforeEach(async () => {
      fixture = await open();
      sessions = [];
    });
    afterEach(async () => {
      for (const s of sessions) await s.close();
      await fixture.close();
    });

    it('gives a partition to one session at a time, and to another once released', async () => {
      const a = await connect();
      const b = await connect();
      expect(a.id).not.toBe(b.id);
      expect(await a.tryPartition(3)).toBe(true);
      expect(await b.tryPartition(3)).toBe(false);
      expect(await b.tryPartition(4)).toBe(true);
      // Taking a partition it holds again changes nothing: one release lets it go.
      expect(await a.tryPartition(3)).toBe(true);
      await a.releasePartition(3);
      expect(await b.tryPartition(3)).toBe(true);
      expect(await a.tryPartition(3)).toBe(false);
      // Releasing what it does not hold takes nothing from the holder.
      await a.releasePartition(4);
      expect(await a.tryPartition(4)).toBe(false);
    });

    it('has one leader at a time; the next takes over when the leader’s session closes', async () => {
      const a = await connect();
      const b = await connect();
      expect(await a.tryLeader()).toBe(true);
      expect(await b.tryLeader()).toBe(false);
      expect(await a.tryLeader()).toBe(true);
      await a.close();
      await waitFor(() => b.tryLeader(), 2000, 'b to lead');
    });

    it('keeps leadership and partitions apart: the leader’s lock is not partition 0’s', async () => {
      const a = await connect();
      const b = await connect();
      expect(await a.tryLeader()).toBe(true);
      expect(await b.tryPartition(0)).toBe(true);
    });

    it('counts the members connected, itself included, and one fewer once a member closes', async () => {
      const a = await connect();
      expect(await a.members()).toBe(1);
      const b = await connect();
      const c = await connect();
      expect([await a.members(), await b.members(), await c.members()]).toEqual([3, 3, 3]);
      await b.close();
      await waitFor(async () => (await a.members()) === 2, 2000, 'two members');
    });

    it('tells the owner of a session broken from outside, once, and hands its locks and membership to the others', async () => {
      const lost: string[] = [];
      const a = await connect((why) => lost.push(why));
      const b = await connect();
      expect(await a.tryLeader()).toBe(true);
      expect(await a.tryPartition(7)).toBe(true);
      await fixture.cut(a);
      await waitFor(() => lost.length > 0, 5000, 'the loss to be told');
      await waitFor(() => b.tryLeader(), 2000, 'b to lead');
      expect(await b.tryPartition(7)).toBe(true);
      expect(await b.members()).toBe(1);
      await expect(a.tryPartition(8)).rejects.toThrow();
      await a.close();
      expect(lost).toHaveLength(1);
    });

    it('does not report a session it closed itself as lost', async () => {
      const lost: string[] = [];
      const a = await connect((why) => lost.push(why));
      await a.tryPartition(1);
      await a.close();
      await a.close();
      const b = await connect();
      await waitFor(() => b.tryPartition(1), 2000, 'b to take the partition');
      expect(lost).toEqual([]);
    });
  });
}
