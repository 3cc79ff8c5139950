import type { InboundMessage } from '../broker/message-bus.ts';
import type { Coordinator } from './coordinator.ts';
import { partitionOf } from './coordinator.ts';
import { assetIdOf } from '../shared/topics.ts';

export interface PartitionedIngestOptions {
  coordinator: Coordinator;
  /** Ingest proper: validate, store, evaluate. */
  handle(message: InboundMessage): void;
  /** How long messages of partitions owned elsewhere are kept, to replay on taking one over. */
  windowMs?: number;
  now?: () => number;
  /**
   * Several instances: an asset registered on another instance reaches this one's register within
   * seconds. A message for an asset not (yet) known waits for one reload of the register, at most
   * once a second, instead of being rejected at once.
   */
  register?: { isKnown(assetId: string): boolean; reload(): Promise<unknown> };
}

/**
 * Every instance hears every device message; the owner of the asset's partition ingests it, the
 * others keep it a short while. When an instance dies, the survivors that take its partitions over
 * replay what they kept, so nothing that arrived while the owner was dying or being replaced is lost;
 * readings replayed that the dead owner had already stored are merged by the store (same asset and
 * time), and alarms and work orders are unique in the database.
 */
export function createPartitionedIngest(o: PartitionedIngestOptions) {
  const windowMs = o.windowMs ?? 30_000;
  const now = o.now ?? Date.now;
  const kept = new Map<number, InboundMessage[]>();
  /** Taken over, state still loading: their messages wait with the kept ones. */
  const warming = new Set<number>();
  let keptCount = 0;
  const waiting: InboundMessage[] = [];
  let reloading: Promise<unknown> | undefined;
  let lastReload = 0;

  /** Holds a message for an unknown asset until the register has been reloaded once; true if held. */
  function holdForRegister(m: InboundMessage, assetId: string): boolean {
    const r = o.register;
    if (!r || r.isKnown(assetId)) return false;
    if (!reloading && now() - lastReload < 1000) return false;
    waiting.push(m);
    reloading ??= r
      .reload()
      .catch(() => undefined)
      .finally(() => {
        lastReload = now();
        reloading = undefined;
        for (const held of waiting.splice(0)) o.handle(held);
      });
    return true;
  }

  function trim(list: InboundMessage[], at: number): InboundMessage[] {
    let i = 0;
    while (i < list.length && list[i]!.receivedAt < at - windowMs) i++;
    keptCount -= i;
    return i ? list.slice(i) : list;
  }

  return {
    handle(m: InboundMessage): void {
      const assetId = assetIdOf(m.topic);
      // A topic without an asset is judged (and rejected) by the leader alone, so it is recorded once.
      if (!assetId) {
        if (o.coordinator.isLeader()) o.handle(m);
        return;
      }
      const p = partitionOf(assetId);
      if (o.coordinator.owns(p) && !warming.has(p)) {
        if (!holdForRegister(m, assetId)) o.handle(m);
        return;
      }
      let list = kept.get(p) ?? [];
      list.push(m);
      keptCount++;
      if (list.length % 256 === 0) list = trim(list, now());
      kept.set(p, list);
    },

    /** Partitions being taken over: their messages wait until `replay`. */
    warm(partitions: readonly number[]): void {
      for (const p of partitions) warming.add(p);
    },

    /** Ingests what was kept for partitions just taken over, in the order it arrived; from now on they are ingested as they come. */
    replay(partitions: readonly number[]): number {
      let n = 0;
      for (const p of partitions) {
        const list = trim(kept.get(p) ?? [], now());
        kept.delete(p);
        keptCount -= list.length;
        for (const m of list) o.handle(m);
        n += list.length;
        warming.delete(p);
      }
      return n;
    },

    /** Messages kept for other instances' partitions. */
    kept: () => keptCount,
  };
}
