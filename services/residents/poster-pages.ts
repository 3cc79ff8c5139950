import type { FastifyInstance, FastifyRequest } from 'fastify';
import { siteOf, staff, type Access } from '../api/access.ts';
import type { Asset } from '../assets/asset.ts';
import { html } from '../console/html.ts';
import { contextOf, page } from '../console/layout.ts';
import { qrSvg } from '../console/pages/labels.ts';
import { residentMessages } from './residents-i18n.ts';
import type { ResidentsConfig } from './residents-config.ts';

export interface PosterDeps {
  config: ResidentsConfig;
  assets: { get(id: string): Asset | undefined; list(): Asset[] };
  sites: () => string[];
  siteName: (site: string) => string;
  now: () => number;
  timeZoneOf: (site: string) => string;
}

const enc = encodeURIComponent;

/** The public request page's absolute address for a site, or one of its assets (what the poster's QR code holds). */
export const requestUrl = (base: string, site: string, assetId?: string) =>
  `${base.replace(/\/+$/, '')}/request/${enc(site)}${assetId ? `/${enc(assetId)}` : ''}`;

/**
 * Printable A4 posters for the staff console: one per site and one per asset, with a big QR code of the
 * public request page and short instructions in Chinese and English (residents read either).
 */
export function registerPosterPages(c: FastifyInstance, d: PosterDeps): void {
  const zone = (site: string | null) => d.timeZoneOf(site ?? d.sites()[0] ?? '');
  const base = (req: FastifyRequest) => d.config.publicUrl ?? `${req.protocol}://${req.host}`;
  const access = (lookup: (req: FastifyRequest) => string | undefined): Access => ({ roles: staff, scope: siteOf(lookup) });
  const siteParam = (req: FastifyRequest) => {
    const site = (req.params as { site: string }).site;
    return d.sites().includes(site) ? site : undefined;
  };

  const poster = async (url: string, title: string, where: string, detail: string | null) => {
    const zh = residentMessages.zh;
    const en = residentMessages.en;
    const hotline = d.config.hotline;
    return html`<article class="poster" aria-label="${title}">
      <h2 class="poster-title"><span lang="zh-CN">${zh.requestTitle}</span> <span lang="en">${en.requestTitle}</span></h2>
      <p class="poster-where">${where}${detail ? html`<br /><span>${detail}</span>` : ''}</p>
      <div class="poster-qr">${await qrSvg(url, url)}</div>
      <p class="poster-how" lang="zh-CN">用手机相机或微信扫码：报修、投诉、建议，无需注册，可随时查看处理进度。</p>
      <p class="poster-how" lang="en">
        Scan with your phone’s camera: report a fault, a complaint or a suggestion. No account needed; follow your request online.
      </p>
      <p class="poster-urgent"><span lang="zh-CN">${zh.urgent(hotline)}</span><br /><span lang="en">${en.urgent(hotline)}</span></p>
      <p class="poster-url">${url}</p>
    </article>`;
  };

  const render = async (req: FastifyRequest, site: string, a: Asset | undefined) => {
    const ctx = contextOf(req, d.now(), zone);
    const m = residentMessages[ctx.lang];
    const enabled = d.config.sites.includes(site);
    const url = requestUrl(base(req), site, a?.id);
    const others = d.assets
      .list()
      .filter((x) => x.site === site)
      .sort((x, y) => x.id.localeCompare(y.id));
    const body = html`<p class="crumbs no-print">
        <a href="/sites">${ctx.m.nav.status}</a> · <a href="/labels?site=${enc(site)}">${ctx.m.labelsPage.title}</a>
        ${a ? html` · <a href="/assets/${enc(a.id)}">${a.name || a.id}</a>` : ''}
      </p>
      <h1 class="no-print">${m.posterTitle} · ${a ? a.name || a.id : d.siteName(site)}</h1>
      <p class="muted no-print">${m.posterLead}</p>
      ${
        enabled
          ? html`<p class="no-print"><button type="button" data-print>${m.print}</button></p>
              ${await poster(url, m.posterTitle, d.siteName(site), a ? `${a.name || a.id}${a.location ? ` · ${a.location}` : ''}` : null)}
              <nav class="no-print poster-links" aria-label="${m.forAsset}">
                <h2>${m.forAsset}</h2>
                <ul>
                  ${a ? html`<li><a href="/posters/${enc(site)}">${m.forSite}</a></li>` : ''}
                  ${others.map((x) => html`<li><a href="/posters/${enc(site)}/${enc(x.id)}">${x.name || x.id}</a> <span class="muted">${x.id}</span></li>`)}
                </ul>
              </nav>`
          : html`<p class="error">${m.posterOff}</p>`
      }`;
    // The console's page, with the residents' stylesheet (the poster's print layout) after the console's.
    return page(ctx, `${m.posterTitle} · ${a ? a.name || a.id : site}`, body, { active: 'status' }).replace(
      '</head>',
      '<link rel="stylesheet" href="/residents/residents.css">\n</head>',
    );
  };

  const send = (reply: import('fastify').FastifyReply, body: string) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
  const notFound = () => Object.assign(new Error('no such site or asset'), { statusCode: 404 });

  c.get('/posters/:site', { config: { access: access(siteParam), page: true }, schema: { hide: true } }, async (req, reply) => {
    const site = siteParam(req);
    if (!site) throw notFound();
    return send(reply, await render(req, site, undefined));
  });

  const assetOf = (req: FastifyRequest) => {
    const { site, asset } = req.params as { site: string; asset: string };
    const a = d.assets.get(asset);
    return a && a.site === site ? a : undefined;
  };
  c.get('/posters/:site/:asset', { config: { access: access((req) => assetOf(req)?.site), page: true }, schema: { hide: true } }, async (req, reply) => {
    const a = assetOf(req);
    if (!a) throw notFound();
    return send(reply, await render(req, a.site, a));
  });
}
