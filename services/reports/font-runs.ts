import { readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';
import type { Logger } from 'pino';
import type { FontChoice, FontFamily } from './report-font.ts';

/**
 * Which font draws which character. Each string is split into runs that one font covers: every
 * character goes to the first font of the list that has a glyph for it (pdfkit draws a missing glyph
 * as .notdef, an empty box, and says nothing). The built-in Helvetica closes every list: it covers
 * WinAnsi (Latin-1 and a few signs), which is enough for an English report on a host with no fonts.
 */

/** A face a report can draw with: a font file, or pdfkit's built-in Helvetica. */
export interface Face {
  /** Name the face is registered under in a pdfkit document. */
  readonly name: string;
  /** The font file's bytes to register (read once), and its face in a collection; undefined for a built-in font. */
  source(): { data: Buffer; face?: string | undefined } | undefined;
  /** Whether the face has a glyph for this code point. */
  has(codePoint: number): boolean;
  /** Height above the baseline, in ems. */
  ascent(): number;
  /** Line height with the font's own line gap, in ems (pdfkit's currentLineHeight(true)). */
  lineHeight(): number;
}

/** Part of a string drawn in one face. */
export interface Run {
  text: string;
  face: Face;
  /** For a replacement mark: the characters no font had, which it stands for. */
  missing?: string;
}

/** The report's fonts. */
export interface ReportFonts {
  /** The regular faces in order of preference, Helvetica last. */
  readonly regular: readonly Face[];
  /** The bold faces in order of preference, Helvetica-Bold last. */
  readonly bold: readonly Face[];
  /** `text` split into runs, each in the first face that has its glyphs; what no face has is a visible replacement. */
  runs(text: string, bold?: boolean): Run[];
  /** Whether every character of `text` has a glyph in one of the regular faces. */
  covers(text: string): boolean;
  /** Logs, once per script, characters no font has (drawn as replacement marks, or a PDF refused), with the package that would fix it. */
  noteMissing(chars: string): void;
}

/** Characters WinAnsi lacks, written as a typewriter would when no font has them. */
const typewriter: Record<string, string> = { '−': '-', '≥': '>=', '≤': '<=', '→': '->' };
/** WinAnsiEncoding (PDF 32000-1, Annex D.2): what pdfkit's built-in Helvetica can draw. */
const winAnsi = /^[\x20-\x7e\xa0-\xff€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]$/u;
const REPLACEMENT = 0xfffd;
/** Helvetica's metrics from its AFM: ascender 718, descender -207, bounding box -225..931 (pdfkit's line gap). */
const helvetica = { ascent: 0.718, lineHeight: 1.156 };

const scripts = ['Han', 'Hiragana', 'Katakana', 'Bopomofo', 'Hangul', 'Latin', 'Greek', 'Cyrillic', 'Arabic', 'Hebrew', 'Thai', 'Devanagari'].map((s) => ({
  name: s,
  test: new RegExp(`\\p{Script_Extensions=${s}}`, 'u'),
}));
/** The Debian package whose fonts draw a script. */
const packageFor: Record<string, string> = {
  Han: 'fonts-wqy-microhei or fonts-noto-cjk',
  Bopomofo: 'fonts-noto-cjk',
  Hiragana: 'fonts-noto-cjk',
  Katakana: 'fonts-noto-cjk',
  Hangul: 'fonts-noto-cjk',
  Latin: 'fonts-dejavu-core',
  Greek: 'fonts-dejavu-core',
  Cyrillic: 'fonts-dejavu-core',
};

/** The Unicode script a character belongs to, for messages ('Common' for punctuation and signs). */
export function scriptOf(char: string): string {
  return scripts.find((s) => s.test.test(char))?.name ?? 'Common';
}

/**
 * The report's fonts from the typefaces found (`findFonts`), in that order, then Helvetica. Given a
 * function, the typefaces are looked for when the first PDF is drawn (not at every start). A font
 * file is read the first time one of its glyphs is asked for, so the CJK fonts stay unread while
 * the text is Latin. A file that cannot be read is logged and left out.
 */
export function reportFonts(families: readonly FontFamily[] | (() => readonly FontFamily[]), log?: Logger): ReportFonts {
  let lists: { regular: Face[]; bold: Face[] } | undefined;
  const faces = () => {
    if (lists) return lists;
    const found = typeof families === 'function' ? families() : families;
    const byFile = new Map<string, Face>();
    const faceOf = (choice: FontChoice) => {
      const key = `${choice.path}#${choice.face ?? ''}`;
      let face = byFile.get(key);
      if (!face) byFile.set(key, (face = fileFace(`fms-${byFile.size}`, choice, log)));
      return face;
    };
    return (lists = {
      regular: [...found.map((f) => faceOf(f.regular)), builtinFace('Helvetica')],
      bold: [...found.map((f) => faceOf(f.bold ?? f.regular)), builtinFace('Helvetica-Bold')],
    });
  };
  const logged = new Set<string>();

  function runs(text: string, isBold = false): Run[] {
    const list = isBold ? faces().bold : faces().regular;
    const out: Run[] = [];
    const faceFor = (cp: number) => list.find((f) => f.has(cp));
    const push = (s: string, face: Face, missing?: string) => {
      const last = out.at(-1);
      if (last && last.face === face && (last.missing === undefined) === (missing === undefined)) {
        last.text += s;
        if (missing !== undefined) last.missing += missing;
      } else out.push(missing === undefined ? { text: s, face } : { text: s, face, missing });
    };
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (/\p{Default_Ignorable_Code_Point}/u.test(ch)) continue;
      if (/\s/u.test(ch)) {
        // A space or line break stays in the run before it (fewer font switches); one no font has is a plain space.
        const last = out.at(-1);
        const before = last && last.missing === undefined ? last.face : undefined;
        const face = before && (ch === '\n' || before.has(cp)) ? before : (faceFor(cp) ?? faceFor(0x20)!);
        push(ch === '\n' || face.has(cp) ? ch : ' ', face);
        continue;
      }
      const face = faceFor(cp);
      if (face) {
        push(ch, face);
        continue;
      }
      const spelled = typewriter[ch];
      if (spelled && [...spelled].every((c) => faceFor(c.codePointAt(0)!))) {
        for (const c of spelled) push(c, faceFor(c.codePointAt(0)!)!);
        continue;
      }
      // Never an empty box: a mark the reader sees, counted by the caller.
      const mark = faceFor(REPLACEMENT) ? '\ufffd' : '?';
      push(mark, faceFor(mark.codePointAt(0)!)!, ch);
    }
    return out;
  }

  return {
    get regular() {
      return faces().regular;
    },
    get bold() {
      return faces().bold;
    },
    runs,
    covers: (text) => [...text].every((ch) => /\s/u.test(ch) || faces().regular.some((f) => f.has(ch.codePointAt(0)!))),
    noteMissing(chars) {
      const byScript = new Map<string, string>();
      for (const ch of new Set(chars)) {
        const s = scriptOf(ch);
        const sample = byScript.get(s) ?? '';
        if (!logged.has(s) && [...sample].length < 8) byScript.set(s, sample + ch);
      }
      for (const [script, sample] of byScript) {
        logged.add(script);
        const fix = packageFor[script] ?? 'fonts-noto-core';
        log?.warn({ script, sample, fix: `apt-get install ${fix}, or set FMS_REPORT_FONT` }, 'report fonts lack glyphs for a script');
      }
    },
  };
}

function builtinFace(name: 'Helvetica' | 'Helvetica-Bold'): Face {
  return {
    name,
    source: () => undefined,
    has: (cp) => winAnsi.test(String.fromCodePoint(cp)),
    ascent: () => helvetica.ascent,
    lineHeight: () => helvetica.lineHeight,
  };
}

function fileFace(name: string, choice: FontChoice, log?: Logger): Face {
  let loaded: { data: Buffer; font: fontkit.Font } | null | undefined;
  const load = () => {
    if (loaded !== undefined) return loaded;
    try {
      const data = readFileSync(choice.path);
      const font = fontkit.create(data, choice.face) as fontkit.Font | fontkit.FontCollection | null;
      if (!font) throw new Error(`no face "${choice.face}" in the collection`);
      if ('fonts' in font) throw new Error(`a font collection: name a face (${font.fonts.map((f) => f.postscriptName).join(', ')})`);
      loaded = { data, font };
    } catch (err) {
      log?.warn({ err, path: choice.path, face: choice.face }, 'report font could not be read');
      loaded = null;
    }
    return loaded;
  };
  const em = () => load()?.font.unitsPerEm ?? 1000;
  return {
    name,
    source: () => {
      const l = load();
      return l ? { data: l.data, face: choice.face } : undefined;
    },
    has: (cp) => load()?.font.hasGlyphForCodePoint(cp) ?? false,
    ascent: () => (load()?.font.ascent ?? 0) / em(),
    lineHeight: () => {
      const f = load()?.font;
      return f ? (f.ascent - f.descent + f.lineGap) / em() : 0;
    },
  };
}
