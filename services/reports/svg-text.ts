import type { Face, ReportFonts } from './font-runs.ts';

/**
 * A chart's SVG with its text split into runs, each a <tspan> whose font-family names the face that
 * has its glyphs (svg-to-pdfkit sets each tspan in the font its fontCallback returns for the family).
 * A Chinese axis title such as "振动（mm/s）" then takes its letters from the Latin font and its
 * ideographs from the CJK one.
 */
export function svgWithFontRuns(svg: string, fonts: ReportFonts): { svg: string; faces: Set<Face>; missing: string } {
  const faces = new Set<Face>();
  let missing = '';
  const out = svg.replace(/(<text\b[^>]*>)([\s\S]*?)(<\/text>)/g, (_, open: string, inner: string, close: string) => {
    const bold = /\bfont-weight="(bold|[6-9]00)"/.test(open);
    // Tags at odd indexes, text between them at even ones.
    const parts = inner.split(/(<[^>]*>)/);
    const body = parts
      .map((part, i) => {
        if (i % 2 === 1 || !part.trim()) return part;
        return fonts
          .runs(unescapeXml(part), bold)
          .map((r) => {
            faces.add(r.face);
            missing += r.missing ?? '';
            return `<tspan font-family="${r.face.name}">${escapeXml(r.text)}</tspan>`;
          })
          .join('');
      })
      .join('');
    return open + body + close;
  });
  return { svg: out, faces, missing };
}

const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return named[e] ?? m;
  });
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
