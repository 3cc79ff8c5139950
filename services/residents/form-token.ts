import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a request form may stay open before it is sent (a resident who takes photos, gets distracted). */
export const FORM_TOKEN_MAX_AGE_MS = 2 * 3_600_000;

export type FormTokenCheck = 'ok' | 'missing' | 'forged' | 'expired';

/**
 * The public form's CSRF token: no session exists, so the token is signed (HMAC-SHA256 with the
 * estate's form key) over the page it was issued for and the time; it needs no cookie, works in the
 * in-app browsers residents scan QR codes with, and a page of another origin cannot read one to post.
 */
export function createFormTokens(secret: string, now: () => number) {
  const sign = (scope: string, at: string, nonce: string) => createHmac('sha256', secret).update(`${scope}\n${at}\n${nonce}`).digest('base64url');
  return {
    issue(scope: string): string {
      const at = String(now());
      const nonce = randomBytes(9).toString('base64url');
      return `${at}.${nonce}.${sign(scope, at, nonce)}`;
    },
    check(token: unknown, scope: string): FormTokenCheck {
      if (typeof token !== 'string' || token === '') return 'missing';
      const [at, nonce, mac, extra] = token.split('.');
      if (!at || !nonce || !mac || extra !== undefined || !/^\d{1,16}$/.test(at)) return 'forged';
      const want = Buffer.from(sign(scope, at, nonce));
      const got = Buffer.from(mac);
      if (want.length !== got.length || !timingSafeEqual(want, got)) return 'forged';
      const age = now() - Number(at);
      return age < -60_000 || age > FORM_TOKEN_MAX_AGE_MS ? 'expired' : 'ok';
    },
  };
}
export type FormTokens = ReturnType<typeof createFormTokens>;

/** A tracking token: 256 random bits, URL-safe. */
export const newTrackingToken = () => randomBytes(32).toString('base64url');
