import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes, FmsError } from './errors.ts';

describe('error registry', () => {
  it('matches docs/errors.md code for code, kind and status', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `(FMS_ERR_[A-Z_]+)` \| (\w+) \| (\d+) \|/gm)].map((m) => [m[1], m[2], Number(m[3])]);
    expect(rows).toEqual(Object.entries(errorCodes).map(([code, spec]) => [code, spec.kind, spec.status]));
  });

  it('maps kinds to the statuses the API promises', () => {
    for (const [code, spec] of Object.entries(errorCodes)) {
      if (spec.kind === 'user') {
        expect(spec.status, code).toBeGreaterThanOrEqual(400);
        expect(spec.status, code).toBeLessThan(500);
      }
      if (spec.kind === 'operational') expect(spec.status, code).toBe(503);
      if (spec.kind === 'bug') expect(spec.status, code).toBe(500);
    }
  });

  it('carries code, kind and status on the error', () => {
    const err = new FmsError('FMS_ERR_ASSET_NOT_FOUND', 'no asset "x"');
    expect(err).toMatchObject({ code: 'FMS_ERR_ASSET_NOT_FOUND', kind: 'user', status: 404, message: 'no asset "x"' });
  });
});
