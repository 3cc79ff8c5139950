import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FmsError } from '../shared/errors.ts';

/**
 * The console's session cookie: a random id (FMS keeps its SHA-256), HttpOnly (no script reads it),
 * SameSite=Lax, Secure and `__Host-` prefixed when the request came over HTTPS (FMS's own, or a
 * proxy's that says so in X-Forwarded-Proto from FMS_HTTP_TRUST_PROXY).
 *
 * Lax rather than Strict: a technician opening a work-order link from a message or a mail arrives
 * signed in (Strict would show the sign-in page on every link from another site), while a cross-site
 * form post, fetch or image still goes without the cookie. GET requests change nothing, and every
 * unsafe request of a session must carry its CSRF token and come from FMS's own origin anyway.
 */
export const SESSION_COOKIE = 'fms_session';
/** Over HTTPS: the browser keeps it only if it is Secure, for this host, on path / — no subdomain can plant one. */
export const SECURE_SESSION_COOKIE = '__Host-fms_session';

/** The header that carries the CSRF token; a form carries it as the field `_csrf`. */
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The session id the request's cookie holds, if any: over HTTPS only the `__Host-` cookie counts.
 *
 * A request with two session cookies is refused: FMS sets one, on path `/`, so a second was planted —
 * by a page of another port of this host, say, on a narrower path such as `/orders`, where the browser
 * sends it first ("cookie tossing": the victim would act in the attacker's session on those pages).
 * With `reply`, the browser is told to forget the session cookies of every narrower path of this
 * address, where a planted one can only sit (FMS's own on `/` stays): the next sign-in is whole again.
 */
export function sessionIdOf(req: FastifyRequest, reply?: FastifyReply): string | undefined {
  const secure = req.protocol === 'https';
  const name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  const sent = (req.headers.cookie ?? '').split(';').filter((c) => c.trim().startsWith(`${name}=`)).length;
  if (sent > 1) {
    if (reply) {
      const segments = req.url.split('?')[0]!.split('/').filter(Boolean).slice(0, 8);
      const paths = segments.map((_, i) => `/${segments.slice(0, i + 1).join('/')}`);
      for (const path of paths.flatMap((p) => [p, `${p}/`])) reply.clearCookie(name, { path, httpOnly: true, sameSite: 'lax', secure });
    }
    throw new FmsError(
      'FMS_ERR_API_UNAUTHENTICATED',
      'the browser sent two session cookies for this site (another site may have planted one); the extra one is cleared: sign in again',
    );
  }
  return req.cookies?.[name] ?? undefined;
}

/** Sets the session cookie for a new session that ends, at the latest, at `expiresAt`. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, sessionId: string, maxAgeMs: number): void {
  const secure = req.protocol === 'https';
  reply.setCookie(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, sessionId, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}

/** Tells the browser to forget the session cookie (signed out, expired, ended). */
export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  const secure = req.protocol === 'https';
  reply.clearCookie(secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}

/** FMS's own origin as this request reached it (`https://fms.example:3000`). */
export const ownOrigin = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

/**
 * Refuses a request whose Origin (or, without one, Referer) is another site's. Neither header at all is
 * let through: older browsers and non-browser clients send none, and the CSRF token still has to match.
 */
export function checkSameOrigin(req: FastifyRequest): void {
  const own = ownOrigin(req);
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (origin !== own) throw new FmsError('FMS_ERR_API_CSRF', `the request comes from ${origin.slice(0, 100)}, not from FMS's own origin ${own}`);
    return;
  }
  const referer = req.headers.referer;
  if (referer === undefined) return;
  let from: string;
  try {
    from = new URL(referer).origin;
  } catch {
    throw new FmsError('FMS_ERR_API_CSRF', "the request's Referer is not a URL");
  }
  if (from !== own) throw new FmsError('FMS_ERR_API_CSRF', `the request comes from a page of ${from.slice(0, 100)}, not of FMS's own origin ${own}`);
}

/**
 * A request signed in by the session cookie that changes something (POST, PUT, PATCH, DELETE) must carry
 * the session's CSRF token — header `x-csrf-token`, or the form field `_csrf` — and come from FMS's own
 * origin. Run after the body is parsed; the form field is removed before the body is validated.
 */
export function checkCsrf(req: FastifyRequest, csrfToken: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  checkSameOrigin(req);
  const header = req.headers[CSRF_HEADER];
  const body = req.body as Record<string, unknown> | undefined;
  const field = req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') && body ? body[CSRF_FIELD] : undefined;
  if (body && typeof body === 'object' && field !== undefined) delete body[CSRF_FIELD];
  // A multipart form (the console's photos) is read after this check: its token comes in the form's address.
  const inQuery = req.headers['content-type']?.startsWith('multipart/form-data') ? (req.query as Record<string, unknown> | undefined)?.[CSRF_FIELD] : undefined;
  const given = typeof header === 'string' ? header : typeof field === 'string' ? field : typeof inQuery === 'string' ? inQuery : undefined;
  if (given === undefined)
    throw new FmsError(
      'FMS_ERR_API_CSRF',
      `a signed-in request that changes something carries the session's CSRF token (header ${CSRF_HEADER}, or the form field ${CSRF_FIELD}): GET /api/session gives it`,
    );
  const a = Buffer.from(given);
  const b = Buffer.from(csrfToken);
  if (a.length !== b.length || !timingSafeEqual(a, b))
    throw new FmsError('FMS_ERR_API_CSRF', "the CSRF token is not this session's: GET /api/session gives it");
}
