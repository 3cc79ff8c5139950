import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db/database.ts';
import { requirePostgres, startPostgres, type Postgres } from './postgres.ts';

const postgres = requirePostgres();

/**
 * Declares a suite once for each database FMS runs on: SQLite in memory, and a real PostgreSQL
 * server (one per test file, a fresh database per `open()`). The same store code must pass both.
 */
export function eachDatabase(name: string, body: (open: () => Promise<OpenedDatabase>) => void): void {
  describe(`${name} on SQLite`, () => body(() => openDatabase(':memory:')));
  describe.skipIf(!postgres.available)(`${name} on PostgreSQL ${postgres.reason}`, () => {
    let server: Postgres | undefined;
    beforeAll(async () => {
      server = await startPostgres();
    }, 60_000);
    afterAll(async () => {
      await server?.destroy();
    });
    body(async () => openDatabase(':memory:', await server!.createDatabase()));
  });
}
