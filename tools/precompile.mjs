// The precompiled start: `npm start` runs FMS from JavaScript compiled ahead of time into .build/, so the
// service carries no TypeScript compiler at run time (tsx's loader thread, its esbuild processes and the
// compiled modules it keeps cost ~130 MB of resident memory; docs/deployment.md, "Memory").
//
// `node tools/precompile.mjs` (npm's prestart) compiles bin/start.ts and every worker thread's module
// (`*.worker.ts`) with esbuild, the compiler tsx itself uses, into .build/, in about half a second. It
// compiles only when a source file, tsconfig.json, package.json, this file or esbuild changed since the
// last build (a fingerprint of every compiled file's size and time), so a second start costs a few
// milliseconds. Plain JavaScript: it runs before anything can compile TypeScript.
//
// What the bundle keeps as it was:
// - packages stay imports of node_modules (native modules such as better-sqlite3 included);
// - a module's `import.meta.url` is still its source file's address, so the files it reads beside itself
//   (devices/, the console's static files) are found; .build/ sits in the checkout, next to them;
// - `new URL('./x.worker.ts', import.meta.url)` names the compiled worker .build/x.worker.js instead.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const selfFile = fileURLToPath(import.meta.url);
const checkout = fileURLToPath(new URL('../', import.meta.url));
const workerUrl = /new URL\((['"])\.\/([\w.-]+)\.worker\.ts\1, import\.meta\.url\)/;

/** Every `*.worker.ts` under services/: each becomes an entry of its own (a worker thread loads it by file). */
function workerEntries(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return workerEntries(file);
    return e.name.endsWith('.worker.ts') ? [file] : [];
  });
}

/**
 * Size and time of each file: a file changed, added to the build, removed or put back older changes it.
 * `times` are their modification times.
 */
function fingerprint(root, files, esbuildVersion) {
  const hash = createHash('sha256').update(`esbuild ${esbuildVersion}\n`);
  const times = [];
  for (const file of files) {
    try {
      const s = statSync(path.join(root, file));
      hash.update(`${file}\t${s.size}\t${s.mtimeMs}\n`);
      times.push(s.mtimeMs);
    } catch {
      hash.update(`${file}\tmissing\n`);
    }
  }
  return { hash: hash.digest('hex'), times };
}

function readStamp(stampFile) {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The always-watched files besides the compiled sources. */
const configFiles = ['tsconfig.json', 'package.json', 'tools/precompile.mjs'];

/**
 * Compiles the service of the checkout at `root` (this one by default) into `<root>/.build/` unless
 * the last build is still current. Resolves to what it did: `{ built: false }`, or `{ built: true, ms, modules }`.
 */
export async function precompile(root = checkout) {
  const buildDir = path.join(root, '.build');
  const { version } = JSON.parse(readFileSync(path.join(root, 'node_modules/esbuild/package.json'), 'utf8'));
  const stamp = readStamp(path.join(buildDir, 'stamp.json'));
  if (stamp && existsSync(path.join(buildDir, 'start.js')) && stamp.fingerprint === fingerprint(root, stamp.files, version).hash) return { built: false };

  const started = Date.now();
  const esbuild = await import('esbuild');
  const temp = `${buildDir}-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  const sourceUrls = {
    name: 'source-urls',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
        // Every compiled file sits in .build/ itself, so the source is the same relative path from each.
        const source = path.relative(buildDir, args.path).split(path.sep).join('/');
        const contents = text.replace(new RegExp(`${workerUrl.source}|import\\.meta\\.url`, 'g'), (match, _q, worker) =>
          worker ? `new URL('./${worker}.worker.js', import.meta.url)` : `new URL(${JSON.stringify(source)}, import.meta.url).href`,
        );
        return { contents, loader: 'ts' };
      });
    },
  };
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [path.join(root, 'bin/start.ts'), ...workerEntries(path.join(root, 'services'))],
      outdir: temp,
      entryNames: '[name]',
      chunkNames: 'chunk-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      plugins: [sourceUrls],
      metafile: true,
      logLevel: 'error',
    });
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw err;
  } finally {
    await esbuild.stop();
  }
  const files = [...configFiles, ...Object.keys(result.metafile.inputs)].sort();
  const now = fingerprint(root, files, version);
  // A file saved while esbuild was reading may not be in this build: then the next start compiles again.
  const edited = now.times.some((t) => t >= started && t <= Date.now());
  writeFileSync(path.join(temp, 'stamp.json'), JSON.stringify({ fingerprint: edited ? 'edited while compiling' : now.hash, files }, null, 1));
  rmSync(buildDir, { recursive: true, force: true });
  renameSync(temp, buildDir);
  return { built: true, ms: Date.now() - started, modules: Object.keys(result.metafile.inputs).length };
}

if (process.argv[1] && path.resolve(process.argv[1]) === selfFile) {
  try {
    const r = await precompile();
    if (r.built) process.stderr.write(`fms: compiled ${r.modules} modules into .build/ in ${(r.ms / 1000).toFixed(1)} s\n`);
  } catch (err) {
    process.stderr.write(`fms: could not compile the service: ${err instanceof Error ? err.message : err}\n`);
    process.exitCode = 1;
  }
}
