import type { Socket } from 'node:net';
import { PacketSizeInspector } from '../mqtt-guard.ts';
import { isLoopback, type OnRefused } from './client.ts';

/** A packet that has not arrived whole within this long is a trickle, not a slow network. */
export const STALLED_PACKET_MS = 60_000;

/**
 * Guards each new connection before aedes reads from it: at most `maxConnectionsPerIp` connections
 * from one address beyond loopback, and no packet declared larger than `maxPacketBytes` — checked as
 * aedes reads the bytes (it reads with socket.read() on 'readable'), before it buffers the packet. A
 * packet still incomplete after STALLED_PACKET_MS closes its connection (`sweep`): a client with
 * keepalive 0 cannot hold a 2 MiB buffer open by trickling it a byte at a time.
 */
export function createPacketGuard(d: { maxPacketBytes: number; maxConnectionsPerIp?: number | undefined; onRefused?: OnRefused | undefined }) {
  const perIp = new Map<string, number>();
  const open = new Map<Socket, PacketSizeInspector>();
  return {
    /** Returns false when the connection was refused and destroyed. */
    accept(socket: Socket): boolean {
      const ip = socket.remoteAddress ?? 'unknown';
      if (d.maxConnectionsPerIp && !isLoopback(ip) && (perIp.get(ip) ?? 0) >= d.maxConnectionsPerIp) {
        d.onRefused?.('connections_per_ip', ip, `already ${d.maxConnectionsPerIp} connections from ${ip}`);
        socket.destroy();
        return false;
      }
      perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
      const inspector = new PacketSizeInspector(d.maxPacketBytes);
      open.set(socket, inspector);
      socket.once('close', () => {
        open.delete(socket);
        const n = (perIp.get(ip) ?? 1) - 1;
        if (n > 0) perIp.set(ip, n);
        else perIp.delete(ip);
      });
      const read = socket.read.bind(socket);
      socket.read = (size?: number) => {
        const chunk = read(size) as Buffer | null;
        if (!chunk) return chunk;
        const refused = inspector.feed(chunk);
        if (!refused) return chunk;
        d.onRefused?.(refused.startsWith('malformed') ? 'malformed_packet' : 'packet_too_large', ip, refused);
        socket.destroy();
        return null;
      };
      return true;
    },
    /** Closes the connections whose packet has been arriving for longer than `maxMs`. */
    sweep(now: number, maxMs = STALLED_PACKET_MS): number {
      let closed = 0;
      for (const [socket, inspector] of open) {
        if (inspector.startedAt === 0 || now - inspector.startedAt <= maxMs) continue;
        const ip = socket.remoteAddress ?? 'unknown';
        d.onRefused?.('packet_stalled', ip, `a packet still incomplete after ${Math.round((now - inspector.startedAt) / 1000)} s: connection closed`);
        socket.destroy();
        closed++;
      }
      return closed;
    },
    /** Connections open per address (beyond loopback). */
    connections: (ip: string) => perIp.get(ip) ?? 0,
  };
}
