import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { FmsError } from '../shared/errors.ts';
import type { FontChoice } from './report-font.ts';
import type { Block, ReportDocument } from './report-document.ts';

/**
 * The report as a PDF, drawn with pdfkit from the same document as the HTML page (no browser needed).
 * Charts are the same server-rendered SVG, drawn as vectors. Latin text can use the PDF's built-in
 * Helvetica; Chinese needs a font with CJK glyphs — FMS_REPORT_FONT, or one of the usual system
 * fonts (Debian: fonts-wqy-microhei or fonts-noto-cjk).
 */

const PT_PER_PX = 0.75;
const MARGIN = 50;
const BODY = 9.5;
const FOOTER = 8;

/** Characters Helvetica (WinAnsi) lacks, written the way a typewriter would. */
const ascii: Record<string, string> = { '−': '-', '≥': '>=', '≤': '<=', '→': '->', '×': 'x', '…': '...' };
const winAnsi = /[^\x20-\x7e\xa0-\xff–—‘’“”•€…]/g;

export interface PdfResult {
  pdf: Buffer;
  pages: number;
}

export async function renderPdf(doc: ReportDocument, font?: FontChoice): Promise<PdfResult> {
  if (!font && doc.language === 'zh') {
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

  const regular = font ? 'report' : 'Helvetica';
  const bold = font ? 'report' : 'Helvetica-Bold';
  if (font) pdf.registerFont('report', font.path, font.face as string);
  const clean = font ? (s: string) => s : (s: string) => s.replace(winAnsi, (c) => ascii[c] ?? '?');
  const width = pdf.page.width - 2 * MARGIN;
  const bottom = () => pdf.page.height - MARGIN - FOOTER * 2;
  const room = (h: number) => {
    if (pdf.y + h > bottom()) pdf.addPage();
  };
  const write = (s: string, size: number, face: string) => {
    pdf.font(face).fontSize(size).fillColor('#222222');
    pdf.text(clean(s), MARGIN, pdf.y, { width });
  };

  write(doc.title, 18, bold);
  pdf.moveDown(0.2);
  pdf.font(regular).fontSize(BODY).fillColor('#666666').text(clean(doc.subtitle), MARGIN, pdf.y, { width });
  pdf.moveDown(0.6);

  for (const b of doc.blocks) drawBlock(b);

  function drawBlock(b: Block) {
    switch (b.kind) {
      case 'heading': {
        const size = b.level === 2 ? 13 : 11;
        // A heading never ends a page: keep room for it and a few lines after it.
        room(size * 1.6 + BODY * 5);
        pdf.moveDown(b.level === 2 ? 0.8 : 0.4);
        write(b.text, size, bold);
        if (b.level === 2) {
          pdf
            .moveTo(MARGIN, pdf.y + 1)
            .lineTo(MARGIN + width, pdf.y + 1)
            .lineWidth(1)
            .strokeColor('#444466')
            .stroke();
          pdf.moveDown(0.4);
        }
        return;
      }
      case 'paragraph': {
        pdf.font(regular).fontSize(BODY);
        room(pdf.heightOfString(clean(b.text), { width }));
        pdf.fillColor(b.muted ? '#666666' : '#222222').text(clean(b.text), MARGIN, pdf.y, { width });
        pdf.moveDown(0.4);
        return;
      }
      case 'list': {
        pdf.font(regular).fontSize(BODY).fillColor('#222222');
        for (const item of b.items) {
          room(pdf.heightOfString(clean(item), { width: width - 12 }));
          const y = pdf.y;
          pdf.text('•', MARGIN, y, { width: 10 });
          pdf.text(clean(item), MARGIN + 12, y, { width: width - 12 });
          pdf.moveDown(0.25);
        }
        pdf.moveDown(0.3);
        return;
      }
      case 'table':
        drawTable(b);
        return;
      case 'chart': {
        const scale = Math.min(1, width / (b.width * PT_PER_PX));
        const w = b.width * PT_PER_PX * scale;
        const h = b.height * PT_PER_PX * scale;
        room(h);
        SVGtoPDF(pdf, b.svg, MARGIN, pdf.y, { width: w, height: h, preserveAspectRatio: 'xMinYMin meet', fontCallback: () => regular });
        pdf.y += h + 6;
        return;
      }
    }
  }

  function drawTable(b: Extract<Block, { kind: 'table' }>) {
    const size = BODY - 1;
    const pad = 3;
    pdf.font(regular).fontSize(size);
    // Columns as wide as their content needs, shrunk in proportion when the table is too wide, but
    // never narrower than their longest word (headers are bold).
    const measure = (face: string, c: string) => pdf.font(face).fontSize(size).widthOfString(clean(c));
    const longestWord = (face: string, c: string) =>
      Math.max(
        0,
        ...clean(c)
          .split(/\s+/)
          .map((w) => pdf.font(face).fontSize(size).widthOfString(w)),
      );
    const natural = b.headers.map((h, i) => Math.max(measure(bold, h), ...b.rows.map((r) => measure(regular, r[i] ?? ''))) + 2 * pad + 1);
    const minimum = b.headers.map((h, i) => Math.min(90, Math.max(longestWord(bold, h), ...b.rows.map((r) => longestWord(regular, r[i] ?? '')))) + 2 * pad + 1);
    const total = natural.reduce((s, x) => s + x, 0);
    const widths = total <= width ? natural : shrink(natural, minimum, width);
    const heightOf = (cells: string[]) => Math.max(...cells.map((c, i) => pdf.heightOfString(clean(c), { width: widths[i]! - 2 * pad }))) + 2 * pad;
    const row = (cells: string[], header: boolean) => {
      pdf.font(header ? bold : regular).fontSize(size);
      const h = heightOf(cells);
      if (pdf.y + h > bottom()) {
        pdf.addPage();
        if (!header) row(b.headers, true);
        pdf.font(regular).fontSize(size);
      }
      const y = pdf.y;
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
        pdf.fillColor('#222222').text(clean(c), x + pad, y + pad, { width: w - 2 * pad, align: b.numeric[i] && !header ? 'right' : 'left' });
        x += w;
      });
      pdf.y = y + h;
    };
    room(heightOf(b.headers) + heightOf(b.rows[0] ?? b.headers));
    row(b.headers, true);
    for (const r of b.rows) row(r, false);
    pdf.x = MARGIN;
    pdf.moveDown(0.8);
  }

  // Footer on every page: the title and "page i of n".
  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    // Text below the bottom margin would start a new page: the footer lifts the margin while it writes.
    pdf.page.margins.bottom = 0;
    const y = pdf.page.height - MARGIN + 10;
    pdf.font(regular).fontSize(FOOTER).fillColor('#888888');
    pdf.text(clean(doc.title), MARGIN, y, { width: width / 2, lineBreak: false });
    pdf.text(`${i + 1} / ${range.count}`, MARGIN + width / 2, y, { width: width / 2, align: 'right', lineBreak: false });
  }
  pdf.end();
  await ended;
  return { pdf: Buffer.concat(chunks), pages: range.count };
}

/** Column widths that add up to `total`: each column keeps its minimum, the rest shared as the natural widths are. */
function shrink(natural: number[], minimum: number[], total: number): number[] {
  const spare = total - minimum.reduce((s, x) => s + x, 0);
  const extra = natural.map((n, i) => Math.max(0, n - minimum[i]!));
  const want = extra.reduce((s, x) => s + x, 0);
  return natural.map((_, i) => minimum[i]! + (want > 0 ? (extra[i]! * Math.max(0, spare)) / want : 0));
}
