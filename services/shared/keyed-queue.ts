/**
 * Runs tasks one at a time per key, in the order they were queued; different keys run concurrently.
 * `drain()` waits for everything queued so far (shutdown uses it before closing stores).
 */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  const inFlight = new Set<Promise<unknown>>();

  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const next = previous.then(task, task);
      const settled = next.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, settled);
      inFlight.add(settled);
      void settled.then(() => {
        inFlight.delete(settled);
        if (tails.get(key) === settled) tails.delete(key);
      });
      return next;
    },
    async drain(): Promise<void> {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    get size(): number {
      return inFlight.size;
    },
  };
}
export type KeyedQueue = ReturnType<typeof createKeyedQueue>;
