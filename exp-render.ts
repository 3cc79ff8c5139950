import { writeFileSync } from 'node:fs';
import { renderHtml } from './services/reports/render-html.ts';
import { renderPdf } from './services/reports/render-pdf.ts';
import { reportDocument } from './services/reports/report-document.ts';
import { findFont } from './services/reports/report-font.ts';
import { buildReport } from './services/reports/report.ts';
import { fixtureReportData } from './services/reports/testing/fixture.ts';
const data = fixtureReportData();
const r = buildReport(data);
for (const lang of ['en', 'zh'] as const) {
  const doc = await reportDocument(r, data.series, lang);
  writeFileSync(`/tmp/exp/${lang}.html`, renderHtml(doc));
  writeFileSync(`/tmp/exp/${lang}.pdf`, (await renderPdf(doc, findFont())).pdf);
}
