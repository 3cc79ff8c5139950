import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as fontkit from 'fontkit';

/** A font file, and for a collection (.ttc) the PostScript name of the face inside it. */
export interface FontChoice {
  path: string;
  face?: string | undefined;
}

/** A typeface for report PDFs: its regular face and, when the family has one, its bold face. */
export interface FontFamily {
  regular: FontChoice;
  bold?: FontChoice | undefined;
}

interface KnownFamily {
  regular: string;
  bold?: string;
}

/**
 * Families FMS looks for, by file name, in the order their glyphs are preferred. A Latin font comes
 * first so digits, dates and ids look alike in every language; the CJK fonts follow for Chinese. Droid
 * Sans Fallback (fonts-droid-fallback, pulled in by Ghostscript) has CJK glyphs but no Latin ones, so
 * it can never be the only font (issue #14).
 */
const knownFamilies: readonly KnownFamily[] = [
  { regular: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' }, // fonts-dejavu-core
  { regular: 'LiberationSans-Regular.ttf', bold: 'LiberationSans-Bold.ttf' }, // fonts-liberation
  { regular: 'NotoSans-Regular.ttf', bold: 'NotoSans-Bold.ttf' }, // fonts-noto-core
  { regular: 'NotoSansCJK-Regular.ttc#NotoSansCJKsc-Regular', bold: 'NotoSansCJK-Bold.ttc#NotoSansCJKsc-Bold' }, // fonts-noto-cjk
  { regular: 'wqy-microhei.ttc#WenQuanYiMicroHei' }, // fonts-wqy-microhei
  { regular: 'wqy-zenhei.ttc#WenQuanYiZenHei' }, // fonts-wqy-zenhei
  { regular: 'DroidSansFallbackFull.ttf' }, // fonts-droid-fallback
  { regular: 'DroidSansFallback.ttf' },
];

/** Where fonts are when fontconfig's fc-list is not there to say. */
const fontFolders = ['/usr/share/fonts', '/usr/local/share/fonts', path.join(os.homedir(), '.fonts'), path.join(os.homedir(), '.local/share/fonts')];

/** Parses FMS_REPORT_FONT: `path/to/font.ttf`, `.otf`, or `path/to/fonts.ttc#PostScriptName`. */
export function parseFontSetting(value: string): FontChoice {
  const [file, face] = value.split('#');
  if (!file || !/\.(ttf|otf|ttc)$/i.test(file)) throw new Error(`expected a .ttf, .otf or .ttc file (a .ttc with #PostScriptName), got "${value}"`);
  if (/\.ttc$/i.test(file) && !face)
    throw new Error(`"${value}" is a font collection: name the face as ${file}#PostScriptName (fc-scan --format '%{postscriptname}\\n' ${file} lists them)`);
  if (!existsSync(file)) throw new Error(`no font file at ${file}`);
  let opened: fontkit.Font | fontkit.FontCollection;
  try {
    opened = fontkit.openSync(file);
  } catch (err) {
    throw new Error(`${file} is not a font fontkit can read: ${(err as Error).message}`, { cause: err });
  }
  // A wrong face name would otherwise fail only when the first PDF is drawn.
  if ('fonts' in opened) {
    const names = opened.fonts.map((f) => f.postscriptName);
    if (face && !names.includes(face)) throw new Error(`${file} has no face "${face}": expected one of ${names.join(', ')}`);
  }
  return { path: file, face };
}

/**
 * The report's typefaces in the order their glyphs are used: the configured font (FMS_REPORT_FONT)
 * first, then the known families found among `files` (default: every font file on the machine).
 * Without any, PDFs fall back to the built-in Helvetica (Latin only).
 */
export function findFonts(configured?: FontChoice, files: readonly string[] = fontFiles()): FontFamily[] {
  const byName = new Map<string, string>();
  // A file found twice (a copy in ~/.fonts) is the same typeface: the first path wins.
  for (const f of files) if (!byName.has(path.basename(f))) byName.set(path.basename(f), f);
  const choice = (spec: string | undefined): FontChoice | undefined => {
    const [file, face] = (spec ?? '').split('#');
    const found = file ? byName.get(file) : undefined;
    return found ? { path: found, face } : undefined;
  };
  const families: FontFamily[] = configured ? [{ regular: configured }] : [];
  for (const k of knownFamilies) {
    const regular = choice(k.regular);
    if (regular && !(regular.path === configured?.path && regular.face === configured.face)) families.push({ regular, bold: choice(k.bold) });
  }
  return families;
}

/** Every font file fontconfig knows of (fc-list), else those in the usual font folders. */
export function fontFiles(): string[] {
  try {
    return execFileSync('fc-list', ['--format', '%{file}\n'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter(Boolean);
  } catch {
    return fontFolders.flatMap((d) => filesUnder(d, 4));
  }
}

function filesUnder(dir: string, depth: number): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return depth > 0 ? filesUnder(p, depth - 1) : [];
    return /\.(ttf|otf|ttc)$/i.test(e.name) ? [p] : [];
  });
}
