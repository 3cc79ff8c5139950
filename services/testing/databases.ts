import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../db/database.ts';
import { requirePostgres, startPostgres, type Postgres } from './postgres.ts';

const postgres = requirePostgres();

/** A database that outlives one opening (a file, or a PostgreSQL database): what a restart reopens. */
export interface DatabasePlace {
  /** A folder (SQLite) or a postgres:// URL: what another process is given to open the same database. */
  target: string;
  open(): Promise<OpenedDatabase>;
  remove(): void;
}

/**
 * Declares a suite once for each database FMS runs on: SQLite, and a real PostgreSQL server (one
 * per test file, a fresh database per `open()` or `place()`). The same store code must pass both.
 */
export function eachDatabase(name: string, body: (open: () => Promise<OpenedDatabase>, place: () => Promise<DatabasePlace>) => void): void {
  describe(`${name} on SQLite`, () =>
    body(
      () => openDatabase(':memory:'),
      async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'fms-db-'));
        return { target: dir, open: () => openDatabase(dir), remove: () => rmSync(dir, { recursive: true, force: true }) };
      },
    ));
  describe.skipIf(!postgres.available)(`${name} on PostgreSQL ${postgres.reason}`, () => {
    let server: Postgres | undefined;
    beforeAll(async () => {
      server = await startPostgres();
    }, 60_000);
    afterAll(async () => {
      await server?.destroy();
    });
    body(
      async () => openDatabase(':memory:', await server!.createDatabase()),
      async () => {
        const url = await server!.createDatabase();
        return { target: url, open: () => openDatabase(':memory:', url), remove: () => undefined };
      },
    );
  });
}
