import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbeddedBroker, type EmbeddedBroker } from '../services/broker/message-bus.aedes.ts';
import { waitFor } from '../services/testing/harness.ts';
import { createFleet, type Fleet, type FleetDevice } from './fleet.ts';

const DEVICES = 5000;

describe('a large fleet', () => {
  let broker: EmbeddedBroker;
  let fleet: Fleet | undefined;
  afterAll(async () => {
    await fleet?.stop();
    await broker?.close();
  });

  it(`connects ${DEVICES} devices to the embedded broker and every one publishes`, async () => {
    broker = createEmbeddedBroker({ host: '127.0.0.1', port: 0, log: pino({ level: 'silent' }) });
    const heard = new Set<string>();
    let messages = 0;
    await broker.start((m) => {
      messages++;
      if (m.topic.endsWith('/telemetry')) heard.add(m.topic.split('/')[3]!);
    });
    const devices: FleetDevice[] = Array.from({ length: DEVICES }, (_, i) => {
      const type = (['pump', 'pump', 'elevator', 'gate'] as const)[i % 4]!;
      return { id: `scale-${type}-${String(i + 1).padStart(4, '0')}`, type, site: 'scale' };
    });
    fleet = createFleet({ brokerUrl: `mqtt://127.0.0.1:${broker.address().port}`, devices, seed: 1, intervalMs: 5000 });
    const started = Date.now();
    await fleet.start();
    const connectedIn = Date.now() - started;
    await waitFor(() => heard.size === DEVICES, 30_000, `telemetry from all ${DEVICES} devices (heard ${heard.size})`);
    const allIn = Date.now() - started;
    expect(fleet.stats()).toMatchObject({ devices: DEVICES, connected: DEVICES, failed: 0 });
    expect(broker.health().clients).toBe(DEVICES);
    process.stdout.write(`fleet: ${DEVICES} devices connected in ${connectedIn} ms, all publishing after ${allIn} ms, ${messages} messages\n`);
  }, 120_000);
});
