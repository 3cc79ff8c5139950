import { FmsError } from '../shared/errors.ts';
import { assetInputSchema, type Asset, type AssetInput, type AssetPatch } from './asset.ts';
import type { AssetStore } from './asset-store.ts';

export interface AssetStatus {
  /** Last `status` message (`online`/`offline`), or unknown when the device never sent one. */
  connection: 'online' | 'offline' | 'unknown';
  /** When the device was last heard from (any accepted message), epoch ms. */
  lastSeen: number | null;
}

export interface AssetRegistry {
  /** Asset by id, from memory: ingest calls this for every message. */
  get(id: string): Asset | undefined;
  list(filter?: { site?: string; type?: string }): Asset[];
  /** Every asset, unsorted (cheap: for the rule engine's silence check every second). */
  all(): IterableIterator<Asset>;
  create(input: AssetInput): Promise<Asset>;
  update(id: string, patch: AssetPatch): Promise<Asset>;
  /** Removes an asset; what listens to `onRemoved` (its credentials: revoked, its device: disconnected) is done before it returns. */
  remove(id: string): Promise<void>;
  /** Told when an asset is removed, and awaited: a removed asset's device must not keep signing in, nor its id bring its old secret back. */
  onRemoved(listener: (id: string) => Promise<unknown> | void): void;
  /** Registers the assets of the FMS_CONFIG file: new ones are added, changed ones updated. */
  syncFromConfig(inputs: readonly AssetInput[]): Promise<{ added: number; updated: number }>;
  status(id: string): AssetStatus;
  /** Puts an asset in maintenance mode until a time, or ends it (null). */
  setMaintenance(id: string, maintenance: { until: number; by: string } | null): Promise<Asset>;
  /** Whether a technician is on site at this moment (maintenance mode). */
  inMaintenance(id: string, at: number): boolean;
  /** Notes that a device was heard from (in memory; cheap enough for every message). */
  touch(id: string, at: number, connection?: 'online' | 'offline'): void;
  /** Takes what other instances stored (several instances share the database): added, changed and removed assets. */
  refresh(): Promise<{ added: number; changed: number; removed: number }>;
}

/**
 * The asset register: stored in the database, served from memory. Every asset is loaded at start
 * (an estate has thousands, not millions) so that validating a message never waits for the database.
 */
export async function createAssetRegistry(store: AssetStore, now: () => number): Promise<AssetRegistry> {
  const assets = new Map<string, Asset>();
  const statuses = new Map<string, AssetStatus>();
  const removedListeners: ((id: string) => Promise<unknown> | void)[] = [];
  for (const asset of await store.list()) assets.set(asset.id, asset);

  async function insert(input: AssetInput, origin: Asset['origin']): Promise<Asset> {
    const a = assetInputSchema.parse(input);
    const t = now();
    const asset: Asset = {
      id: a.id,
      type: a.type,
      site: a.site,
      name: a.name ?? a.id,
      location: a.location,
      criticality: a.criticality,
      tags: a.tags,
      installedAt: a.installedAt ?? null,
      origin,
      createdAt: t,
      updatedAt: t,
      maintenance: null,
    };
    await store.insert(asset);
    assets.set(asset.id, asset);
    return asset;
  }

  async function write(asset: Asset): Promise<Asset> {
    await store.update(asset);
    assets.set(asset.id, asset);
    return asset;
  }

  return {
    get: (id) => assets.get(id),

    async refresh() {
      const stored = await store.list();
      const seen = new Set<string>();
      let added = 0;
      let changed = 0;
      let removed = 0;
      for (const a of stored) {
        seen.add(a.id);
        const current = assets.get(a.id);
        if (!current) added++;
        else if (current.updatedAt === a.updatedAt && JSON.stringify(current.maintenance) === JSON.stringify(a.maintenance)) continue;
        else changed++;
        assets.set(a.id, a);
      }
      for (const id of [...assets.keys()]) {
        if (seen.has(id)) continue;
        assets.delete(id);
        statuses.delete(id);
        removed++;
      }
      return { added, changed, removed };
    },

    all: () => assets.values(),

    list(filter = {}) {
      return [...assets.values()]
        .filter((a) => (!filter.site || a.site === filter.site) && (!filter.type || a.type === filter.type))
        .sort((a, b) => a.id.localeCompare(b.id));
    },

    async create(input) {
      if (assets.has(input.id))
        throw new FmsError('FMS_ERR_ASSET_EXISTS', `asset "${input.id}" already exists; use PATCH /api/assets/${input.id} to change it`);
      return insert(input, 'api');
    },

    async update(id, patch) {
      const current = assets.get(id);
      if (!current) throw new FmsError('FMS_ERR_ASSET_NOT_FOUND', `no asset "${id}"`);
      if (patch.type && patch.type !== current.type && statuses.get(id)?.lastSeen) {
        throw new FmsError('FMS_ERR_ASSET_TYPE_CHANGE', `asset "${id}" has reported as a ${current.type}; register the ${patch.type} under a new id`);
      }
      const { installedAt, ...rest } = patch;
      return write({ ...current, ...rest, ...(installedAt !== undefined ? { installedAt } : {}), updatedAt: now() });
    },

    async remove(id) {
      if (!assets.has(id)) throw new FmsError('FMS_ERR_ASSET_NOT_FOUND', `no asset "${id}"`);
      await store.remove(id);
      assets.delete(id);
      statuses.delete(id);
      for (const l of removedListeners) await l(id);
    },

    onRemoved(listener) {
      removedListeners.push(listener);
    },

    async syncFromConfig(inputs) {
      let added = 0;
      let updated = 0;
      for (const input of inputs) {
        const current = assets.get(input.id);
        if (!current) {
          await insert(input, 'config');
          added++;
          continue;
        }
        const a = assetInputSchema.parse(input);
        const next: Asset = {
          ...current,
          type: a.type,
          site: a.site,
          name: a.name ?? a.id,
          location: a.location,
          criticality: a.criticality,
          tags: a.tags,
          installedAt: a.installedAt ?? null,
        };
        if (JSON.stringify({ ...next, updatedAt: 0 }) !== JSON.stringify({ ...current, updatedAt: 0 })) {
          await write({ ...next, updatedAt: now() });
          updated++;
        }
      }
      return { added, updated };
    },

    status: (id) => statuses.get(id) ?? { connection: 'unknown', lastSeen: null },

    async setMaintenance(id, maintenance) {
      const current = assets.get(id);
      if (!current) throw new FmsError('FMS_ERR_ASSET_NOT_FOUND', `no asset "${id}"`);
      return write({ ...current, maintenance, updatedAt: now() });
    },

    inMaintenance(id, at) {
      const m = assets.get(id)?.maintenance;
      return !!m && m.until > at;
    },

    touch(id, at, connection) {
      let s = statuses.get(id);
      if (!s) statuses.set(id, (s = { connection: 'unknown', lastSeen: null }));
      if (s.lastSeen === null || at > s.lastSeen) s.lastSeen = at;
      if (connection) s.connection = connection;
      else if (s.connection === 'unknown') s.connection = 'online';
    },
  };
}
