import type { Block, ReportDocument } from './report-document.ts';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function block(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level}>${esc(b.text)}</h${b.level}>`;
    case 'paragraph':
      return `<p${b.muted ? ' class="muted"' : ''}>${esc(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
    case 'table': {
      const td = (c: string, i: number) => `<td${b.numeric[i] ? ' class="num"' : ''}>${esc(c)}</td>`;
      return `<table><thead><tr>${b.headers.map((h, i) => `<th${b.numeric[i] ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('')}</tbody></table>`;
    }
    case 'chart':
      // The SVG comes from vega's renderer over our own data; its text is escaped by vega.
      return `<figure role="img" aria-label="${esc(b.title)}">${b.svg}</figure>`;
  }
}

/** The report as one self-contained HTML page: charts are inline SVG, styles inline, no script. */
export function renderHtml(doc: ReportDocument): string {
  return `<!doctype html>
<html lang="${doc.language === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.title)}</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222;line-height:1.4}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #446;margin-top:2em;padding-bottom:.1em}
.sub,.muted{color:#666}ul{padding-left:1.2em}li{margin:.3em 0}
table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:.92em}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}figure{margin:.5em 0}svg{max-width:100%;height:auto}
@media print{h2{break-after:avoid}figure,tr{break-inside:avoid}}
</style>
</head><body>
<h1>${esc(doc.title)}</h1>
<p class="sub">${esc(doc.subtitle)}</p>
${doc.blocks.map(block).join('\n')}
</body></html>
`;
}
