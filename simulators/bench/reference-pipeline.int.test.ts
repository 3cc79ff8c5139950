import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireProgram } from '../../services/testing/harness.ts';
import { startInfluxd, type Influxd } from '../../services/testing/influxd.ts';
import { influxPointCount, startReferencePipeline, type ReferencePipeline } from './run-reference.ts';

const influxd = requireProgram('influxd', 'influxdb');
const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

describe.skipIf(!influxd.available)(`the benchmark's reference pipeline (real influxd) ${influxd.reason}`, () => {
  let server: Influxd;
  let pipeline: ReferencePipeline;

  beforeAll(async () => {
    server = await startInfluxd();
    pipeline = await startReferencePipeline(server.url, 'reference_test');
  });
  afterAll(async () => {
    await pipeline?.stop();
    await server?.destroy();
  });

  it('stores in InfluxDB every reading it acknowledged at QoS 1, and not one that fails the pump schema', async () => {
    const client = await mqtt.connectAsync(pipeline.mqttUrl, { clientId: 'reference-test' });
    const pumps = ['p1', 'p2', 'p3', 'p4'];
    for (let i = 0; i < 1000; i++) {
      const payload = {
        ts: T0 + i,
        flow_m3h: 30 + (i % 7),
        pressure_out_bar: 4.1,
        vibration_mms: i % 100 === 0 ? 9 : 2,
        motor_temp_c: 48.5,
        running: true,
        run_hours: i,
      };
      await client.publishAsync(`fms/bench/pump/${pumps[i % 4]}/telemetry`, JSON.stringify(payload), { qos: 1 });
    }
    // Out of the pump's range (vibration ≤ 100 mm/s), an unknown metric, not JSON: all refused.
    await client.publishAsync('fms/bench/pump/p1/telemetry', JSON.stringify({ ts: T0 + 5000, vibration_mms: 900 }), { qos: 1 });
    await client.publishAsync('fms/bench/pump/p1/telemetry', JSON.stringify({ ts: T0 + 5001, colour: 'red' }), { qos: 1 });
    await client.publishAsync('fms/bench/pump/p1/telemetry', 'not json', { qos: 1 });
    await client.endAsync();

    const stats = await pipeline.drained();
    expect(stats).toMatchObject({ accepted: 1000, rejected: 3, written: 1000, pending: 0 });
    // Vibration above 7.1 mm/s every 100th reading, back to 2 on the next of the same pump: raised and cleared 10 times.
    expect(stats.alarmChanges).toBe(20);
    expect(await influxPointCount(server.url, 'reference_test')).toBe(1000);
    const res = await fetch(`${server.url}/query?db=reference_test&q=${encodeURIComponent('SELECT count(*) FROM pump WHERE time >= ' + (T0 + 5000) + 'ms')}`);
    expect(JSON.stringify(await res.json())).not.toContain('series');
  });
});
