import type { Logger } from 'pino';

/**
 * Logs a recurring failure as state changes: the first failure of a kind in one clear line (warn),
 * the repeats at debug with their details, and one line when it works again. A dependency that is
 * down (InfluxDB, the database) then makes two lines, not a stack trace per plan a minute.
 */
export function createStateLog(log: Logger) {
  const failingSince = new Map<string, number>();
  return {
    /** A failure of `kind`; `what` says what could not be done. */
    failed(kind: string, what: string, err: unknown, fields: Record<string, unknown> = {}): void {
      if (!failingSince.has(kind)) {
        failingSince.set(kind, Date.now());
        log.warn(
          { ...fields, reason: (err as Error)?.message ?? String(err) },
          `${what}: ${(err as Error)?.message ?? err} (further failures at debug level until it works again)`,
        );
      }
      log.debug({ ...fields, err }, what);
    },
    /** `kind` worked: says so once if it had been failing. */
    ok(kind: string, what: string): void {
      const since = failingSince.get(kind);
      if (since === undefined) return;
      failingSince.delete(kind);
      log.info({ failedForMs: Date.now() - since }, what);
    },
  };
}
