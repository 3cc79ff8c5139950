import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { migrations } from './migrations.ts';
import type { DatabaseSchema } from './schema.ts';

export type Db = Kysely<DatabaseSchema>;

/** A write refused by a unique index (SQLite or PostgreSQL): someone stored the same thing first. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/** Connection-level codes: the database is unreachable or restarting, not the request at fault. */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
]);

/** Whether an error says the database cannot be reached right now (a retry later may work). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && (unavailableCodes.has(e.code) || e.code.startsWith('SQLITE_IOERR'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|Client has encountered a connection error/.test(
    e.message ?? '',
  );
}

export interface OpenedDatabase {
  db: Db;
  /** `sqlite` (a file in FMS_DATA_DIR) or `postgres` (FMS_DATABASE_URL). */
  dialect: 'sqlite' | 'postgres';
  /** Whether a trivial query answers, for /api/health. */
  ping(): Promise<boolean>;
  /** Brings the query planner's statistics up to date where tables grew (SQLite, run hourly by app.ts as SQLite advises; PostgreSQL's autovacuum does its own). */
  optimize(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the database and brings its schema up to date: PostgreSQL when a postgres:// URL is given,
 * otherwise SQLite in the data folder (or in memory).
 */
export async function openDatabase(dataDir: string, databaseUrl?: string): Promise<OpenedDatabase> {
  if (databaseUrl) return openPostgres(databaseUrl);
  const file = dataDir === ':memory:' ? ':memory:' : path.join(dataDir, 'fms.db');
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (a second instance, a backup) may hold the lock briefly: wait instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db);
  // Without statistics SQLite's planner reads every open order through the state index and sorts them
  // all to show the newest 50; with them it walks the creation-time index and stops after 50 (the
  // console's board, BENCHMARKS.md "Console"). At open every table is checked (0x10000) and analysed
  // where it never was or has grown a lot; `optimize()`, run hourly, does the same for the tables in use.
  sqlite.pragma('optimize=0x10002');
  return {
    db,
    dialect: 'sqlite',
    async ping() {
      try {
        sqlite.prepare('SELECT 1').get();
        return true;
      } catch {
        return false;
      }
    },
    async optimize() {
      sqlite.pragma('optimize');
    },
    async close() {
      await db.destroy();
    },
  };
}

// Epoch-millisecond columns are BIGINT and sums NUMERIC; pg hands both over as strings unless told.
const pgTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Where a postgres:// URL points, without its password, for messages. */
export function describeDatabaseUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

async function openPostgres(url: string): Promise<OpenedDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000, types: pgTypes });
  // A connection that breaks is dropped by the pool and the next query opens a new one. The break is
  // also emitted on the client: unheard, it would end the process (a client in use between two
  // queries of a transaction has no other listener). The query that was running fails on its own.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`SELECT 1`.execute(db);
  } catch (err) {
    await db.destroy();
    throw new Error(`FMS_DATABASE_URL: cannot reach PostgreSQL at ${describeDatabaseUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  await migrate(db);
  return {
    db,
    dialect: 'postgres',
    async ping() {
      try {
        await sql`SELECT 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async optimize() {},
    async close() {
      await db.destroy();
    },
  };
}

async function migrate(db: Db): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
}
