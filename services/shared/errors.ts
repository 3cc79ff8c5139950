/**
 * The one registry of FMS error codes (the model is fastify's `lib/errors.js`).
 *
 * Every code has a kind:
 * - `user`: bad input; answered with a 4xx and a message that says what to fix;
 * - `operational`: a dependency is down; answered with 503 and Retry-After, retried, never loses data;
 * - `bug`: a defect; answered with 500 and logged at error level.
 *
 * docs/errors.md lists the same codes; errors.test.ts keeps the two in sync.
 */
export type ErrorKind = 'user' | 'operational' | 'bug';

interface ErrorSpec {
  kind: ErrorKind;
  /** HTTP status when the API answers with this error. */
  status: number;
  /** What the code means, as written in docs/errors.md. */
  summary: string;
}

export const errorCodes = {
  FMS_ERR_CONFIG_INVALID: { kind: 'user', status: 400, summary: 'A configuration value or the configuration file is invalid.' },
  FMS_ERR_LISTEN_FAILED: {
    kind: 'user',
    status: 400,
    summary: 'FMS cannot listen where it is configured to: a port in use or needing privileges, or an address not of this machine.',
  },
  FMS_ERR_API_BAD_REQUEST: { kind: 'user', status: 400, summary: 'The request body, path or query does not match the API schema.' },
  FMS_ERR_API_NOT_FOUND: { kind: 'user', status: 404, summary: 'No route matches the method and path.' },
  FMS_ERR_ASSET_NOT_FOUND: { kind: 'user', status: 404, summary: 'No asset has this id.' },
  FMS_ERR_ASSET_EXISTS: { kind: 'user', status: 409, summary: 'An asset with this id already exists.' },
  FMS_ERR_ASSET_TYPE_CHANGE: { kind: 'user', status: 409, summary: "An asset's type cannot change once it has telemetry; register a new asset instead." },
  FMS_ERR_TELEMETRY_BAD_QUERY: { kind: 'user', status: 400, summary: 'A telemetry query names an unknown metric, function or an empty time range.' },
  FMS_ERR_RULE_NOT_FOUND: { kind: 'user', status: 404, summary: 'No rule has this id.' },
  FMS_ERR_RULE_INVALID: { kind: 'user', status: 400, summary: 'A rule does not match the rule format.' },
  FMS_ERR_RULE_EXISTS: { kind: 'user', status: 409, summary: 'A rule with this id is already in force; change it with PUT.' },
  FMS_ERR_ALARM_NOT_FOUND: { kind: 'user', status: 404, summary: 'No alarm has this id.' },
  FMS_ERR_WORK_ORDER_NOT_FOUND: { kind: 'user', status: 404, summary: 'No work order has this id.' },
  FMS_ERR_WORK_ORDER_TRANSITION: {
    kind: 'user',
    status: 409,
    summary: "The action is not allowed from the order's current state; the answer lists the actions that are (`allowed`).",
  },
  FMS_ERR_WORK_ORDER_CONFLICT: { kind: 'user', status: 409, summary: 'The order changed since the version the client gave; read it again and retry.' },
  FMS_ERR_WORK_ORDER_FORBIDDEN: { kind: 'user', status: 403, summary: "The person's role may not take this action on this order (see the permission table)." },
  FMS_ERR_WORK_ORDER_ASSIGNEE_SITE: {
    kind: 'user',
    status: 409,
    summary: "The technician is in no team that serves the order's site (teams in the estate file); assign someone of a team that does.",
  },
  FMS_ERR_WORK_ORDER_INVALID: { kind: 'user', status: 400, summary: 'The action lacks a field it needs (a reason, a checklist result, a known technician…).' },
  FMS_ERR_PERSON_UNKNOWN: { kind: 'user', status: 400, summary: '`by` names nobody listed under people (or `requester`).' },
  FMS_ERR_PERSON_NOT_FOUND: { kind: 'user', status: 404, summary: 'No person has this id.' },
  FMS_ERR_TEAM_NOT_FOUND: { kind: 'user', status: 404, summary: 'No team has this id.' },
  FMS_ERR_PERSON_EXISTS: { kind: 'user', status: 409, summary: 'A person with this id is already listed; change them with PATCH.' },
  FMS_ERR_TEAM_EXISTS: { kind: 'user', status: 409, summary: 'A team with this id already exists; change it with PATCH.' },
  FMS_ERR_PERSON_DISABLED: {
    kind: 'user',
    status: 409,
    summary: 'The person is disabled: they take no new orders and act on none; enable them, or choose someone else.',
  },
  FMS_ERR_DIRECTORY_INVALID: {
    kind: 'user',
    status: 400,
    summary:
      'The change would break the directory: a team member not listed under people, a supervisor or manager who is not one or is disabled, a person a team still needs.',
  },
  FMS_ERR_DIRECTORY_CONFLICT: {
    kind: 'user',
    status: 409,
    summary: 'Someone changed the same person or team at the same moment, again and again; read it again and retry.',
  },
  FMS_ERR_ATTACHMENT_TOO_LARGE: { kind: 'user', status: 413, summary: 'The attachment is larger than FMS_ATTACHMENT_MAX_MB.' },
  FMS_ERR_ATTACHMENT_TYPE: { kind: 'user', status: 415, summary: 'The attachment is not a JPEG, PNG, WebP, HEIC image or a PDF.' },
  FMS_ERR_ATTACHMENT_NOT_FOUND: { kind: 'user', status: 404, summary: 'The work order has no attachment with this id.' },
  FMS_ERR_ATTACHMENT_QUOTA: {
    kind: 'user',
    status: 409,
    summary: 'The work order holds as many attachments, or as many bytes of them, as one order may (FMS_ATTACHMENTS_PER_ORDER, FMS_ATTACHMENTS_MB_PER_ORDER).',
  },
  FMS_ERR_PM_PLAN_NOT_FOUND: { kind: 'user', status: 404, summary: 'No preventive-maintenance plan has this id.' },
  FMS_ERR_PM_PLAN_INVALID: { kind: 'user', status: 400, summary: 'A preventive-maintenance plan does not match the plan format.' },
  FMS_ERR_PM_PLAN_EXISTS: { kind: 'user', status: 409, summary: 'A plan with this id is already in force; change it with PUT.' },
  FMS_ERR_REPORT_NOT_FOUND: { kind: 'user', status: 404, summary: 'No report (or no such file of a report) has this id.' },
  FMS_ERR_REPORT_FONT: {
    kind: 'operational',
    status: 503,
    summary: 'A Chinese PDF needs a font with Chinese glyphs: install fonts-wqy-microhei or fonts-noto-cjk, or set FMS_REPORT_FONT.',
  },
  FMS_ERR_REPORT_BUSY: {
    kind: 'user',
    status: 429,
    summary: 'Reports are made one at a time and a few wait their turn; this one found the queue full: ask again after Retry-After.',
  },
  FMS_ERR_API_UNAUTHENTICATED: {
    kind: 'user',
    status: 401,
    summary: 'No valid API key and no session: send Authorization: Bearer <key>, or sign in (POST /api/session) (FMS_API_AUTH=keys).',
  },
  FMS_ERR_API_FORBIDDEN: { kind: 'user', status: 403, summary: "The API key's or account's role may not do this (docs/security.md has the table)." },
  FMS_ERR_API_CSRF: {
    kind: 'user',
    status: 403,
    summary:
      "A request signed in by the session cookie that changes something lacks the session's CSRF token (x-csrf-token, or _csrf in a form), or comes from another origin.",
  },
  FMS_ERR_SESSION_SIGN_IN_FAILED: {
    kind: 'user',
    status: 401,
    summary: 'The user name (or phone) or password is wrong, or the sign-in link is unknown, used already or expired.',
  },
  FMS_ERR_SESSION_LOCKED: {
    kind: 'user',
    status: 429,
    summary: 'Too many failed sign-ins for this account or from this address: attempts wait, unchecked, until Retry-After.',
  },
  FMS_ERR_SESSION_EXPIRED: {
    kind: 'user',
    status: 401,
    summary: 'The session expired (FMS_SESSION_IDLE without use, or FMS_SESSION_MAX_AGE after signing in): sign in again.',
  },
  FMS_ERR_ACCOUNT_DISABLED: { kind: 'user', status: 403, summary: 'The account is disabled; an administrator can enable it again.' },
  FMS_ERR_ACCOUNT_NOT_FOUND: { kind: 'user', status: 404, summary: 'No account has this user name.' },
  FMS_ERR_ACCOUNT_EXISTS: { kind: 'user', status: 409, summary: 'The user name, the phone number or the person has an account already.' },
  FMS_ERR_ACCOUNT_PASSWORD_WEAK: {
    kind: 'user',
    status: 400,
    summary: 'The password is shorter than 12 characters, longer than 256, or contains the user name, the name or the phone number.',
  },
  FMS_ERR_API_RATE_LIMITED: {
    kind: 'user',
    status: 429,
    summary: 'More requests a minute from this address than FMS_HTTP_RATE_LIMIT allows; try again after Retry-After.',
  },
  FMS_ERR_TELEMETRY_STORE_DOWN: {
    kind: 'operational',
    status: 503,
    summary: 'The telemetry store cannot be reached; accepted data is kept and written when it returns.',
  },
  FMS_ERR_DATABASE_DOWN: { kind: 'operational', status: 503, summary: 'The database cannot be reached.' },
  FMS_ERR_INTERNAL: { kind: 'bug', status: 500, summary: 'An unexpected error; it is logged with its stack.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCodes;

export class FmsError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'FmsError';
    this.code = code;
    this.kind = errorCodes[code].kind;
    this.status = errorCodes[code].status;
    this.details = details;
  }
}

export function isFmsError(err: unknown): err is FmsError {
  return err instanceof FmsError;
}
