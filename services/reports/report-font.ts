import { existsSync } from 'node:fs';

/** A font file, and for a collection (.ttc) the PostScript name of the face inside it. */
export interface FontChoice {
  path: string;
  face?: string | undefined;
}

/** System fonts with Latin and CJK glyphs, looked for in this order when FMS_REPORT_FONT is not set. */
export const systemFonts: readonly FontChoice[] = [
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', face: 'WenQuanYiMicroHei' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', face: 'WenQuanYiZenHei' },
  { path: '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf' },
];

/** Parses FMS_REPORT_FONT: `path/to/font.ttf`, `.otf`, or `path/to/fonts.ttc#PostScriptName`. */
export function parseFontSetting(value: string): FontChoice {
  const [file, face] = value.split('#');
  if (!file || !/\.(ttf|otf|ttc)$/i.test(file)) throw new Error(`expected a .ttf, .otf or .ttc file (a .ttc with #PostScriptName), got "${value}"`);
  if (/\.ttc$/i.test(file) && !face)
    throw new Error(`"${value}" is a font collection: name the face as ${file}#PostScriptName (fc-scan --format '%{postscriptname}\\n' ${file} lists them)`);
  if (!existsSync(file)) throw new Error(`no font file at ${file}`);
  return { path: file, face };
}

/** The font to use: the configured one, else the first system font present, else none (Helvetica, Latin only). */
export function findFont(configured?: FontChoice): FontChoice | undefined {
  return configured ?? systemFonts.find((f) => existsSync(f.path));
}
