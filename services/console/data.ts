import type { ApiClient } from './api-client.ts';
import type { PageContext } from './layout.ts';
import type { AssetInfo } from './widgets.ts';

/**
 * The sites a list is read for: a principal limited to several sites names each (the API asks which);
 * one limited to one site, or to none, reads in one request (`site` filters when the page asks).
 */
export function sitesToRead(ctx: PageContext, wanted?: string): (string | undefined)[] {
  const sites = ctx.principal?.sites;
  if (wanted) return [wanted];
  if (sites && sites.length > 1) return [...sites];
  return [undefined];
}

const withSite = (url: string, site: string | undefined) => (site ? `${url}${url.includes('?') ? '&' : '?'}site=${encodeURIComponent(site)}` : url);

/** A list route read for every site the principal may see, merged. */
export async function listAll<T>(api: ApiClient, ctx: PageContext, url: string, wanted?: string): Promise<{ items: T[]; total: number }> {
  const answers = await Promise.all(sitesToRead(ctx, wanted).map((s) => api.get<{ items: T[]; total?: number }>(withSite(url, s))));
  return { items: answers.flatMap((a) => a.items), total: answers.reduce((n, a) => n + (a.total ?? a.items.length), 0) };
}

export async function assetMap(api: ApiClient, ctx: PageContext): Promise<Map<string, AssetInfo>> {
  const { items } = await listAll<AssetInfo>(api, ctx, '/api/assets');
  return new Map(items.map((a) => [a.id, a]));
}

export async function peopleMap(api: ApiClient): Promise<Map<string, string>> {
  const { items } = await api.get<{ items: { id: string; name: string }[] }>('/api/people');
  return new Map(items.map((p) => [p.id, p.name]));
}
