import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInfluxClient, GZIP_ABOVE_BYTES } from './influx-client.ts';
import { createInfluxWriter } from './influx-writer.ts';
import { createSpool } from './spool.ts';

// A scripted HTTP server standing in for InfluxDB where the real one cannot be made to answer
// 429 or 503 with Retry-After on demand; the same behaviour against a real influxd is covered by
// telemetry-store.influx.int.test.ts and influx-outage.int.test.ts.
type Handler = (body: string, req: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string };

describe('InfluxDB batching writer', () => {
  let server: Server;
  let url: string;
  let handler: Handler;
  let requests: { at: number; body: string; gzip: boolean }[];
  let dir: string;

  beforeEach(async () => {
    requests = [];
    dir = mkdtempSync(path.join(tmpdir(), 'fms-writer-'));
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const gzip = req.headers['content-encoding'] === 'gzip';
        const body = (gzip ? gunzipSync(raw) : raw).toString();
        requests.push({ at: Date.now(), body, gzip });
        const r = handler(body, req);
        res.writeHead(r.status, r.headers ?? {});
        res.end(r.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  function writer(opts: { batchPoints?: number; deadLetter?: (line: string, reason: string) => void } = {}) {
    const client = createInfluxClient({ url, db: 'fms', rp: 'autogen', token: 't0k', username: undefined, password: undefined });
    return createInfluxWriter({
      client,
      spool: createSpool(path.join(dir, 'spool'), 1e9),
      log: pino({ level: 'silent' }),
      deadLetter: opts.deadLetter ?? (() => undefined),
      batchPoints: opts.batchPoints ?? 1000,
      flushIntervalMs: 50,
      random: () => 0.5,
    });
  }

  it('batches by count and sends database, retention policy, precision and token', async () => {
    let query = '';
    let auth = '';
    handler = (_b, req) => ((query = req.url!), (auth = String(req.headers.authorization)), { status: 204 });
    const w = writer({ batchPoints: 3 });
    for (let i = 0; i < 7; i++) w.add(`m v=${i} ${i}`);
    await w.flush();
    expect(requests.map((r) => r.body.split('\n').length)).toEqual([3, 3, 1]);
    expect(query).toBe('/write?db=fms&precision=ms&rp=autogen');
    expect(auth).toBe('Token t0k');
    expect(w.health()).toMatchObject({ state: 'up', written: 7, pending: 0 });
    await w.close();
  });

  it('compresses large batches', async () => {
    handler = () => ({ status: 204 });
    const w = writer({ batchPoints: 10_000 });
    for (let i = 0; i < 2000; i++) w.add(`pump,asset=p${i},site=s flow_m3h=${i} ${i}`);
    await w.flush();
    expect(requests[0]!.body.length).toBeGreaterThan(GZIP_ABOVE_BYTES);
    expect(requests[0]!.gzip).toBe(true);
    await w.close();
  });

  it('honours Retry-After on 429 and 503, then writes', async () => {
    let calls = 0;
    handler = () =>
      ++calls === 1 ? { status: 429, headers: { 'retry-after': '1' } } : calls === 2 ? { status: 503, headers: { 'retry-after': '0' } } : { status: 204 };
    const w = writer();
    w.add('m v=1 1');
    await w.flush();
    expect(requests).toHaveLength(3);
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(w.health()).toMatchObject({ state: 'up', written: 1, spool: { points: 0 } });
    await w.close();
  });

  it('splits a batch the server refuses as bad data until the bad lines are found, and writes the rest', async () => {
    handler = (body) => (body.includes('bad') ? { status: 400, body: JSON.stringify({ error: 'partial write: unable to parse' }) } : { status: 204 });
    const dead: [string, string][] = [];
    const w = writer({ deadLetter: (line, reason) => dead.push([line, reason]) });
    const lines = Array.from({ length: 16 }, (_, i) => (i === 5 || i === 11 ? `bad line ${i}` : `m v=${i} ${i}`));
    for (const l of lines) w.add(l);
    await w.flush();
    expect(dead).toEqual([
      ['bad line 5', 'partial write: unable to parse'],
      ['bad line 11', 'partial write: unable to parse'],
    ]);
    expect(w.health()).toMatchObject({ state: 'up', written: 14, deadLettered: 2, spool: { points: 0 } });
    await w.close();
  });

  it('treats a server that keeps failing as down: the batch goes to the spool, then is replayed in order', async () => {
    let up = false;
    handler = () => (up ? { status: 204 } : { status: 500, body: '{"error":"engine: cache full"}' });
    const w = writer({ batchPoints: 2 });
    for (let i = 0; i < 6; i++) w.add(`m v=${i} ${i}`);
    await w.flush();
    expect(w.health()).toMatchObject({ state: 'down', spool: { points: 6 }, written: 0 });
    expect(w.health().detail).toMatch(/InfluxDB answered 500: engine: cache full/);
    up = true;
    requests = [];
    await w.replayNow();
    expect(requests.map((r) => r.body)).toEqual(['m v=0 0\nm v=1 1', 'm v=2 2\nm v=3 3', 'm v=4 4\nm v=5 5']);
    expect(w.health()).toMatchObject({ state: 'up', spool: { points: 0 }, written: 6 });
    await w.close();
  });

  it('says clearly when the database does not exist, and keeps the data', async () => {
    handler = () => ({ status: 404, body: '{"error":"database not found: \\"fms\\""}' });
    const w = writer();
    w.add('m v=1 1');
    await w.flush();
    expect(w.health()).toMatchObject({ state: 'down', spool: { points: 1 } });
    expect(w.health().detail).toMatch(/InfluxDB has no database "fms" \(404\): create it, or on 2.x map it to a bucket \(DBRP\)/);
    await w.close();
  });
});
