import type { Asset } from './asset.ts';

/** The asset store port: the register as stored, shared by the instances of an estate. */
export interface AssetStore {
  /** Every stored asset, in no particular order. */
  list(): Promise<Asset[]>;
  /** Stores a newly registered asset; rejects when one with its id is stored already. */
  insert(asset: Asset): Promise<void>;
  /** Replaces every field of the stored asset with the same id (nothing happens when there is none). */
  update(asset: Asset): Promise<void>;
  /** Removes an asset (nothing happens when there is none). */
  remove(id: string): Promise<void>;
}
