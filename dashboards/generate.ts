/** `npm run dashboards`: writes every board to dashboards/generated/ (commit the result). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildBoards, toJson } from './index.ts';

const out = fileURLToPath(new URL('./generated/', import.meta.url));
mkdirSync(out, { recursive: true });
for (const [file, board] of Object.entries(buildBoards())) {
  writeFileSync(out + file, toJson(board));
  process.stdout.write(`dashboards: generated/${file} (${board.panels?.length ?? 0} panels)\n`);
}
