import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { afterAll, describe, expect, it } from 'vitest';
import { captureLogger, requireProgram } from '../testing/harness.ts';
import { reportFonts, type ReportFonts } from './font-runs.ts';
import { renderPdf } from './render-pdf.ts';
import { reportDocument, type ReportDocument } from './report-document.ts';
import { findFonts, type FontFamily } from './report-font.ts';
import { buildReport } from './report.ts';
import { fixtureReportData } from './testing/fixture.ts';
import { dejavu, droid, requireTestFonts, wqy } from './testing/fonts.ts';
import { notdefGlyphs, pdfFontNames, pdfTextCompact } from './testing/pdf-check.ts';

// The report PDF drawn with controlled font sets (never the host's), read back as a user would see
// it: poppler's text, poppler's font list, and the glyphs the PDF draws (no .notdef boxes).
const data = fixtureReportData();
const report = buildReport(data);
const poppler = requireProgram('pdffonts', 'poppler-utils');
const installed = requireTestFonts();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fms-report-fonts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What fc-list says on a Debian host with DejaVu and Ghostscript's fonts-droid-fallback (and a monospace DejaVu it must not take). */
const debianHost = [
  droid.regular.path,
  '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
  dejavu.regular.path,
  dejavu.bold!.path,
  '/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf',
];

interface FontSet {
  name: string;
  families: () => FontFamily[];
  /** Fonts pdffonts lists for the English and the Chinese PDF; 'refused' when a Chinese PDF cannot be made. */
  en: string[];
  zh: string[] | 'refused';
}

const sets: FontSet[] = [
  {
    name: 'a Debian host with DejaVu and Droid Sans Fallback (found as fc-list lists them)',
    families: () => findFonts(undefined, debianHost),
    en: ['DejaVuSans', 'DejaVuSans-Bold'],
    zh: ['DejaVuSans', 'DejaVuSans-Bold', 'DroidSansFallback'],
  },
  {
    // What the old choice did, and what FMS_REPORT_FONT=DroidSansFallbackFull.ttf still does.
    name: 'Droid Sans Fallback first, then DejaVu',
    families: () => [droid, dejavu],
    en: ['DejaVuSans', 'DejaVuSans-Bold'],
    zh: ['DejaVuSans', 'DejaVuSans-Bold', 'DroidSansFallback'],
  },
  { name: 'DejaVu alone', families: () => [dejavu], en: ['DejaVuSans', 'DejaVuSans-Bold'], zh: 'refused' },
  { name: 'Droid Sans Fallback alone', families: () => [droid], en: ['Helvetica', 'Helvetica-Bold'], zh: ['DroidSansFallback', 'Helvetica', 'Helvetica-Bold'] },
  { name: 'WenQuanYi Micro Hei alone (a face of a .ttc)', families: () => [wqy], en: ['WenQuanYiMicroHei'], zh: ['WenQuanYiMicroHei'] },
  { name: 'no font file: the built-in Helvetica', families: () => [], en: ['Helvetica', 'Helvetica-Bold'], zh: 'refused' },
];

/** Every string of the document but the charts' as it should read, whitespace removed (lines wrap anywhere). */
function expectedTexts(doc: ReportDocument, fonts: ReportFonts): string[] {
  const texts = [doc.title, doc.subtitle];
  for (const b of doc.blocks) {
    if (b.kind === 'heading' || b.kind === 'paragraph') texts.push(b.text);
    if (b.kind === 'list') texts.push(...b.items);
    if (b.kind === 'table') texts.push(...b.headers, ...b.rows.flat());
  }
  // As drawn: where no font has a sign, Helvetica spells it as a typewriter would (≥ as >=).
  return texts
    .map((t) =>
      fonts
        .runs(t)
        .map((r) => r.text)
        .join('')
        .replace(/\s+/g, ''),
    )
    .filter(Boolean);
}

async function render(doc: ReportDocument, fonts: ReportFonts, name: string) {
  const result = await renderPdf(doc, fonts);
  const file = path.join(tmp, `${name}.pdf`);
  writeFileSync(file, result.pdf);
  return { ...result, file };
}

describe.skipIf(!poppler.available || !installed.available)(`report PDFs with a given set of fonts ${poppler.reason}${installed.reason}`, () => {
  it('the box check finds what the old font choice drew: English in Droid Sans Fallback alone is boxes', async () => {
    // The check below must be able to fail: pdfkit told to write Latin in a font without Latin glyphs.
    const pdf = new PDFDocument({ size: 'A6' });
    const chunks: Buffer[] = [];
    pdf.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve) => pdf.on('end', resolve));
    pdf.registerFont('droid', droid.regular.path).font('droid').text('Report p1 2026-12-10');
    pdf.end();
    await ended;
    const file = path.join(tmp, 'droid-alone.pdf');
    writeFileSync(file, Buffer.concat(chunks));
    expect(notdefGlyphs(Buffer.concat(chunks))).toBe(18); // every character but the two spaces
    expect(pdfTextCompact(file)).not.toContain('2026-12-10');
  });

  for (const set of sets) {
    describe(set.name, () => {
      const fonts = reportFonts(set.families());

      it(`English: every word, figure, date and id reads back, in ${set.en.join(', ')}, no box`, async () => {
        const doc = await reportDocument(report, data.series, 'en');
        const { pdf, file, missingGlyphs } = await render(doc, fonts, `${set.name}-en`);
        expect(notdefGlyphs(pdf)).toBe(0);
        expect(missingGlyphs).toBe(0);
        expect(pdfFontNames(file)).toEqual(set.en);
        const all = pdfTextCompact(file);
        const expected = expectedTexts(doc, fonts);
        expect(expected.length).toBeGreaterThan(50);
        for (const t of expected) expect(all, `"${t}" in the PDF's text`).toContain(t);
        expect(all).toContain('2026-12-10');
      });

      if (set.zh === 'refused') {
        it('Chinese: refused with the packages to install, not drawn as boxes', async () => {
          const { log, records } = captureLogger();
          const doc = await reportDocument(report, data.series, 'zh');
          await expect(renderPdf(doc, reportFonts(set.families(), log))).rejects.toMatchObject({
            code: 'FMS_ERR_REPORT_FONT',
            message: expect.stringContaining('fonts-wqy-microhei'),
          });
          expect(records).toContainEqual(expect.objectContaining({ script: 'Han', fix: expect.stringContaining('fonts-wqy-microhei') }));
        });
      } else {
        const zh = set.zh;
        it(`Chinese: every word, figure, date and id reads back, in ${zh.join(', ')}, no box`, async () => {
          const doc = await reportDocument(report, data.series, 'zh');
          const { pdf, file, missingGlyphs } = await render(doc, fonts, `${set.name}-zh`);
          expect(notdefGlyphs(pdf)).toBe(0);
          expect(missingGlyphs).toBe(0);
          expect(pdfFontNames(file)).toEqual(zh);
          const all = pdfTextCompact(file);
          for (const t of expectedTexts(doc, fonts)) expect(all, `"${t}" in the PDF's text`).toContain(t);
          expect(all).toContain('2026-12-10');
          expect(all).toContain('振动（mm/s）');
        });
      }
    });
  }

  it('a character no font has is a visible mark, counted, and its script logged once with the package to install', async () => {
    const { log, records } = captureLogger();
    const fonts = reportFonts([dejavu], log);
    // An English report about a site with a Chinese name, on a host without a CJK font.
    const doc: ReportDocument = {
      language: 'en',
      title: 'Maintenance report · 滨江花园',
      subtitle: '2026-11-01 to 2026-11-30 (UTC)',
      blocks: [{ kind: 'paragraph', text: 'Site 滨江花园: 3 assets, p1 needs a repair.' }],
    };
    const first = await render(doc, fonts, 'marks');
    await render(doc, fonts, 'marks-again');
    const all = pdfTextCompact(first.file);
    expect(notdefGlyphs(first.pdf)).toBe(0);
    // Title, paragraph and the footer's title: four marks each, each one counted.
    expect(first.missingGlyphs).toBe(12);
    expect(all.match(/\ufffd/g)).toHaveLength(12);
    expect(all).toContain('Site\ufffd\ufffd\ufffd\ufffd:3assets,p1needsarepair.');
    expect(records.filter((r) => r.msg === 'report fonts lack glyphs for a script')).toEqual([
      expect.objectContaining({ level: 40, script: 'Han', sample: '滨江花园', fix: expect.stringContaining('fonts-wqy-microhei or fonts-noto-cjk') }),
    ]);
  });
});
