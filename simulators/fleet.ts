import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceType } from '../devices/catalog.ts';
import type { Channel } from '../services/shared/topics.ts';
import { createSimulatedDevice, type OutMessage, type SimulatedDevice } from './device.ts';

export interface FleetDevice {
  id: string;
  type: DeviceType;
  site: string;
}

export interface FleetOptions {
  /** mqtt://host:port */
  brokerUrl: string;
  devices: readonly FleetDevice[];
  seed: number;
  /** How often each device publishes telemetry, ms. */
  intervalMs: number;
  /** QoS for telemetry; events always go with QoS 1. */
  qos?: 0 | 1;
  /** Per-device MQTT credentials, when the broker requires them. */
  credentials?: (device: FleetDevice) => { username: string; password: string } | undefined;
  now?: () => number;
}

interface Running {
  device: FleetDevice;
  sim: SimulatedDevice;
  client: MqttClient;
  timer?: NodeJS.Timeout;
  /** Dropped on purpose (a flapping connection). */
  down: boolean;
}

/**
 * A fleet of simulated devices, each a real MQTT client over TCP: it announces itself `online`
 * (retained, with `offline` as its last will), publishes telemetry on a timer and events when they happen.
 */
export function createFleet(opts: FleetOptions) {
  const now = opts.now ?? Date.now;
  const qos = opts.qos ?? 0;
  const running = new Map<string, Running>();
  let published = 0;
  let failed = 0;

  async function open(device: FleetDevice, topic: (channel: Channel) => string): Promise<MqttClient> {
    const creds = opts.credentials?.(device);
    const client = await mqtt.connectAsync(opts.brokerUrl, {
      // A device's client id is its asset id (or the asset id, a dot and more): the broker binds ids to identities.
      clientId: `${device.id}.sim`,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      will: { topic: topic('status'), payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(creds ?? {}),
    });
    client.on('error', () => undefined);
    await client.publishAsync(topic('status'), 'online', { qos: 1, retain: true });
    return client;
  }

  async function connect(device: FleetDevice): Promise<Running> {
    const sim = createSimulatedDevice(device, opts.seed, now());
    return { device, sim, client: await open(device, sim.topic), down: false };
  }

  function publishStep(r: Running): void {
    const t = now();
    // A flapping connection: drop it without a goodbye (the broker publishes the last will), come back later.
    const online = r.sim.online(t);
    if (!online && !r.down) {
      r.down = true;
      r.client.end(true);
    } else if (online && r.down) {
      r.down = false;
      open(r.device, r.sim.topic)
        .then((c) => (r.client = c))
        .catch(() => (failed++, (r.down = true)));
    }
    for (const m of r.sim.step(t)) send(r, m);
  }

  function send(r: Running, m: OutMessage): void {
    if (r.down || !r.client.connected) {
      failed++;
      return;
    }
    r.client.publish(m.topic, m.payload, { qos: m.qos === 0 ? qos : 1 }, (err) => {
      if (err) failed++;
      else published++;
    });
  }

  function get(assetId: string): Running {
    const r = running.get(assetId);
    if (!r) throw new Error(`no simulated device "${assetId}" in this fleet`);
    return r;
  }

  return {
    /** Connects every device (100 at a time) and starts publishing, spread over one interval. */
    async start(): Promise<void> {
      const list = [...opts.devices];
      for (let i = 0; i < list.length; i += 100) {
        const batch = await Promise.all(list.slice(i, i + 100).map(connect));
        for (const r of batch) running.set(r.device.id, r);
      }
      let k = 0;
      for (const r of running.values()) {
        const offset = Math.floor((k++ / running.size) * opts.intervalMs);
        r.timer = setTimeout(() => {
          publishStep(r);
          r.timer = setInterval(() => publishStep(r), opts.intervalMs);
        }, offset);
      }
    },

    /**
     * Injects a fault; growing faults reach full severity `rampMs` after `since` (now, or a past
     * moment: a wear that began before the run). Event faults publish at once.
     */
    inject(assetId: string, fault: string, rampMs = 0, since = now()): void {
      const r = get(assetId);
      r.sim.inject(fault, since, rampMs);
      for (const m of r.sim.eventsNow(now())) send(r, m);
    },

    /** Clears a fault: the repair. */
    clear(assetId: string, fault: string): void {
      get(assetId).sim.clear(fault);
    },

    /** Faults active on a device. */
    faults(assetId: string): string[] {
      return get(assetId).sim.faults();
    },

    /** Faults active across the fleet. */
    activeFaults(): number {
      let n = 0;
      for (const r of running.values()) n += r.sim.faults().length;
      return n;
    },

    stats() {
      return { devices: running.size, connected: [...running.values()].filter((r) => r.client.connected).length, published, failed };
    },

    /** Stops publishing and disconnects; each device says `offline` first, as a clean shutdown would. */
    async stop(): Promise<void> {
      await Promise.all(
        [...running.values()].map(async (r) => {
          clearTimeout(r.timer);
          clearInterval(r.timer);
          try {
            if (r.client.connected) await r.client.publishAsync(r.sim.topic('status'), 'offline', { qos: 1, retain: true });
          } catch {
            // The broker may already be gone; the last will covers that case.
          }
          await r.client.endAsync();
        }),
      );
      running.clear();
    },
  };
}
export type Fleet = ReturnType<typeof createFleet>;
