import type { AssetRegistry } from '../assets/asset-registry.ts';
import type { Config } from '../config/config.ts';

/** The estate as the services see it: its sites (of the estate file, and any a registered asset names) and their time zones. */
export function createEstate(config: Config, assets: Pick<AssetRegistry, 'list'>) {
  const sites = () => [...new Set([...config.estate.sites.map((s) => s.id), ...assets.list().map((a) => a.site)])];
  const timeZoneOf = (site: string | null) => config.estate.sites.find((s) => s.id === site)?.timeZone ?? config.timeZone;
  const reports = config.estate.reports;
  /** A site's language (for its reports, robots, and people who chose none); `reports.language` when it has none. */
  const languageOf = (site: string | null) => config.estate.sites.find((s) => s.id === site)?.language ?? reports.language;
  return {
    sites,
    timeZoneOf,
    languageOf,
    /** Whether the estate file names this site. */
    knows: (site: string) => config.estate.sites.some((s) => s.id === site),
    /** Whom scheduled reports are made for: each site in its zone and language, and the whole estate when it has several. */
    reportTargets() {
      const all = sites();
      const perSite = all.map((id) => ({
        site: id,
        timeZone: timeZoneOf(id),
        language: languageOf(id),
      }));
      return reports.estate && all.length > 1 ? [{ site: null, timeZone: config.timeZone, language: reports.language }, ...perSite] : perSite;
    },
  };
}
export type Estate = ReturnType<typeof createEstate>;
