import type { DeliveryPayload } from './message.ts';
import { DIGEST } from './outbox-sender.ts';
import type { OutboxEntry } from './outbox-store.ts';
import { texts } from './texts.ts';

/** One delivery folded into a digest, as the digest lists it. */
export interface DigestItem {
  title: string;
  link?: string | undefined;
  urgent?: boolean | undefined;
}

/** A digest's payload: the message that tells it, the newest items and how many were folded in all. */
export interface DigestPayload extends DeliveryPayload {
  items: DigestItem[];
  count: number;
}

/** The items a digest lists: the newest, so that one amended a thousand times stays small. */
const ITEMS_KEPT = 30;

/**
 * Folds the deliveries waiting for one recipient over their rate (oldest first; the digest already
 * waiting first when there is one) into one digest, in the first one's language, linking `link`:
 * urgent when any of them was.
 */
export function foldIntoDigest(entries: readonly OutboxEntry[], link: string): { payload: DigestPayload } {
  const first = entries[0]!.payload as DeliveryPayload;
  const items: DigestItem[] = [];
  let count = 0;
  let urgent = false;
  for (const x of entries) {
    if (x.event === DIGEST) {
      const d = x.payload as DigestPayload;
      items.push(...d.items);
      count += d.count;
      urgent ||= d.message.urgent === true;
    } else {
      const m = (x.payload as DeliveryPayload).message;
      items.push({ title: m.title, link: m.link, urgent: m.urgent });
      count++;
      urgent ||= m.urgent === true;
    }
  }
  const kept = items.slice(-ITEMS_KEPT);
  const message = texts.digest(first.message.language, kept, count, link, urgent);
  return { payload: { address: first.address, message, items: kept, count } };
}
