import type { Logger } from 'pino';
import type { ApiKeys } from '../api/api-keys.ts';
import type { AuditLog } from '../audit/audit-log.ts';

/**
 * The first start with keys required and no FMS_ADMIN_KEY: one admin key, generated and shown on the
 * terminal once (FMS keeps only its hash). Called once FMS listens, so a start that fails (a port in
 * use) does not spend the key on a terminal nobody reads.
 */
export async function issueFirstAdminKey(d: { apiKeys: ApiKeys; audit: AuditLog; log: Logger; print: (text: string) => void }): Promise<boolean> {
  if (await d.apiKeys.hasAdmin()) return false;
  const { key, token } = await d.apiKeys.issue({ name: 'first admin (generated at first start)', role: 'admin' });
  d.audit.record({
    action: 'key.issued',
    outcome: 'ok',
    actor: 'system',
    target: `key ${key.id}`,
    detail: 'the first admin key, generated at first start and printed once',
  });
  d.print(
    `\nFMS generated an admin API key; it is shown only now, FMS keeps only its hash:\n  ${token}\nUse it as Authorization: Bearer <key>; issue keys with POST /api/keys, and console accounts (yours too) with POST /api/accounts.\n\n`,
  );
  d.log.warn('generated the first admin API key and printed it once (set FMS_ADMIN_KEY to choose your own)');
  return true;
}
