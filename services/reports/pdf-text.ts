import LineBreaker from 'linebreak';
import type { Face, ReportFonts } from './font-runs.ts';

/**
 * Text in a pdfkit document when one string may need several fonts. pdfkit wraps and measures a
 * string in one font, so this module lays the runs out itself: it breaks lines where UAX #14 allows
 * (between words, and between any two Chinese characters), sets every run on a common baseline and
 * aligns the line as a whole.
 */

/** How a piece of text is set. */
export interface TextStyle {
  size: number;
  bold?: boolean;
  /** Wrap at this width (points); without it the text is one line per "\n". */
  width?: number | undefined;
  align?: 'left' | 'right';
  color?: string;
  /** Draw at most this many lines (the rest is cut). */
  maxLines?: number;
  /** The first baseline this far below the top, to line up with other text (see `ascentOf`). */
  ascent?: number;
}

interface Piece {
  text: string;
  face: Face;
  width: number;
  /** Spaces ending a segment. */
  space?: boolean;
}

interface Segment {
  pieces: Piece[];
  /** A line break follows. */
  required: boolean;
}

interface Line {
  pieces: Piece[];
  width: number;
}

interface Layout {
  lines: Line[];
  lineHeight: number;
  ascent: number;
  /** Characters no font has, drawn as replacement marks. */
  missing: string;
}

/** Report text drawn into `pdf` in the report's fonts. */
export interface PdfText {
  /** Height the text takes when set in `style`. */
  heightOf(text: string, style: TextStyle): number;
  /** Width of the text on one line, without wrapping. */
  widthOf(text: string, style: TextStyle): number;
  /** Width of the widest of the text's space-separated words. */
  longestWordOf(text: string, style: TextStyle): number;
  /** How far below the top the text's first baseline is. */
  ascentOf(text: string, style: TextStyle): number;
  /** Draws the text with its top-left corner at (x, y), leaves pdf.y below it and returns its height. */
  draw(text: string, x: number, y: number, style: TextStyle): number;
  /** Registers a face with the document (charts name faces themselves). */
  use(face: Face): string;
  /** Characters drawn so far as replacement marks, because no font had them. */
  readonly missing: () => string;
}

/** Text drawing for one pdfkit document. */
export function pdfText(pdf: PDFKit.PDFDocument, fonts: ReportFonts): PdfText {
  const registered = new Set<string>();
  const layouts = new Map<string, Layout>();
  let missing = '';

  const use = (face: Face) => {
    if (!registered.has(face.name)) {
      const source = face.source();
      if (source) pdf.registerFont(face.name, source.data, source.face as string);
      registered.add(face.name);
    }
    return face.name;
  };
  const widthIn = (text: string, face: Face, size: number) => pdf.font(use(face)).fontSize(size).widthOfString(text);

  function layout(text: string, style: TextStyle): Layout {
    const key = `${style.size}|${style.bold ? 'b' : ''}|${style.width ?? ''}|${text}`;
    let cached = layouts.get(key);
    if (!cached) layouts.set(key, (cached = lay(text, style)));
    return cached;
  }

  /** The text cut at its break opportunities, and each segment where its face changes. */
  function segments(text: string, size: number, bold: boolean | undefined): { segments: Segment[]; faces: Set<Face>; missing: string } {
    const runs = fonts.runs(text, bold);
    const all = runs.map((r) => r.text).join('');
    const faceAt: Face[] = runs.flatMap((r) => Array.from({ length: r.text.length }, () => r.face));
    const out: Segment[] = [];
    const breaker = new LineBreaker(all);
    let from = 0;
    for (let bk = breaker.nextBreak(); bk; bk = breaker.nextBreak()) {
      const pieces: Piece[] = [];
      for (let i = from; i < bk.position;) {
        let j = i + 1;
        while (j < bk.position && faceAt[j] === faceAt[i]) j++;
        const t = all.slice(i, j).replace(/\n/g, '');
        const body = t.replace(/[ \t]+$/, '');
        const face = faceAt[i]!;
        if (body) pieces.push({ text: body, face, width: widthIn(body, face, size) });
        // Spaces a segment ends with take no room at the end of a line.
        if (body !== t) pieces.push({ text: t.slice(body.length), face, width: widthIn(t.slice(body.length), face, size), space: true });
        i = j;
      }
      out.push({ pieces, required: bk.required && bk.position < all.length });
      from = bk.position;
    }
    return { segments: out, faces: new Set(runs.map((r) => r.face)), missing: runs.map((r) => r.missing ?? '').join('') };
  }

  function lay(text: string, { size, bold, width }: TextStyle): Layout {
    const cut = segments(text, size, bold);
    const lines: Line[] = [];
    let line: Line = { pieces: [], width: 0 };
    const end = () => {
      while (line.pieces.at(-1)?.space) line.width -= line.pieces.pop()!.width;
      lines.push(line);
      line = { pieces: [], width: 0 };
    };
    const add = (p: Piece) => {
      line.pieces.push(p);
      line.width += p.width;
    };
    for (const { pieces, required } of cut.segments) {
      const visible = visibleWidth(pieces);
      if (width !== undefined && line.pieces.length > 0 && line.width + visible > width + 0.01) end();
      if (width !== undefined && visible > width + 0.01) {
        // A word wider than the line (a long id in a narrow column) is broken between characters.
        for (const p of pieces) {
          if (p.space) add(p);
          else
            for (const ch of p.text) {
              const w = widthIn(ch, p.face, size);
              if (line.pieces.length > 0 && line.width + w > width + 0.01) end();
              add({ text: ch, face: p.face, width: w });
            }
        }
      } else pieces.forEach(add);
      if (required) end();
    }
    if (line.pieces.length > 0 || lines.length === 0) end();
    return {
      lines: text ? lines : [],
      lineHeight: Math.max(0, ...[...cut.faces].map((f) => f.lineHeight())) * size,
      ascent: Math.max(0, ...[...cut.faces].map((f) => f.ascent())) * size,
      missing: cut.missing,
    };
  }

  return {
    heightOf: (text, style) => {
      const l = layout(text, style);
      return Math.min(l.lines.length, style.maxLines ?? Infinity) * l.lineHeight;
    },
    widthOf: (text, style) => Math.max(0, ...layout(text, { ...style, width: undefined }).lines.map((l) => l.width)),
    // Words as the reader sees them, not every break opportunity: a Chinese column header should not shrink to one character.
    longestWordOf: (text, style) => Math.max(0, ...text.split(/\s+/).map((w) => layout(w, { ...style, width: undefined }).lines[0]?.width ?? 0)),
    ascentOf: (text, style) => layout(text, style).ascent,
    draw(text, x, y, style) {
      const l = layout(text, style);
      const lines = l.lines.slice(0, style.maxLines);
      pdf.fillColor(style.color ?? '#222222');
      lines.forEach((line, i) => {
        const baseline = y + i * l.lineHeight + (style.ascent ?? l.ascent);
        let at = style.align === 'right' && style.width !== undefined ? x + style.width - line.width : x;
        for (const p of line.pieces) {
          pdf.font(use(p.face)).fontSize(style.size).text(p.text, at, baseline, { lineBreak: false, baseline: 'alphabetic' });
          at += p.width;
        }
      });
      missing += l.missing;
      const height = lines.length * l.lineHeight;
      pdf.x = x;
      pdf.y = y + height;
      return height;
    },
    use,
    missing: () => missing,
  };
}

/** Width of a segment without the spaces it ends with. */
function visibleWidth(pieces: Piece[]): number {
  let w = pieces.reduce((s, p) => s + p.width, 0);
  for (let i = pieces.length - 1; i >= 0 && pieces[i]!.space; i--) w -= pieces[i]!.width;
  return w;
}
