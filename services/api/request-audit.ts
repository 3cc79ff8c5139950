import type { FastifyRequest } from 'fastify';
import type { AuditEvent, AuditLog, AuditOutcome } from '../audit/audit-log.ts';

/** Who made a request, as the audit log names them: `key:<id>` or `account:<user>` with its name and role, or nobody known. */
export function requester(req: FastifyRequest): Pick<AuditEvent, 'actor' | 'actorName' | 'actorRole' | 'address'> {
  const p = req.principal;
  return p
    ? { actor: `${p.kind}:${p.id}`, actorName: p.name, actorRole: p.role, address: req.ip }
    : { actor: 'anonymous', actorName: null, actorRole: null, address: req.ip };
}

/** A name for rule history and similar records: the key's or account's name and id, or the caller's own header when keys are off. */
export function requesterName(req: FastifyRequest): string {
  if (req.principal) return `${req.principal.name} (${req.principal.kind} ${req.principal.id})`;
  const header = req.headers['x-fms-actor'];
  return typeof header === 'string' ? header.slice(0, 100) : 'api';
}

/** Records a security-relevant action of this request. */
export function auditRequest(
  audit: AuditLog,
  req: FastifyRequest,
  action: string,
  target: string,
  detail: string | null = null,
  outcome: AuditOutcome = 'ok',
): void {
  audit.record({ ...requester(req), action, outcome, target, detail });
}

/**
 * Records a refused request (the API's and the console's error handlers): a refused sign-in as a
 * failed login, refused access as denied. Other errors are not security events and go unrecorded.
 */
export function auditRefusal(audit: AuditLog, req: FastifyRequest, err: { code: string; message: string }): void {
  const target = `${req.method} ${req.url.split('?')[0]!.slice(0, 200)}`;
  if (err.code === 'FMS_ERR_API_UNAUTHENTICATED') audit.record({ ...requester(req), action: 'api.login', outcome: 'failed', target, detail: err.message });
  else if (err.code === 'FMS_ERR_API_FORBIDDEN' || err.code === 'FMS_ERR_WORK_ORDER_FORBIDDEN' || err.code === 'FMS_ERR_API_CSRF')
    audit.record({ ...requester(req), action: 'access.denied', outcome: 'denied', target, detail: err.message });
}
