import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The dependency graph between the folders of `services/` (alarms, work-orders, broker, …): an edge
 * A → B when a file of A imports (also `import type`) a file of B. Tests and test support are left
 * out: a test may reach anywhere.
 */
export function folderGraph(root: string): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  const servicesDir = path.join(root, 'services');
  for (const file of walk(servicesDir)) {
    const rel = path.relative(servicesDir, file);
    if (!file.endsWith('.ts') || /\.test\.ts$|\.contract\.ts$/.test(file) || rel.split(path.sep).includes('testing')) continue;
    const from = folderOf(rel);
    const imports = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
    for (const spec of imports) {
      if (!spec.startsWith('.')) continue;
      const target = path.relative(servicesDir, path.resolve(path.dirname(file), spec));
      if (target.startsWith('..')) continue; // outside services/ (devices/, simulators/)
      const to = folderOf(target);
      if (to === from) continue;
      let edges = graph.get(from);
      if (!edges) graph.set(from, (edges = new Map()));
      const why = edges.get(to) ?? [];
      why.push(`${rel} → ${target}`);
      edges.set(to, why);
    }
  }
  return graph;
}

/** The folder of a path under services/; a file directly in services/ (main.ts, app.ts) is a node of its own. */
function folderOf(rel: string): string {
  return rel.split(path.sep)[0]!;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

/** Strongly connected components with more than one folder (Tarjan): each is an import cycle. */
export function cycles(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const nodes = new Set<string>([...graph.keys(), ...[...graph.values()].flatMap((e) => [...e.keys()])]);
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...nodes].sort()) if (!idx.has(v)) visit(v);
  return out;
}
