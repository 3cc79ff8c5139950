export const rejectKinds = ['topic', 'unknown_asset', 'asset_mismatch', 'too_large', 'payload', 'store_refused', 'connection', 'not_allowed'] as const;
export type RejectKind = (typeof rejectKinds)[number];

export interface RejectedMessage {
  /** Epoch ms when it was received. */
  at: number;
  topic: string;
  kind: RejectKind;
  reason: string;
  /** The start of the payload as text, for recognising the sender. */
  payload: string;
  size: number;
}

const PREVIEW_BYTES = 200;
/** Control characters and the replacement character: shown as dots in a preview. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f\ufffd]/g;

/** Longest reason kept: every reason FMS writes is shorter; what a client sent inside one is cut. */
const MAX_REASON = 500;

/**
 * The most recent rejected messages, newest first, in a fixed-size ring whose every field is bounded
 * (topic 300 characters, reason 500, payload preview 200 bytes): about 1 KB an entry, so a flood of
 * refusals with 65 KB client ids or topics cannot grow it.
 */
export function createRejectedLog(capacity = 1000) {
  const ring: RejectedMessage[] = [];
  let next = 0;
  let total = 0;
  return {
    add(at: number, topic: string, kind: RejectKind, reason: string, payload: Buffer): void {
      const entry: RejectedMessage = {
        at,
        topic: topic.length > 300 ? topic.slice(0, 297) + '...' : topic,
        kind,
        reason: reason.length > MAX_REASON ? reason.slice(0, MAX_REASON - 3) + '...' : reason,
        payload: payload.subarray(0, PREVIEW_BYTES).toString('utf8').replace(UNPRINTABLE, '.'),
        size: payload.length,
      };
      if (ring.length < capacity) ring.push(entry);
      else ring[next] = entry;
      next = (next + 1) % capacity;
      total++;
    },
    /** Newest first. */
    recent(limit = capacity): RejectedMessage[] {
      const out: RejectedMessage[] = [];
      for (let i = 1; i <= Math.min(limit, ring.length); i++) out.push(ring[(next - i + ring.length * 2) % ring.length]!);
      return out;
    },
    get total(): number {
      return total;
    },
  };
}
export type RejectedLog = ReturnType<typeof createRejectedLog>;
