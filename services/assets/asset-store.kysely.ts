import type { Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { AssetsTable } from '../db/schema.ts';
import type { Asset } from './asset.ts';
import type { AssetStore } from './asset-store.ts';

/** The asset store on SQL through kysely: the same queries on SQLite and PostgreSQL. */
export function createKyselyAssetStore(db: Db): AssetStore {
  return {
    async list() {
      return (await db.selectFrom('assets').selectAll().execute()).map(fromRow);
    },

    async insert(asset) {
      await db.insertInto('assets').values(toRow(asset)).execute();
    },

    async update(asset) {
      await db.updateTable('assets').set(toRow(asset)).where('id', '=', asset.id).execute();
    },

    async remove(id) {
      await db.deleteFrom('assets').where('id', '=', id).execute();
    },
  };
}

function fromRow(r: Selectable<AssetsTable>): Asset {
  return {
    id: r.id,
    type: r.type as Asset['type'],
    site: r.site,
    name: r.name,
    location: r.location,
    criticality: r.criticality,
    tags: JSON.parse(r.tags) as string[],
    installedAt: r.installed_at === null ? null : new Date(Number(r.installed_at)).toISOString().slice(0, 10),
    origin: r.origin as Asset['origin'],
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    maintenance: r.maintenance_until === null ? null : { until: Number(r.maintenance_until), by: r.maintenance_by ?? '' },
  };
}

function toRow(a: Asset): AssetsTable {
  return {
    id: a.id,
    type: a.type,
    site: a.site,
    name: a.name,
    location: a.location,
    criticality: a.criticality,
    tags: JSON.stringify(a.tags),
    installed_at: a.installedAt === null ? null : Date.parse(a.installedAt),
    origin: a.origin,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    maintenance_until: a.maintenance?.until ?? null,
    maintenance_by: a.maintenance?.by ?? null,
  };
}
