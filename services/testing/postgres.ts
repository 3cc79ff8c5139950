import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './influxd.ts';

/** Where Debian keeps PostgreSQL's server programs (initdb, pg_ctl are not on PATH). */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], 'bin');
  }
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  return onPath ? path.dirname(onPath) : undefined;
}

/**
 * Whether the PostgreSQL server programs are installed. On a developer's machine their absence skips
 * the suite with the reason printed; in CI it fails the run (a skip there would hide a missing install).
 */
export function requirePostgres(): { available: boolean; reason: string } {
  if (postgresBinDir()) return { available: true, reason: '' };
  const reason = 'PostgreSQL is not installed (apt-get install postgresql)';
  if (process.env.CI === 'true') throw new Error(`${reason}: integration suites must not skip in CI`);
  process.stderr.write(`SKIPPED: ${reason}\n`);
  return { available: false, reason };
}

export interface Postgres {
  /** A new empty database on the server, as a postgres:// URL. */
  createDatabase(name?: string): Promise<string>;
  port: number;
  /** Stops the server (`immediate`: as if the machine lost power) and keeps its data. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

let databases = 0;

/**
 * A real PostgreSQL server for tests: its own cluster in a temporary folder, loopback only, a free
 * port, trust authentication for the `fms` user. Running as root (CI), the server runs as the
 * `postgres` system user, as PostgreSQL refuses root.
 */
export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-postgres-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (program: string, args: string[]) => {
    const argv = asRoot ? ['runuser', '-u', 'postgres', '--', path.join(bin, program), ...args] : [path.join(bin, program), ...args];
    return execFileSync(argv[0]!, argv.slice(1), { stdio: 'pipe', encoding: 'utf8' });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  run('initdb', ['-D', data, '-U', 'fms', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '-N']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const log = path.join(dir, 'server.log');

  async function start() {
    try {
      run('pg_ctl', ['-D', data, '-o', options, '-l', log, '-w', '-t', '30', 'start']);
    } catch (err) {
      throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : ''}`, { cause: err });
    }
  }
  async function stop(mode: 'fast' | 'immediate' = 'fast') {
    try {
      run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    } catch {
      // already stopped
    }
  }
  await start();
  return {
    port,
    async createDatabase(name = `fms_test_${process.pid}_${++databases}`) {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'fms', database: 'postgres' });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://fms@127.0.0.1:${port}/${name}`;
    },
    stop,
    start,
    async destroy() {
      await stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
