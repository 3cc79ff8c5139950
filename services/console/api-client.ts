import type { FastifyInstance, FastifyRequest } from 'fastify';
import { INTERNAL_HEADER, internalSecret } from '../api/internal-requests.ts';

/**
 * The console reads and acts through FMS's own HTTP API, in process (fastify's inject), with the
 * credentials the browser sent: every page and every form goes through the same routes, access
 * declarations, validation and audit as an API client's request — one permission model, no second
 * copy of any rule. The requests carry the browser's address (audit, sign-in records) and a per-process
 * secret that spares them the per-address rate limit (the browser's own request was counted).
 */

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

// Not Origin or Referer: the browser's request was checked against FMS's own origin (access.ts, or the
// sign-in and sign-out routes here), and the in-process request has another host and scheme than it.
const forwarded = ['authorization', 'cookie', 'x-csrf-token', 'accept-language', 'user-agent'] as const;

export function apiClient(app: FastifyInstance, req: FastifyRequest) {
  const headers: Record<string, string> = { [INTERNAL_HEADER]: internalSecret };
  for (const h of forwarded) {
    const v = req.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  // The browser's request passed the CSRF check (a form's token, access.ts) before the page ran: the
  // page's own calls carry the session's token as an API client's header would.
  // On a public route (sign-out) no session was resumed: the form's own token goes along, for the API to check.
  const formToken = (req.body as { _csrf?: unknown } | undefined)?._csrf;
  const csrf = req.session?.csrfToken ?? (typeof formToken === 'string' ? formToken : undefined);
  if (csrf && !headers['x-csrf-token']) headers['x-csrf-token'] = csrf;

  async function call<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<ApiAnswer<T>> {
    const res = await app.inject({
      method,
      url,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      remoteAddress: req.ip,
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    const type = String(res.headers['content-type'] ?? '');
    return { status: res.statusCode, body: (type.includes('json') ? res.json() : res.body) as T, headers: res.headers };
  }

  return {
    call,
    /** The answer's body, or an ApiRefusal with the API's code and message. */
    async get<T = unknown>(url: string): Promise<T> {
      return ok(await call<T>('GET', url));
    },
    async post<T = unknown>(url: string, body: unknown): Promise<T> {
      return ok(await call<T>('POST', url, body));
    },
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

function ok<T>(a: ApiAnswer<T>): T {
  if (a.status < 400) return a.body;
  const e = (a.body as { error?: { code?: string; message?: string } & Record<string, unknown> })?.error;
  throw new ApiRefusal(a.status, e?.code ?? 'FMS_ERR_INTERNAL', e?.message ?? `HTTP ${a.status}`, e ?? {});
}
