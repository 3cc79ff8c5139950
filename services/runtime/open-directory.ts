import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/database.ts';
import { createDirectoryService, FILE_AUTHOR } from '../work-orders/directory-service.ts';
import { createKyselyDirectoryStore } from '../work-orders/directory-store.kysely.ts';

/**
 * People and teams: the database's, with the estate file's recorded at each start (docs/people.md);
 * what the file changed is in the audit log, by the file.
 */
export async function openDirectory(d: { db: Db; config: Config; sites: () => string[]; audit: AuditLog; log: Logger; now: () => number }) {
  const directory = await createDirectoryService({ store: createKyselyDirectoryStore(d.db), file: d.config.estate, sites: d.sites, log: d.log, now: d.now });
  for (const c of directory.synced.changes)
    d.audit.record({
      actor: 'system',
      actorName: FILE_AUTHOR,
      actorRole: null,
      address: null,
      action: c.action,
      outcome: 'ok',
      target: c.target,
      detail: c.detail,
    });
  if (directory.synced.changes.length > 0) d.log.info({ changes: directory.synced.changes.length }, 'directory recorded from the config file');
  return directory;
}
