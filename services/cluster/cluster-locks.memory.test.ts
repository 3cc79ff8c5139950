import { expect, it } from 'vitest';
import { describeClusterLocks } from './cluster-locks.contract.ts';
import { createMemoryClusterLocks } from './cluster-locks.memory.ts';

describeClusterLocks('in memory', async () => {
  const locks = createMemoryClusterLocks();
  return { locks, cut: async (s) => locks.cut(s.id), close: async () => undefined };
});

it('refuses new sessions while the in-memory lock table is unreachable, and takes them again after', async () => {
  const locks = createMemoryClusterLocks();
  locks.reachable = false;
  await expect(locks.connect(() => undefined)).rejects.toThrow(/unreachable/);
  locks.reachable = true;
  expect(await (await locks.connect(() => undefined)).members()).toBe(1);
});
