import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';

const gzip = promisify(gzipCb);

export type WriteOutcome =
  | { kind: 'ok' }
  /** The server refused the data itself (400, 413): retrying the same lines cannot help. */
  | { kind: 'bad-data'; status: number; reason: string }
  /** The server is down, busy or misconfigured: keep the data and try again later. */
  | { kind: 'unavailable'; status: number | null; reason: string; retryAfterMs: number | null };

/** Where InfluxDB is and how FMS signs in to it (FMS_INFLUX_*). */
export interface InfluxConnection {
  /** Base URL, e.g. http://127.0.0.1:8086 */
  url: string;
  db: string;
  rp: string | undefined;
  /** Retention policy of the hourly rollups; undefined: `rp`. */
  rollupRp?: string | undefined;
  token: string | undefined;
  username: string | undefined;
  password: string | undefined;
}

/** Bodies above this size are sent gzip-compressed (InfluxDB 1.x, 2.x and 3.x accept it). */
export const GZIP_ABOVE_BYTES = 64 * 1024;
const TIMEOUT_MS = 15_000;

/**
 * The InfluxDB v1 HTTP API that 1.x, 2.x (through a DBRP mapping) and 3.x all serve: line protocol
 * to /write with millisecond precision, InfluxQL to /query.
 */
export function createInfluxClient(c: InfluxConnection) {
  const base = c.url.replace(/\/+$/, '');
  const headers: Record<string, string> = {};
  if (c.token) headers.authorization = `Token ${c.token}`;
  else if (c.username && c.password) headers.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

  function params(extra: Record<string, string>): string {
    const p = new URLSearchParams({ db: c.db, ...extra });
    if (c.rp) p.set('rp', c.rp);
    return p.toString();
  }

  return {
    async write(body: string): Promise<WriteOutcome> {
      const raw = Buffer.from(body);
      const compressed = raw.length > GZIP_ABOVE_BYTES;
      let res: Response;
      try {
        res = await fetch(`${base}/write?${params({ precision: 'ms' })}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'text/plain; charset=utf-8', ...(compressed ? { 'content-encoding': 'gzip' } : {}) },
          // Level 1: most of the saving on the wire for a fraction of the default level's CPU.
          body: compressed ? await gzip(raw, { level: 1 }) : raw,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (err) {
        return { kind: 'unavailable', status: null, reason: describeFetchError(err), retryAfterMs: null };
      }
      if (res.status === 204 || res.status === 200) {
        await res.arrayBuffer();
        return { kind: 'ok' };
      }
      const reason = await errorText(res);
      if (res.status === 400 || res.status === 413 || res.status === 422) return { kind: 'bad-data', status: res.status, reason };
      return { kind: 'unavailable', status: res.status, reason: explain(res.status, reason, c.db), retryAfterMs: retryAfter(res.headers.get('retry-after')) };
    },

    /** Runs InfluxQL statements (separated by `;`); one list of series per statement. Throws with the server's message. */
    async queryAll<T = unknown[]>(q: string, method: 'GET' | 'POST' = 'GET'): Promise<Series<T>[][]> {
      const res = await fetch(`${base}/query?${params({ q, epoch: 'ms' })}`, { method, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
      const text = await res.text();
      let body: { error?: string; results?: { error?: string; series?: Series<T>[] }[] } = {};
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: reported below
      }
      const error = body.error ?? body.results?.find((r) => r.error)?.error;
      if (!res.ok || error) throw new Error(`InfluxDB ${res.status}: ${error ?? text.slice(0, 200)}`);
      return (body.results ?? []).map((r) => r.series ?? []);
    },

    /** Runs one InfluxQL statement. */
    async query<T = unknown[]>(q: string, method: 'GET' | 'POST' = 'GET'): Promise<Series<T>[]> {
      return (await this.queryAll<T>(q, method))[0] ?? [];
    },

    async ping(): Promise<boolean> {
      try {
        const res = await fetch(`${base}/ping`, { headers, signal: AbortSignal.timeout(3000) });
        await res.arrayBuffer();
        return res.status === 204 || res.status === 200;
      } catch {
        return false;
      }
    },
  };
}
export type InfluxClient = ReturnType<typeof createInfluxClient>;

export interface Series<T = unknown[]> {
  columns: string[];
  values: T[];
  tags?: Record<string, string>;
}

async function errorText(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const j = JSON.parse(text) as { error?: string; message?: string };
    return j.error ?? j.message ?? text;
  } catch {
    return text.slice(0, 500) || res.statusText;
  }
}

function explain(status: number, reason: string, db: string): string {
  if (status === 401 || status === 403)
    return `InfluxDB refused the credentials (${status}): check FMS_INFLUX_TOKEN or FMS_INFLUX_USERNAME/FMS_INFLUX_PASSWORD (${reason})`;
  if (status === 404) return `InfluxDB has no database "${db}" (404): create it, or on 2.x map it to a bucket (DBRP) — ${reason}`;
  return `InfluxDB answered ${status}: ${reason}`;
}

function retryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function describeFetchError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `InfluxDB did not answer within ${TIMEOUT_MS / 1000} s`;
  return `InfluxDB unreachable: ${e.cause?.code ?? e.cause?.message ?? e.message}`;
}
