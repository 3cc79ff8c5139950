import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createPacketGuard } from './packet-guard.ts';

/** A stand-in for a socket: what aedes would read from it, chunk by chunk. */
function fakeSocket(address: string, chunks: Buffer[]) {
  const socket = Object.assign(new EventEmitter(), {
    remoteAddress: address,
    destroyed: false,
    read: () => chunks.shift() ?? null,
    destroy() {
      socket.destroyed = true;
      socket.emit('close');
    },
  });
  return socket;
}

describe('the packet guard', () => {
  it('closes a connection whose packet declares more bytes than allowed, before reading them', () => {
    const refused: string[] = [];
    const guard = createPacketGuard({ maxPacketBytes: 1024, onRefused: (reason, _a, detail) => refused.push(`${reason}: ${detail}`) });
    // PUBLISH with a remaining length of 16,384 (0x80 0x80 0x01).
    const socket = fakeSocket('10.0.0.7', [Buffer.from([0x30, 0x80, 0x80, 0x01])]);
    expect(guard.accept(socket as unknown as Socket)).toBe(true);
    expect((socket as unknown as Socket).read()).toBeNull();
    expect(socket.destroyed).toBe(true);
    expect(refused).toEqual(['packet_too_large: packet of 16384 bytes, more than the 1024 accepted']);
  });

  it('passes packets within the limit through unchanged', () => {
    const guard = createPacketGuard({ maxPacketBytes: 1024 });
    const ping = Buffer.from([0xc0, 0x00]);
    const socket = fakeSocket('10.0.0.7', [ping]);
    guard.accept(socket as unknown as Socket);
    expect((socket as unknown as Socket).read()).toEqual(ping);
    expect(socket.destroyed).toBe(false);
  });

  it('allows a few connections per address beyond loopback, and loopback without limit', () => {
    const guard = createPacketGuard({ maxPacketBytes: 1024, maxConnectionsPerIp: 2 });
    const open = (ip: string) => guard.accept(fakeSocket(ip, []) as unknown as Socket);
    expect([open('10.0.0.7'), open('10.0.0.7'), open('10.0.0.7')]).toEqual([true, true, false]);
    expect([open('127.0.0.1'), open('127.0.0.1'), open('127.0.0.1')]).toEqual([true, true, true]);
    expect(guard.connections('10.0.0.7')).toBe(2);
  });
});
