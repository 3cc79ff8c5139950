import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireProgram } from '../testing/harness.ts';
import { renderHtml } from './render-html.ts';
import { renderPdf } from './render-pdf.ts';
import { reportDocument, type ReportDocument } from './report-document.ts';
import { reportFonts } from './font-runs.ts';
import { buildReport } from './report.ts';
import { fixtureReportData } from './testing/fixture.ts';
import { dejavu, droid, requireTestFonts } from './testing/fonts.ts';

const data = fixtureReportData();
const report = buildReport(data);
const poppler = requireProgram('pdftoppm', 'poppler-utils');
// The fonts of a Debian host with Ghostscript, given explicitly (render-fonts.test.ts tries other sets).
const fontsInstalled = requireTestFonts();
const fonts = reportFonts([dejavu, droid]);
const helvetica = reportFonts([]);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fms-report-render-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sections = [
  'In brief',
  'Act on these first',
  'Degradation trends',
  'Health of the assets',
  'Reliability',
  'SLA compliance by priority',
  'Preventive maintenance',
  'Backlog and ageing',
  'Bad actors',
  'Satisfaction',
  'Rule precision',
];
const sectionsZh = [
  '摘要',
  '优先处理',
  '劣化趋势',
  '设备健康状况',
  '可靠性',
  '按优先级的时限达标率',
  '预防性维护',
  '积压与工单时长',
  '故障多发设备',
  '满意度',
  '规则准确率',
];

describe('the report document', () => {
  it('says in brief what to do and how the service did, with the fixture month’s figures', async () => {
    const doc = await reportDocument(report, data.series, 'en');
    expect(doc.title).toBe('Maintenance report · all sites');
    // The period ends at midnight: its last day is 30 November.
    expect(doc.subtitle).toBe('2026-11-01 to 2026-11-30 (UTC) · generated 2026-12-01 06:00');
    const brief = doc.blocks[1];
    expect(brief).toEqual({
      kind: 'list',
      items: [
        '1 asset needs attention: 1 repair to schedule.',
        // The fixture's path (2.2 mm/s, rising exponentially from 12 days before the end) reaches 7.1 on 7 December.
        'First: P1 · Plant room B1 (p1) — schedule a repair, because vibration (mm/s) likely reaches 7.1 in 6 days (4.5–9.9 days).',
        '80 % of the 5 work orders opened met their SLA (weakest: P2 at 50 %).',
        '2 of 3 preventive visits of the period done on time (66.7 %).',
        '2 work orders open at the end of the period.',
        'Residents rated 2 orders: 3.5 / 5 on average, 1 rated 2 or less.',
      ],
    });
    const tables = doc.blocks.filter((b) => b.kind === 'table');
    const act = tables[0]!;
    expect(act.rows).toEqual([
      [
        'P1 · Plant room B1 (p1)',
        String(report.risks[0]!.score),
        String(report.risks[0]!.risk),
        'Schedule a repair',
        'vibration (mm/s) likely reaches 7.1 in 6 days (4.5–9.9 days)',
        '2026-12-06 (2026-12-05 – 2026-12-10)',
      ],
    ]);
    const reliability = tables.find((t) => t.headers[0] === 'Group')!;
    expect(reliability.rows).toContainEqual(['pump', '3', '480', '6.7', '98.61', '30']);
    expect(reliability.numeric).toEqual([false, true, true, true, true, true]);
    expect(doc.blocks.filter((b) => b.kind === 'chart')).toHaveLength(4); // risks, p1's trend, SLA, bad actors
    expect(doc.blocks.filter((b) => b.kind === 'heading' && b.level === 2).map((b) => (b as { text: string }).text)).toEqual(sections);
  });

  it('is all Chinese in Chinese, explanations included', async () => {
    const doc = await reportDocument(report, data.series, 'zh');
    const text = JSON.stringify(doc.blocks.filter((b) => b.kind !== 'chart'));
    expect(doc.blocks.filter((b) => b.kind === 'heading' && b.level === 2).map((b) => (b as { text: string }).text)).toEqual(sectionsZh);
    expect(text).toContain('振动（mm/s）预计 6 天后达到 7.1（4.5–9.9 天）');
    expect(text).toContain('本期新开 5 张工单，80% 在时限内完成（最低：P2，50%）');
    expect(text).not.toMatch(/runs at|reaches|alarms? in the period|Schedule a repair/);
    // Asset types in the health and reliability tables are named in Chinese too.
    expect(text).toContain('["P1 · Plant room B1 (p1)","水泵","riverside"');
    expect(text).toContain('["门禁","1","720"');
    expect(text).not.toMatch(/"(pump|gate|elevator)"/);
  });
});

describe('the HTML page', () => {
  it('is one self-contained page without script, charts inline as SVG', async () => {
    const html = renderHtml(await reportDocument(report, data.series, 'en'));
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html.match(/<svg/g)).toHaveLength(4);
    for (const s of sections) expect(html).toContain(`<h2>${s.replace('&', '&amp;')}</h2>`);
    expect(html).toContain('<td>pump</td><td class="num">3</td><td class="num">480</td>');
    const zh = renderHtml(await reportDocument(report, data.series, 'zh'));
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain('<h1>维保报告 · 全部项目</h1>');
  });
});

describe.skipIf(!poppler.available || !fontsInstalled.available)(`the PDF, rendered by poppler ${poppler.reason}${fontsInstalled.reason}`, () => {
  const text = (file: string, page?: number) =>
    execFileSync('pdftotext', [...(page ? ['-f', String(page), '-l', String(page)] : []), '-layout', file, '-'], { encoding: 'utf8' });
  const pagesOf = (file: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
  /** Renders every page with pdftoppm (grey, 30 dpi) and returns the share of dark pixels on each. */
  const ink = (file: string, prefix: string) => {
    execFileSync('pdftoppm', ['-gray', '-r', '30', file, path.join(tmp, prefix)]);
    return readdirSync(tmp)
      .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.pgm'))
      .sort()
      .map((f) => {
        const pgm = readFileSync(path.join(tmp, f));
        // Binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel.
        const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 40).toString('latin1'))!;
        const pixels = pgm.subarray(header[0].length);
        let dark = 0;
        for (const p of pixels) if (p < 160) dark++;
        return dark / pixels.length;
      });
  };

  it('has every section in order, the figures, page numbers, and every page renders with content', async () => {
    const { pdf, pages } = await renderPdf(await reportDocument(report, data.series, 'en'), fonts);
    const file = path.join(tmp, 'en.pdf');
    writeFileSync(file, pdf);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pagesOf(file)).toBe(pages);
    expect(pages).toBeGreaterThanOrEqual(2);
    const all = text(file);
    let at = -1;
    for (const s of sections) {
      const i = all.indexOf(s, at + 1);
      expect(i, `section "${s}" after the previous one`).toBeGreaterThan(at);
      at = i;
    }
    expect(text(file, 1)).toContain('Maintenance report · all sites');
    expect(text(file, 1)).toMatch(/First: P1 · Plant room B1 \(p1\) — schedule a repair/);
    expect(all).toMatch(/pump\s+3\s+480\s+6\.7\s+98\.61\s+30/);
    expect(all).toMatch(new RegExp(`\\b1 ?/ ?${pages}\\b`));
    expect(text(file, pages)).toMatch(new RegExp(`\\b${pages} ?/ ?${pages}\\b`));
    const shares = ink(file, 'en');
    expect(shares).toHaveLength(pages);
    for (const s of shares) expect(s).toBeGreaterThan(0.005);
  });

  it('in Chinese, with DejaVu for Latin and Droid Sans Fallback for Chinese', async () => {
    const { pdf, pages } = await renderPdf(await reportDocument(report, data.series, 'zh'), fonts);
    const file = path.join(tmp, 'zh.pdf');
    writeFileSync(file, pdf);
    expect(pagesOf(file)).toBe(pages);
    const all = text(file);
    for (const s of sectionsZh) expect(all).toContain(s);
    expect(text(file, 1)).toContain('维保报告 · 全部项目');
    expect(all).toContain('振动（mm/s）预计 6 天后达到 7.1（4.5–9.9 天）');
    for (const s of ink(file, 'zh')) expect(s).toBeGreaterThan(0.005);
  });

  it('never ends a page with a heading: its chart moves to the next page with it', async () => {
    const chart = (await reportDocument(report, data.series, 'en')).blocks.filter((b) => b.kind === 'chart').sort((a, b) => b.height - a.height)[0]!;
    // Enough lines that the heading fits near the foot of page 1 but its chart does not.
    const filler = Array.from({ length: 38 }, (_, i) => ({ kind: 'paragraph' as const, text: `Line ${i + 1}.` }));
    const doc: ReportDocument = {
      language: 'en',
      title: 'Layout',
      subtitle: 'a heading near the foot of a page',
      blocks: [...filler, { kind: 'heading', level: 2, text: 'Risks by asset' }, chart],
    };
    const { pdf, pages } = await renderPdf(doc, fonts);
    const file = path.join(tmp, 'heading.pdf');
    writeFileSync(file, pdf);
    expect(pages).toBe(2);
    expect(text(file, 1)).toContain('Line 38.');
    expect(text(file, 1)).not.toContain('Risks by asset');
    expect(text(file, 2)).toContain('Risks by asset');
  });

  it('refuses a Chinese PDF without a CJK font, saying what to install', async () => {
    await expect(renderPdf(await reportDocument(report, data.series, 'zh'), helvetica)).rejects.toMatchObject({
      code: 'FMS_ERR_REPORT_FONT',
      message: expect.stringContaining('fonts-wqy-microhei'),
    });
  });

  it('writes Latin text in the built-in Helvetica when no font is given, symbols spelled out', async () => {
    const { pdf } = await renderPdf(await reportDocument(report, data.series, 'en'), helvetica);
    const file = path.join(tmp, 'helvetica.pdf');
    writeFileSync(file, pdf);
    const all = text(file);
    expect(all).toMatch(/Chronic \(>=/);
    expect(all).not.toContain('?');
  });
});
