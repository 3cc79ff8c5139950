/**
 * Hostile-input limits in front of the embedded broker's MQTT parser (which buffers whatever packet
 * length a client declares). The inspector reads only each packet's fixed header — type byte and
 * "remaining length" — from the bytes as they are read, copying nothing; a packet declared larger
 * than the limit, or a malformed length, is reported so that the connection is closed before any of
 * it is buffered.
 */
export class PacketSizeInspector {
  /** Bytes of the current packet still to pass; -1 while reading a fixed header. */
  private remaining = -1;
  private header: number[] = [];
  /** When the packet being read began (by `clock`), or 0 between packets. */
  startedAt = 0;

  constructor(
    private readonly maxBytes: number,
    /** A coarse clock: read once per chunk, not per packet. */
    private readonly clock: () => number = Date.now,
  ) {}

  /** Follows the stream; returns why it must stop, or undefined. */
  feed(chunk: Buffer): string | undefined {
    let completed = false;
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) {
          this.remaining = -1;
          completed = true;
        }
        continue;
      }
      // A fixed header: one type byte, then the remaining length in 1–4 bytes of 7 bits each.
      this.header.push(chunk[i++]!);
      if (this.header.length === 1) continue;
      const lengthBytes = this.header.length - 1;
      if (this.header[this.header.length - 1]! & 0x80) {
        if (lengthBytes === 4) return 'malformed remaining length (more than 4 bytes)';
        continue;
      }
      let length = 0;
      for (let k = lengthBytes; k >= 1; k--) length = length * 128 + (this.header[k]! & 0x7f);
      this.header = [];
      if (length > this.maxBytes) return `packet of ${length} bytes, more than the ${this.maxBytes} accepted`;
      this.remaining = length === 0 ? -1 : length;
      if (length === 0) completed = true;
    }
    // Between packets: no clock. Inside one: it began in this chunk if another ended here (or none was
    // being read), else it is the one that was already being read.
    if (this.remaining === -1 && this.header.length === 0) this.startedAt = 0;
    else if (completed || this.startedAt === 0) this.startedAt = this.clock();
    return undefined;
  }
}

/** Says something at most once per interval per key (a flood of refusals must not flood the log). */
export function createRateLimitedLog(intervalMs: number, now: () => number = Date.now) {
  const last = new Map<string, number>();
  const suppressed = new Map<string, number>();
  return (key: string, say: (suppressed: number) => void) => {
    const t = now();
    const entry = last.get(key);
    if (entry !== undefined && t - entry < intervalMs) {
      suppressed.set(key, (suppressed.get(key) ?? 0) + 1);
      return;
    }
    last.set(key, t);
    say(suppressed.get(key) ?? 0);
    suppressed.delete(key);
  };
}

/**
 * Messages a second per sender, as a generic cell rate algorithm: `perSecond` on average, `burst`
 * at once after a quiet spell. A message over the rate is not dropped: `delay` says how long to hold
 * it, and holding it holds the sender's connection (the broker reads its next packets only after),
 * so a fast sender is slowed down to the rate and loses nothing.
 */
export function createThrottle(perSecond: number, burst: number) {
  const interval = 1000 / perSecond;
  const tolerance = (Math.max(1, burst) - 1) * interval;
  /** Per sender: the theoretical arrival time of its next message. */
  const due = new Map<string, number>();
  return {
    /** Milliseconds to hold this message of `sender` (0: let it through now). */
    delay(sender: string, now: number): number {
      const t = Math.max(due.get(sender) ?? now, now);
      due.set(sender, t + interval);
      return Math.max(0, t - now - tolerance);
    },
    /** Forgets senders that have been quiet long enough to have their whole burst again. */
    prune(now: number): void {
      for (const [sender, t] of due) if (t + tolerance <= now) due.delete(sender);
    },
    get senders() {
      return due.size;
    },
  };
}
