import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceType } from '../devices/catalog.ts';
import { createModel, type DeviceModel } from './models/index.ts';
import { seedFrom } from './random.ts';

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
  model: DeviceModel;
  client: MqttClient;
  timer?: NodeJS.Timeout;
  base: string;
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

  async function connect(device: FleetDevice): Promise<Running> {
    const base = `fms/${device.site}/${device.type}/${device.id}`;
    const creds = opts.credentials?.(device);
    const client = await mqtt.connectAsync(opts.brokerUrl, {
      clientId: `sim-${device.id}`,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      will: { topic: `${base}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(creds ?? {}),
    });
    client.on('error', () => undefined);
    const model = createModel(device.type, seedFrom(device.id, opts.seed), now());
    const r: Running = { device, model, client, base };
    await client.publishAsync(`${base}/status`, 'online', { qos: 1, retain: true });
    return r;
  }

  function publishStep(r: Running): void {
    const t = now();
    const out = r.model.step(t);
    send(r, `${r.base}/telemetry`, JSON.stringify({ ts: t, ...out.telemetry }), qos);
    for (const e of out.events) send(r, `${r.base}/event`, JSON.stringify({ ts: t, ...e }), 1);
  }

  function send(r: Running, topic: string, payload: string, q: 0 | 1): void {
    r.client.publish(topic, payload, { qos: q }, (err) => {
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

    /** Injects a fault; growing faults reach full severity after `rampMs`. Event faults publish at once. */
    inject(assetId: string, fault: string, rampMs = 0): void {
      const r = get(assetId);
      r.model.inject(fault, now(), rampMs);
      const out = r.model.step(now());
      for (const e of out.events) send(r, `${r.base}/event`, JSON.stringify({ ts: now(), ...e }), 1);
    },

    /** Clears a fault: the repair. */
    clear(assetId: string, fault: string): void {
      get(assetId).model.clear(fault);
    },

    /** Faults active on a device. */
    faults(assetId: string): string[] {
      return get(assetId).model.active().map((f) => f.name);
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
            if (r.client.connected) await r.client.publishAsync(`${r.base}/status`, 'offline', { qos: 1, retain: true });
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
