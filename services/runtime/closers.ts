import type { Logger } from 'pino';

/**
 * What FMS opened, to close in reverse order on stop: the broker first (no more messages), then the
 * API, the jobs, the queues, and the stores last, so that nothing accepted is lost.
 */
export function createClosers(log: Logger) {
  const closers: { name: string; close: () => Promise<void> }[] = [];
  return {
    /** Adds something to close; it closes before everything added earlier. */
    add(name: string, close: () => Promise<void> | void): void {
      closers.push({ name, close: async () => close() });
    },
    /** Closes everything, newest first; a failure is logged and the rest still close. */
    async closeAll(): Promise<void> {
      for (const c of closers.reverse()) {
        try {
          await c.close();
        } catch (err) {
          log.error({ err }, `closing ${c.name} failed`);
        }
      }
      closers.length = 0;
    },
  };
}
export type Closers = ReturnType<typeof createClosers>;
