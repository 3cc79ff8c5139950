import { execFileSync } from 'node:child_process';
import { inflateSync } from 'node:zlib';

/**
 * Checks of a PDF as a reader sees it, with poppler-utils and the PDF's own content streams.
 */

/** The text poppler reads from the PDF, in the order it was drawn (-raw), all whitespace removed. */
export function pdfTextCompact(file: string): string {
  return execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
}

/** Names of the fonts in the PDF (pdffonts), without the subset tag, sorted. */
export function pdfFontNames(file: string): string[] {
  return execFileSync('pdffonts', [file], { encoding: 'utf8' })
    .split('\n')
    .slice(2)
    .filter(Boolean)
    .map((line) => line.split(/\s+/)[0]!.replace(/^[A-Z]{6}\+/, ''))
    .sort();
}

/**
 * How many glyphs the PDF's text draws as .notdef, the empty box a font shows for a character it
 * lacks. pdfkit embeds fonts as subsets whose glyph 0 is always .notdef, and writes text in them as
 * hex strings of 2-byte glyph ids; Helvetica's WinAnsi strings never hold a zero byte. So every
 * 0000 in a hex string between BT and ET is a box.
 */
export function notdefGlyphs(pdf: Buffer): number {
  let boxes = 0;
  for (const content of streams(pdf)) {
    if (!/\/F\d+ [\d.]+ Tf/.test(content)) continue;
    for (const text of content.match(/\bBT\b[\s\S]*?\bET\b/g) ?? [])
      for (const [, hex] of text.matchAll(/<([0-9a-fA-F]+)>/g)) for (let i = 0; i + 4 <= hex!.length; i += 4) if (hex!.slice(i, i + 4) === '0000') boxes++;
  }
  return boxes;
}

/** Every stream of the PDF, inflated when it is compressed. */
function streams(pdf: Buffer): string[] {
  const s = pdf.toString('latin1');
  const out: string[] = [];
  for (const m of s.matchAll(/<<((?:(?!>>)[\s\S])*?)>>\s*stream\r?\n/g)) {
    const start = m.index + m[0].length;
    const length = /\/Length (\d+)(?!\s+\d+\s+R)/.exec(m[1]!);
    const end = length ? start + Number(length[1]) : s.indexOf('endstream', start);
    const raw = pdf.subarray(start, end);
    try {
      out.push((/\/FlateDecode/.test(m[1]!) ? inflateSync(raw) : raw).toString('latin1'));
    } catch {
      // Not a stream this check reads (an image in another filter).
    }
  }
  return out;
}
