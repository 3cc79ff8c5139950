import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { FmsError } from '../shared/errors.ts';
import type { ReportFonts } from './font-runs.ts';
import { pdfText, type TextStyle } from './pdf-text.ts';
import type { Block, ReportDocument } from './report-document.ts';
import { svgWithFontRuns } from './svg-text.ts';

/**
 * The report as a PDF, drawn with pdfkit from the same document as the HTML page (no browser needed).
 * Charts are the same server-rendered SVG, drawn as vectors. Every run of text is set in the first of
 * the report's fonts that has its glyphs (font-runs.ts): Latin from a Latin font or the built-in
 * Helvetica, Chinese from a CJK font (Debian: fonts-wqy-microhei or fonts-noto-cjk).
 */

const PT_PER_PX = 0.75;
const MARGIN = 50;
const BODY = 9.5;
const FOOTER = 8;
/** Words of the Chinese report's title: fonts without them cannot draw a Chinese report. */
const HAN = '维保报告';

export interface PdfResult {
  pdf: Buffer;
  pages: number;
  /** Characters drawn as replacement marks because no font had them (logged once per script). */
  missingGlyphs: number;
}

/** Draws the report document as a PDF in the report's fonts; refuses a Chinese one when no font has Chinese glyphs. */
export async function renderPdf(doc: ReportDocument, fonts: ReportFonts): Promise<PdfResult> {
  if (doc.language === 'zh' && !fonts.covers(HAN)) {
    fonts.noteMissing(HAN);
    throw new FmsError(
      'FMS_ERR_REPORT_FONT',
      'a Chinese PDF needs a font with Chinese glyphs: install fonts-wqy-microhei or fonts-noto-cjk, or set FMS_REPORT_FONT to a .ttf/.otf file (or file.ttc#PostScriptName)',
    );
  }
  const pdf = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, info: { Title: doc.title, Subject: doc.subtitle, Creator: 'FMS' } });
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    pdf.on('end', resolve);
    pdf.on('error', reject);
  });

  const t = pdfText(pdf, fonts);
  let chartMissing = '';
  const width = pdf.page.width - 2 * MARGIN;
  const bottom = () => pdf.page.height - MARGIN - FOOTER * 2;
  const room = (h: number) => {
    if (pdf.y + h > bottom()) pdf.addPage();
  };
  const write = (s: string, style: TextStyle) => t.draw(s, MARGIN, pdf.y, { width, ...style });
  /** Like pdfkit's moveDown, in lines of `size`, but at a fixed 1.16 em (DejaVu's and Helvetica's) whatever fonts the text used. */
  const moveDown = (lines: number, size = BODY) => {
    pdf.y += lines * size * 1.16;
  };

  write(doc.title, { size: 18, bold: true });
  moveDown(0.2, 18);
  write(doc.subtitle, { size: BODY, color: '#666666' });
  moveDown(0.6);

  doc.blocks.forEach((b, i) => drawBlock(b, doc.blocks[i + 1]));

  /** Height of what must follow a heading on its page: a chart or paragraph whole, else a few lines. */
  function start(b: Block | undefined): number {
    if (b?.kind === 'chart') return chartSize(b).h + 6;
    if (b?.kind === 'paragraph') return Math.max(BODY * 5, t.heightOf(b.text, { size: BODY, width }));
    return BODY * 5;
  }

  function chartSize(b: Extract<Block, { kind: 'chart' }>) {
    const scale = Math.min(1, width / (b.width * PT_PER_PX));
    return { w: b.width * PT_PER_PX * scale, h: b.height * PT_PER_PX * scale };
  }

  function drawBlock(b: Block, next: Block | undefined) {
    switch (b.kind) {
      case 'heading': {
        const size = b.level === 2 ? 13 : 11;
        // A heading never ends a page: keep room for it and what starts its section.
        room(size * 1.6 + start(next));
        moveDown(b.level === 2 ? 0.8 : 0.4);
        write(b.text, { size, bold: true });
        if (b.level === 2) {
          pdf
            .moveTo(MARGIN, pdf.y + 1)
            .lineTo(MARGIN + width, pdf.y + 1)
            .lineWidth(1)
            .strokeColor('#444466')
            .stroke();
          moveDown(0.4, size);
        }
        return;
      }
      case 'paragraph': {
        const style = { size: BODY, width, color: b.muted ? '#666666' : '#222222' };
        room(t.heightOf(b.text, style));
        write(b.text, style);
        moveDown(0.4);
        return;
      }
      case 'list': {
        for (const item of b.items) {
          const style = { size: BODY, width: width - 12 };
          room(t.heightOf(item, style));
          const y = pdf.y;
          t.draw('•', MARGIN, y, { size: BODY, ascent: t.ascentOf(item, style) });
          t.draw(item, MARGIN + 12, y, style);
          moveDown(0.25);
        }
        moveDown(0.3);
        return;
      }
      case 'table':
        drawTable(b);
        return;
      case 'chart': {
        const { w, h } = chartSize(b);
        room(h);
        // Each text of the chart split into runs, each naming the face that has its glyphs.
        const chart = svgWithFontRuns(b.svg, fonts);
        const names = new Set([...chart.faces].map((f) => t.use(f)));
        chartMissing += chart.missing;
        SVGtoPDF(pdf, chart.svg, MARGIN, pdf.y, {
          width: w,
          height: h,
          preserveAspectRatio: 'xMinYMin meet',
          fontCallback: (family) => (names.has(family) ? family : 'Helvetica'),
        });
        pdf.y += h + 6;
        return;
      }
    }
  }

  function drawTable(b: Extract<Block, { kind: 'table' }>) {
    const size = BODY - 1;
    const pad = 3;
    const head = { size, bold: true };
    const cell = { size };
    // Columns as wide as their content needs, shrunk in proportion when the table is too wide, but
    // never narrower than their longest word (headers are bold).
    const natural = b.headers.map((h, i) => Math.max(t.widthOf(h, head), ...b.rows.map((r) => t.widthOf(r[i] ?? '', cell))) + 2 * pad + 1);
    const minimum = b.headers.map(
      (h, i) => Math.min(90, Math.max(t.longestWordOf(h, head), ...b.rows.map((r) => t.longestWordOf(r[i] ?? '', cell)))) + 2 * pad + 1,
    );
    const total = natural.reduce((s, x) => s + x, 0);
    const widths = total <= width ? natural : shrink(natural, minimum, width);
    const styleOf = (i: number, header: boolean): TextStyle => ({
      size,
      bold: header,
      width: widths[i]! - 2 * pad,
      align: b.numeric[i] && !header ? 'right' : 'left',
    });
    // The cells of a row share their first baseline, though a Chinese font sits higher than a Latin one.
    const baseline = (cells: string[], header: boolean) => Math.max(...cells.map((c, i) => t.ascentOf(c, styleOf(i, header))));
    const heightOf = (cells: string[], header: boolean) => {
      const a = baseline(cells, header);
      return Math.max(...cells.map((c, i) => t.heightOf(c, styleOf(i, header)) + a - t.ascentOf(c, styleOf(i, header)))) + 2 * pad;
    };
    const row = (cells: string[], header: boolean) => {
      const h = heightOf(cells, header);
      if (pdf.y + h > bottom()) {
        pdf.addPage();
        if (!header) row(b.headers, true);
      }
      const y = pdf.y;
      const ascent = baseline(cells, header);
      let x = MARGIN;
      if (header)
        pdf
          .rect(
            MARGIN,
            y,
            widths.reduce((s, w) => s + w, 0),
            h,
          )
          .fill('#f0f0f0');
      cells.forEach((c, i) => {
        const w = widths[i]!;
        pdf.rect(x, y, w, h).lineWidth(0.5).strokeColor('#bbbbbb').stroke();
        t.draw(c, x + pad, y + pad, { ...styleOf(i, header), ascent });
        x += w;
      });
      pdf.y = y + h;
    };
    room(heightOf(b.headers, true) + heightOf(b.rows[0] ?? b.headers, false));
    row(b.headers, true);
    for (const r of b.rows) row(r, false);
    pdf.x = MARGIN;
    moveDown(0.8, size);
  }

  // Footer on every page: the title and "page i of n".
  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    const y = pdf.page.height - MARGIN + 10;
    // One line each: a long title is cut rather than wrapped below the page.
    const footer = { size: FOOTER, color: '#888888', width: width / 2, maxLines: 1 };
    t.draw(doc.title, MARGIN, y, footer);
    t.draw(`${i + 1} / ${range.count}`, MARGIN + width / 2, y, { ...footer, align: 'right' });
  }
  pdf.end();
  await ended;
  const missing = t.missing() + chartMissing;
  if (missing) fonts.noteMissing(missing);
  return { pdf: Buffer.concat(chunks), pages: range.count, missingGlyphs: [...missing].length };
}

/** Column widths that add up to `total`: each column keeps its minimum, the rest shared as the natural widths are. */
function shrink(natural: number[], minimum: number[], total: number): number[] {
  const spare = total - minimum.reduce((s, x) => s + x, 0);
  const extra = natural.map((n, i) => Math.max(0, n - minimum[i]!));
  const want = extra.reduce((s, x) => s + x, 0);
  return natural.map((_, i) => minimum[i]! + (want > 0 ? (extra[i]! * Math.max(0, spare)) / want : 0));
}
