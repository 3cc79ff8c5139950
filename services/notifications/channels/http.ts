import type { ChannelResult } from '../outbox-sender.ts';

/** How long one HTTP delivery may take before it counts as failed (and is retried). */
export const HTTP_TIMEOUT_MS = 10_000;

export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * POSTs `body` and reads the whole answer (so the connection is reused). Throws what fetch throws:
 * refused, reset, DNS, the timeout; `networkFailure` turns that into a result.
 */
export async function post(url: string, body: string, headers: Record<string, string>, timeoutMs = HTTP_TIMEOUT_MS): Promise<HttpAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body,
    signal: AbortSignal.timeout(timeoutMs),
    // A 3xx is reported as it is (a moved receiver is a configuration to fix), not followed with the body.
    redirect: 'manual',
  });
  return { status: res.status, text: await res.text() };
}

/**
 * A failure before any HTTP answer: worth retrying (the receiver may be back). The text names `who`
 * (a robot or hook id) and the cause's code, never the URL: robot URLs carry their access key.
 */
export function networkFailure(who: string, err: unknown): ChannelResult {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const why = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.cause?.message ?? e.message);
  return { ok: false, error: `${who}: ${why}`, retry: true };
}

/** Whether an HTTP status means the same request may succeed later: server trouble, timeouts, rate limits. */
export const retryableStatus = (status: number) => status >= 500 || status === 408 || status === 429;

/** The first `max` characters of a receiver's answer, for an error text (answers may be whole HTML pages). */
export const excerpt = (text: string, max = 200) => (text.length > max ? `${text.slice(0, max)}…` : text);
