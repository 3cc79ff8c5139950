import QRCode from 'qrcode';
import type { ApiClient } from '../api-client.ts';
import { listAll } from '../data.ts';
import { escapeHtml, html, raw, type Html } from '../html.ts';
import { page, type PageContext } from '../layout.ts';
import type { Asset } from './asset.ts';

const enc = encodeURIComponent;

/** Medium error correction: a label survives 15 % of its modules scratched or dirty (ISO/IEC 18004 level M). */
export const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 2 } as const;

/** The asset page's absolute address, which its label's QR code holds. */
export const assetUrl = (base: string, id: string) => `${base.replace(/\/+$/, '')}/assets/${enc(id)}`;

/** A QR code as SVG markup (FMS's own, from the qrcode package): black modules on white, scaled by CSS. */
export async function qrSvg(text: string, label: string): Promise<Html> {
  const svg = await QRCode.toString(text, { type: 'svg', ...QR_OPTIONS });
  return raw(svg.replace('<svg ', `<svg class="qr-svg" role="img" aria-label="${escapeHtml(label)}" `));
}

async function labelOf(ctx: PageContext, a: Asset, base: string): Promise<Html> {
  const url = assetUrl(base, a.id);
  return html`<article class="label" aria-label="${a.name || a.id}">
    <div class="qr">${await qrSvg(url, url)}</div>
    <div class="label-text">
      <strong class="label-name">${a.name || a.id}</strong>
      <span class="label-id">${a.id}</span>
      <span>${a.location || ''}${a.location ? ' · ' : ''}${a.site}</span>
      <span class="label-scan">${ctx.m.labelsPage.scan}</span>
      <span class="label-url">${url}</span>
    </div>
  </article>`;
}

const printBar = (ctx: PageContext) => html`<p class="no-print"><button type="button" data-print>${ctx.m.labelsPage.print}</button></p>`;

/** One asset's label, ready to print. */
export async function assetLabelPage(api: ApiClient, ctx: PageContext, id: string, base: string): Promise<string> {
  const a = await api.get<Asset>(`/api/assets/${enc(id)}`);
  const lp = ctx.m.labelsPage;
  return page(
    ctx,
    `${lp.title} · ${a.name || a.id}`,
    html`<p class="crumbs no-print">
        <a href="/assets/${enc(a.id)}">← ${a.name || a.id}</a> · <a href="/labels?site=${enc(a.site)}">${lp.allOfSite(a.site)}</a>
      </p>
      <h1 class="no-print">${lp.title}</h1>
      <p class="muted no-print">${lp.lead}</p>
      ${printBar(ctx)}
      <div class="labels">${await labelOf(ctx, a, base)}</div>`,
    { active: 'status' },
  );
}

/** Every asset's label of a site, laid out for A4 when printed. */
export async function siteLabelsPage(api: ApiClient, ctx: PageContext, site: string | undefined, sites: readonly string[], base: string): Promise<string> {
  const lp = ctx.m.labelsPage;
  const visible = ctx.principal?.sites ?? sites;
  const chosen = site ?? (visible.length === 1 ? visible[0] : undefined);
  const assets = chosen ? (await listAll<Asset>(api, ctx, '/api/assets', chosen)).items.sort((a, b) => a.id.localeCompare(b.id)) : [];
  const labels = await Promise.all(assets.map((a) => labelOf(ctx, a, base)));
  return page(
    ctx,
    chosen ? `${lp.title} · ${chosen}` : lp.title,
    html`<h1 class="no-print">${lp.title}${chosen ? ` · ${chosen}` : ''}</h1>
      <p class="muted no-print">${lp.lead}</p>
      <form class="filters no-print" method="get" action="/labels">
        <label
          >${lp.site}
          <select name="site">
            ${visible.map((s) => html`<option value="${s}" ${chosen === s ? html` selected` : ''}>${s}</option>`)}
          </select>
        </label>
        <button type="submit" class="secondary">${lp.choose}</button>
      </form>
      ${
        chosen
          ? labels.length
            ? html`${printBar(ctx)}
                <div class="labels">${labels}</div>`
            : html`<p class="empty">${lp.none}</p>`
          : ''
      }`,
    { active: 'status' },
  );
}
