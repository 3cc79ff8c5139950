import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../testing/console.ts';
import { requireProgram } from '../testing/harness.ts';
import { renderHtml } from './render-html.ts';
import { reportDocument } from './report-document.ts';
import { buildReport } from './report.ts';
import { fixtureReportData } from './testing/fixture.ts';

const browserProgram = requireProgram('chromium', 'chromium');

describe.skipIf(!browserProgram.available)(`the report page in a real browser, JavaScript off ${browserProgram.reason}`, () => {
  let browser: Browser;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fms-report-page-'));

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(language: 'en' | 'zh', width: number) {
    const data = fixtureReportData();
    const file = path.join(dir, `report-${language}.html`);
    writeFileSync(file, renderHtml(await reportDocument(buildReport(data), data.series, language)));
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href);
    return { page, context };
  }

  it('shows every chart drawn at a readable size and every section, without scrolling sideways', async () => {
    const { page, context } = await open('en', 1024);
    try {
      expect(await page.locator('h1').textContent()).toBe('Maintenance report · all sites');
      expect(await page.locator('h2').allTextContents()).toContain('Act on these first');
      const charts = page.locator('figure svg');
      expect(await charts.count()).toBe(4);
      for (const chart of await charts.all()) {
        const box = (await chart.boundingBox())!;
        expect(box.width).toBeGreaterThan(250);
        expect(box.height).toBeGreaterThan(60);
      }
      // The risk chart's bar is really drawn, on the 0–500 scale: p1's risk 108 is a fifth of the chart.
      const riskChart = (await charts.first().boundingBox())!;
      const bar = (await page.locator('figure').first().locator('path[aria-roledescription="bar"]').first().boundingBox())!;
      expect(bar.width / riskChart.width).toBeGreaterThan(0.1);
      expect(bar.width / riskChart.width).toBeLessThan(0.3);
      expect(await page.locator('table').first().locator('td').first().textContent()).toBe('P1 · Plant room B1 (p1)');
      // A string, evaluated in the page: this project's TypeScript has no DOM types.
      const widths = (await page.evaluate('({ content: document.documentElement.scrollWidth, window: window.innerWidth })')) as {
        content: number;
        window: number;
      };
      expect(widths.content).toBeLessThanOrEqual(widths.window);
      if (process.env.FMS_KEEP_SCREENSHOT) await page.screenshot({ path: process.env.FMS_KEEP_SCREENSHOT, fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('lays out in Chinese on a phone-sized screen: charts shrink to fit', async () => {
    const { page, context } = await open('zh', 390);
    try {
      expect(await page.locator('h1').textContent()).toBe('维保报告 · 全部项目');
      for (const chart of await page.locator('figure svg').all()) expect((await chart.boundingBox())!.width).toBeLessThanOrEqual(390);
    } finally {
      await context.close();
    }
  });
});
