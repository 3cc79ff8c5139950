import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../testing/harness.ts';
import { reportFonts, scriptOf, type ReportFonts } from './font-runs.ts';
import { dejavu, droid, requireTestFonts } from './testing/fonts.ts';

const installed = requireTestFonts();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fms-font-runs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs as [text, the family it is drawn in] for readable expectations. */
function named(fonts: ReportFonts, text: string, names: string[], bold = false) {
  const list = bold ? fonts.bold : fonts.regular;
  return fonts.runs(text, bold).map((r) => [r.text, names[list.indexOf(r.face)] ?? r.face.name, ...(r.missing ? [r.missing] : [])]);
}

describe('splitting text into runs by the glyphs each font has', () => {
  it('puts no font between text and its glyphs: Helvetica draws Latin when there is no font file, spelling out the signs it lacks', () => {
    const fonts = reportFonts([]);
    expect(fonts.runs('Chronic (≥ 3) − 2 → x…').map((r) => [r.text, r.face.name])).toEqual([['Chronic (>= 3) - 2 -> x…', 'Helvetica']]);
    expect(fonts.runs('Failures', true).map((r) => r.face.name)).toEqual(['Helvetica-Bold']);
  });

  it('names the script of a character for the log', () => {
    expect(['中', 'p', '한', 'ア', '1', '（'].map(scriptOf)).toEqual(['Han', 'Latin', 'Hangul', 'Katakana', 'Common', 'Common']);
  });
});

describe.skipIf(!installed.available)(`runs in real fonts ${installed.reason}`, () => {
  it('takes Latin, digits and dates from DejaVu and Chinese from Droid Sans Fallback, whichever is listed first', () => {
    const text = '振动（mm/s）约 9 天后达到 7.1';
    const expected = [
      ['振动（', 'droid'],
      ['mm/s', 'dejavu'],
      ['）约 ', 'droid'],
      ['9 ', 'dejavu'],
      ['天后达到 ', 'droid'],
      ['7.1', 'dejavu'],
    ];
    expect(named(reportFonts([droid, dejavu]), text, ['droid', 'dejavu'])).toEqual(expected);
    expect(named(reportFonts([dejavu, droid]), text, ['dejavu', 'droid'])).toEqual(expected);
    // Bold text takes DejaVu's bold face; Droid has none, so its regular face stands in.
    expect(named(reportFonts([dejavu, droid]), 'p1 · 振动', ['dejavu', 'droid'], true)).toEqual([
      ['p1 · ', 'dejavu'],
      ['振动', 'droid'],
    ]);
  });

  it('draws Latin in Helvetica when the only font is Droid Sans Fallback, which has none', () => {
    expect(named(reportFonts([droid]), 'P1 优先', ['droid', 'Helvetica'])).toEqual([
      ['P1 ', 'Helvetica'],
      ['优先', 'droid'],
    ]);
  });

  it('marks a character no font has with a visible replacement that says what it stands for', () => {
    expect(named(reportFonts([dejavu]), 'Site 滨江: ok', ['dejavu'])).toEqual([
      ['Site ', 'dejavu'],
      ['\ufffd\ufffd', 'dejavu', '滨江'],
      [': ok', 'dejavu'],
    ]);
    // Helvetica has no U+FFFD: a question mark.
    expect(named(reportFonts([]), 'Site 滨江', [])).toEqual([
      ['Site ', 'Helvetica'],
      ['??', 'Helvetica', '滨江'],
    ]);
    expect(reportFonts([dejavu]).covers('Site 3')).toBe(true);
    expect(reportFonts([dejavu]).covers('维保报告')).toBe(false);
    expect(reportFonts([dejavu, droid]).covers('维保报告')).toBe(true);
  });

  it('logs once per script which characters no font has and the package that brings them', () => {
    const { log, records } = captureLogger();
    const fonts = reportFonts([dejavu], log);
    fonts.noteMissing('滨江滨江');
    fonts.noteMissing('花园한');
    expect(records.map((r) => [r.level, r.msg, r.script, r.sample, r.fix])).toEqual([
      [40, 'report fonts lack glyphs for a script', 'Han', '滨江', 'apt-get install fonts-wqy-microhei or fonts-noto-cjk, or set FMS_REPORT_FONT'],
      [40, 'report fonts lack glyphs for a script', 'Hangul', '한', 'apt-get install fonts-noto-cjk, or set FMS_REPORT_FONT'],
    ]);
  });

  it('reads a font file only when an earlier font lacks a glyph, and leaves out one it cannot read', () => {
    const { log, records } = captureLogger();
    const broken = path.join(tmp, 'broken.ttf');
    writeFileSync(broken, 'not a font');
    const fonts = reportFonts([dejavu, { regular: { path: broken } }, droid], log);
    expect(named(fonts, 'p1 2026-12-10', ['dejavu', 'broken', 'droid'])).toEqual([['p1 2026-12-10', 'dejavu']]);
    expect(records).toEqual([]);
    expect(named(fonts, '报告', ['dejavu', 'broken', 'droid'])).toEqual([['报告', 'droid']]);
    expect(records).toEqual([expect.objectContaining({ level: 40, msg: 'report font could not be read', path: broken })]);
  });
});
