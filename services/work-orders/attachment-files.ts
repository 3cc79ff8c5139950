import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** File types accepted as work-order attachments, recognised by their first bytes (not by the name). */
const signatures: { type: string; ext: string; test: (b: Buffer) => boolean }[] = [
  { type: 'image/jpeg', ext: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/png', ext: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/webp', ext: 'webp', test: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP' },
  { type: 'image/heic', ext: 'heic', test: (b) => b.toString('latin1', 4, 8) === 'ftyp' && /^(heic|heix|mif1|msf1)$/.test(b.toString('latin1', 8, 12)) },
  { type: 'application/pdf', ext: 'pdf', test: (b) => b.toString('latin1', 0, 5) === '%PDF-' },
];
export const acceptedTypes = signatures.map((s) => s.type);

/** The content type of a file from its bytes, or undefined when it is not an accepted type. */
export function sniffType(bytes: Buffer): { type: string; ext: string } | undefined {
  const s = signatures.find((x) => x.test(bytes));
  return s && { type: s.type, ext: s.ext };
}

/** Where attachment files live: one folder per work order, named by content checksum. */
export interface AttachmentFiles {
  /** Stores the bytes; returns the path (relative to the folder) and the SHA-256 checksum. */
  save(workOrderId: string, bytes: Buffer, ext: string): Promise<{ path: string; sha256: string }>;
  read(relativePath: string): Promise<Buffer>;
  remove(relativePath: string): Promise<void>;
  folder: string;
}

export function createAttachmentFiles(folder: string): AttachmentFiles {
  mkdirSync(folder, { recursive: true });
  return {
    folder,
    async save(workOrderId, bytes, ext) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const rel = path.join(workOrderId, `${sha256}.${ext}`);
      const abs = path.join(folder, rel);
      mkdirSync(path.dirname(abs), { recursive: true });
      // Write then rename: a crash never leaves a half-written file under the final name.
      const tmp = `${abs}.${randomUUID()}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, abs);
      return { path: rel, sha256 };
    },
    read: (rel) => readFile(path.join(folder, rel)),
    async remove(rel) {
      await unlink(path.join(folder, rel)).catch(() => undefined);
    },
  };
}
