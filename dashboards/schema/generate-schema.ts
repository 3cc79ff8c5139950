/**
 * `npm run dashboards:schema`: derives a JSON schema of Grafana's dashboard model from the foundation
 * SDK's TypeScript types (the `Dashboard` type of the pinned version), so generated boards are
 * validated offline with Ajv. Commit the result; dashboards.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

export function dashboardSchema(): object {
  const require = createRequire(import.meta.url);
  const types = path.join(path.dirname(require.resolve('@grafana/grafana-foundation-sdk/dashboard')), 'types.gen.d.ts');
  return createGenerator({ path: types, type: 'Dashboard', skipTypeCheck: true, expose: 'export', additionalProperties: true, topRef: false }).createSchema(
    'Dashboard',
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = fileURLToPath(new URL('./dashboard.schema.json', import.meta.url));
  writeFileSync(file, JSON.stringify(dashboardSchema(), null, 2) + '\n');
  process.stdout.write(`dashboards: ${path.relative(process.cwd(), file)} written\n`);
}
