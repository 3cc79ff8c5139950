import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { startTestFms } from '../testing/harness.ts';

describe('the HTTP API against abuse', () => {
  let fms: Fms;
  beforeAll(async () => {
    fms = await startTestFms(undefined, { FMS_HTTP_RATE_LIMIT: '5', FMS_HTTP_REQUEST_TIMEOUT: '2s' });
  });
  afterAll(() => fms?.stop());

  it('sends security headers', async () => {
    const res = await fetch(`${fms.httpUrl}/api/health`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-powered-by')).toBeNull();
    // Pages served over plain HTTP on the estate network must load their own styles and post their forms
    // over plain HTTP: no upgrade-insecure-requests (a browser exempts only loopback from it).
    expect(res.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  });

  it('cuts off a request whose announced body never comes, after FMS_HTTP_REQUEST_TIMEOUT', async () => {
    const { port } = new URL(fms.httpUrl);
    const socket = connect(Number(port), '127.0.0.1');
    const started = Date.now();
    const closed = new Promise<{ answer: string }>((resolve) => {
      let answer = '';
      socket.on('data', (b) => (answer += b.toString()));
      socket.on('close', () => resolve({ answer }));
    });
    socket.write('POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\nuser=a');
    const { answer } = await closed;
    // Cut off within the 2 s set (plus the server's once-a-second check), answered 408 where it could be.
    expect(Date.now() - started).toBeLessThan(6000);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    expect((await fetch(`${fms.httpUrl}/api/health`)).status).toBe(200);
  });

  it('refuses a body over 1 MiB with a clear error and stays up', async () => {
    const res = await fetch(`${fms.httpUrl}/api/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FMS_ERR_API_BAD_REQUEST');
    expect((await fetch(`${fms.httpUrl}/api/health`)).status).toBe(200);
  });
  it('answers 429 with Retry-After past FMS_HTTP_RATE_LIMIT requests a minute from one address', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 8; i++) {
      last = await fetch(`${fms.httpUrl}/api/assets`);
      statuses.push(last.status);
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await last!.json()) as { error: unknown }).error).toMatchObject({
      code: 'FMS_ERR_API_RATE_LIMITED',
      message: expect.stringContaining('more than 5 requests a minute'),
    });
  });
});
