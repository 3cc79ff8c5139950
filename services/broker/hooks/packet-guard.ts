import type { Socket } from 'node:net';
import { PacketSizeInspector } from '../mqtt-guard.ts';
import { isLoopback, type OnRefused } from './client.ts';

/**
 * Guards each new connection before aedes reads from it: at most `maxConnectionsPerIp` connections
 * from one address beyond loopback, and no packet declared larger than `maxPacketBytes` — checked as
 * aedes reads the bytes (it reads with socket.read() on 'readable'), before it buffers the packet.
 * Returns false when the connection was refused and destroyed.
 */
export function createPacketGuard(d: { maxPacketBytes: number; maxConnectionsPerIp?: number | undefined; onRefused?: OnRefused | undefined }) {
  const perIp = new Map<string, number>();
  return {
    accept(socket: Socket): boolean {
      const ip = socket.remoteAddress ?? 'unknown';
      if (d.maxConnectionsPerIp && !isLoopback(ip) && (perIp.get(ip) ?? 0) >= d.maxConnectionsPerIp) {
        d.onRefused?.('connections_per_ip', ip, `already ${d.maxConnectionsPerIp} connections from ${ip}`);
        socket.destroy();
        return false;
      }
      perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
      socket.once('close', () => {
        const n = (perIp.get(ip) ?? 1) - 1;
        if (n > 0) perIp.set(ip, n);
        else perIp.delete(ip);
      });
      const inspector = new PacketSizeInspector(d.maxPacketBytes);
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
    /** Connections open per address (beyond loopback). */
    connections: (ip: string) => perIp.get(ip) ?? 0,
  };
}
