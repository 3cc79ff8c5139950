/**
 * Fails when the folders of services/ import each other in a cycle (alarms → work-orders → alarms):
 * each folder must be able to be read, tested and changed on top of the ones it uses. `npm run lint`
 * runs it; ESLint's import-x/no-cycle catches cycles between single files. Also keeps the composition
 * root (services/app.ts) small enough to stay wiring only: what runs FMS beyond wiring goes to runtime/.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cycles, folderGraph } from './folder-graph.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const graph = folderGraph(root);
const found = cycles(graph);
if (found.length === 0) {
  process.stdout.write(`architecture: no import cycle between the ${graph.size} folders of services/\n`);
} else {
  for (const cycle of found) {
    process.stderr.write(`architecture: these folders of services/ import each other in a cycle: ${cycle.join(', ')}\n`);
    for (const a of cycle) for (const b of cycle) for (const why of graph.get(a)?.get(b)?.slice(0, 3) ?? []) process.stderr.write(`  ${why}\n`);
  }
  process.exitCode = 1;
}

const APP_MAX_LINES = 250;
const appLines = readFileSync(new URL('../services/app.ts', import.meta.url), 'utf8').split('\n').length;
if (appLines > APP_MAX_LINES) {
  process.stderr.write(`architecture: services/app.ts has ${appLines} lines, more than ${APP_MAX_LINES}: move what is not wiring into services/runtime/\n`);
  process.exitCode = 1;
}
