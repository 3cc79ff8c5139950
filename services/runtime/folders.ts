import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Closers } from './closers.ts';

/**
 * A folder for files FMS keeps (reports, attachments): the configured one, or with FMS_DATA_DIR=:memory:
 * (which keeps nothing) a temporary one, removed at stop.
 */
export function keptFolder(configured: string | undefined, name: string, closers: Closers): string {
  if (configured) return configured;
  const tmp = mkdtempSync(path.join(os.tmpdir(), `fms-${name}-`));
  closers.add(`temporary ${name}`, () => rmSync(tmp, { recursive: true, force: true }));
  return tmp;
}
