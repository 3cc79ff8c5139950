import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface SpoolEntry {
  name: string;
  body: string;
  points: number;
}

/**
 * The durable spool: batches of line protocol that could not be written, one file each, replayed
 * oldest first. A file is written under a temporary name, flushed to disk and renamed, so a crash
 * leaves either the whole batch or nothing. It survives restarts of FMS.
 */
export function createSpool(dir: string, maxBytes: number) {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.tmp')) rmSync(path.join(dir, f), { force: true });
  const files: { name: string; bytes: number; points: number }[] = readdirSync(dir)
    .filter((f) => /^\d{12}-\d+\.lp$/.test(f))
    .sort()
    .map((name) => ({ name, bytes: statSync(path.join(dir, name)).size, points: Number(name.split('-')[1]!.slice(0, -3)) }));
  let seq = files.length ? Number(files.at(-1)!.name.slice(0, 12)) + 1 : 1;
  let bytes = files.reduce((a, f) => a + f.bytes, 0);
  let points = files.reduce((a, f) => a + f.points, 0);

  return {
    /** Appends a batch; false when the spool is full (the caller counts what it could not keep). */
    append(body: string, count: number): boolean {
      const size = Buffer.byteLength(body);
      if (bytes + size > maxBytes) return false;
      const name = `${String(seq++).padStart(12, '0')}-${count}.lp`;
      const tmp = path.join(dir, name + '.tmp');
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, body);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path.join(dir, name));
      files.push({ name, bytes: size, points: count });
      bytes += size;
      points += count;
      return true;
    },
    /** The oldest batch, or undefined when the spool is empty. */
    oldest(): SpoolEntry | undefined {
      const f = files[0];
      if (!f) return undefined;
      return { name: f.name, body: readFileSync(path.join(dir, f.name), 'utf8'), points: f.points };
    },
    /** Removes a batch once it is written. */
    remove(name: string): void {
      const i = files.findIndex((f) => f.name === name);
      if (i < 0) return;
      const [f] = files.splice(i, 1);
      rmSync(path.join(dir, f!.name), { force: true });
      bytes -= f!.bytes;
      points -= f!.points;
    },
    depth() {
      return { files: files.length, bytes, points, maxBytes };
    },
  };
}
export type Spool = ReturnType<typeof createSpool>;
