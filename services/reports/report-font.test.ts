import { describe, expect, it } from 'vitest';
import { findFonts, parseFontSetting } from './report-font.ts';
import { requireTestFonts, wqy } from './testing/fonts.ts';

const t = '/usr/share/fonts/truetype';
const opentype = '/usr/share/fonts/opentype';

describe('finding the report fonts among the files fontconfig lists', () => {
  it('on a Debian host with Ghostscript’s Droid Sans Fallback, takes DejaVu Sans first for Latin and Droid for Chinese', () => {
    const files = [`${t}/droid/DroidSansFallbackFull.ttf`, `${t}/dejavu/DejaVuSansMono.ttf`, `${t}/dejavu/DejaVuSans-Bold.ttf`, `${t}/dejavu/DejaVuSans.ttf`];
    expect(findFonts(undefined, files)).toEqual([
      { regular: { path: `${t}/dejavu/DejaVuSans.ttf`, face: undefined }, bold: { path: `${t}/dejavu/DejaVuSans-Bold.ttf`, face: undefined } },
      { regular: { path: `${t}/droid/DroidSansFallbackFull.ttf`, face: undefined }, bold: undefined },
    ]);
  });

  it('orders the CJK fonts by preference and names the face of a collection', () => {
    const files = [
      `${t}/droid/DroidSansFallbackFull.ttf`,
      `${t}/wqy/wqy-microhei.ttc`,
      `${opentype}/noto/NotoSansCJK-Bold.ttc`,
      `${opentype}/noto/NotoSansCJK-Regular.ttc`,
    ];
    expect(findFonts(undefined, files).map((f) => [f.regular.path, f.regular.face, f.bold?.face])).toEqual([
      [`${opentype}/noto/NotoSansCJK-Regular.ttc`, 'NotoSansCJKsc-Regular', 'NotoSansCJKsc-Bold'],
      [`${t}/wqy/wqy-microhei.ttc`, 'WenQuanYiMicroHei', undefined],
      [`${t}/droid/DroidSansFallbackFull.ttf`, undefined, undefined],
    ]);
  });

  it('puts FMS_REPORT_FONT first and does not list it twice; a copy in another folder counts once', () => {
    const configured = { path: `${t}/wqy/wqy-microhei.ttc`, face: 'WenQuanYiMicroHei' };
    const files = [`${t}/wqy/wqy-microhei.ttc`, '/root/.fonts/DejaVuSans.ttf', `${t}/dejavu/DejaVuSans.ttf`];
    expect(findFonts(configured, files)).toEqual([
      { regular: configured },
      { regular: { path: '/root/.fonts/DejaVuSans.ttf', face: undefined }, bold: undefined },
    ]);
  });

  it('finds nothing on a host without the known fonts: the PDF falls back to Helvetica', () => {
    expect(findFonts(undefined, [`${t}/dejavu/DejaVuSerif.ttf`, '/usr/share/fonts/X11/misc/6x13.pcf.gz'])).toEqual([]);
  });
});

describe.skipIf(!requireTestFonts().available)('FMS_REPORT_FONT', () => {
  it('names a face of a collection, and a face it lacks is refused with those it has', () => {
    expect(parseFontSetting(`${wqy.regular.path}#WenQuanYiMicroHei`)).toEqual({ path: wqy.regular.path, face: 'WenQuanYiMicroHei' });
    expect(() => parseFontSetting(wqy.regular.path)).toThrow(/a font collection: name the face as .*#PostScriptName/);
    expect(() => parseFontSetting(`${wqy.regular.path}#WenQuanYi`)).toThrow(
      /has no face "WenQuanYi": expected one of WenQuanYiMicroHei, WenQuanYiMicroHeiMono/,
    );
    expect(() => parseFontSetting('/nowhere/font.ttf')).toThrow('no font file at /nowhere/font.ttf');
    expect(() => parseFontSetting('/etc/hostname')).toThrow(/expected a .ttf, .otf or .ttc file/);
  });
});
