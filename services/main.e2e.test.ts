import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../simulators/fleet.ts';
import { waitFor } from './testing/harness.ts';
import { startServiceProcess, type ServiceProcess } from './testing/service-process.ts';

// The estate file of a site that wants its pump vibration rule quicker than the default 60 s, so the
// test runs in seconds; everything else is the shipped configuration.
const estateYaml = `
sites:
  - { id: riverside, name: Riverside Gardens }
assets:
  - { id: rs-pump-01, type: pump, site: riverside, criticality: 4 }
  - { id: rs-pump-02, type: pump, site: riverside }
  - { id: rs-elevator-01, type: elevator, site: riverside, criticality: 5 }
  - { id: rs-gate-01, type: gate, site: riverside }
rules:
  - id: pump.vibration-critical
    description: The default rule with short durations for the test.
    assetType: pump
    metric: vibration_mms
    when: { op: ">", value: 7.1 }
    for: 2s
    clear: { op: "<", value: 5.5, for: 1s }
    severity: critical
    workOrder:
      priority: P2
      category: repair
      title: "Pump vibration critical"
      checklist: ["Listen for bearing noise", { step: "Measure vibration", type: measurement, unit: mm/s, max: 4.5 }]
`;

describe('FMS end to end: simulated devices over MQTT to work orders over HTTP', () => {
  let dir: string;
  let service: ServiceProcess;
  let fleet: Fleet;
  const workOrders = async (query = '') => (await service.get(`/api/work-orders${query}`)) as { items: any[]; total: number };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fms-e2e-'));
    writeFileSync(path.join(dir, 'estate.yaml'), estateYaml);
    // The service's defaults: API keys on every route, devices sign in with their own credentials.
    service = await startServiceProcess({ FMS_DATA_DIR: path.join(dir, 'data'), FMS_CONFIG: path.join(dir, 'estate.yaml') });
    const devices = [
      { id: 'rs-pump-01', type: 'pump', site: 'riverside' },
      { id: 'rs-pump-02', type: 'pump', site: 'riverside' },
      { id: 'rs-elevator-01', type: 'elevator', site: 'riverside' },
      { id: 'rs-gate-01', type: 'gate', site: 'riverside' },
    ] as const;
    fleet = createFleet({
      brokerUrl: service.mqttUrl,
      seed: 7,
      intervalMs: 200,
      devices: [...devices],
      credentials: await service.provision(devices.map((d) => d.id)),
    });
    await fleet.start();
  });

  afterAll(async () => {
    await fleet?.stop();
    await service?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses what comes without a key or credentials, by default', async () => {
    expect((await fetch(`${service.httpUrl}/api/work-orders`)).status).toBe(401);
    expect((await fetch(`${service.httpUrl}/api/health`)).status).toBe(200);
    const { default: mqtt } = await import('mqtt');
    await expect(mqtt.connectAsync(service.mqttUrl, { reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it('healthy devices publish telemetry and open no work order', async () => {
    await waitFor(async () => (await service.get(`/api/assets/rs-pump-02/latest`)).metrics.vibration_mms, 5000, 'pump telemetry');
    await new Promise((r) => setTimeout(r, 2500));
    expect((await workOrders()).total).toBe(0);
    const assets = await service.get(`/api/assets`);
    expect(assets.items.every((a: any) => a.status.connection === 'online')).toBe(true);
  });

  it('a bearing fault raises the vibration alarm and opens exactly one P2 work order; the repeat attaches to it', async () => {
    fleet.inject('rs-pump-01', 'bearing_wear', 0);
    const first = await waitFor(async () => (await workOrders('?assetId=rs-pump-01')).items[0], 15_000, 'the work order');
    expect(first).toMatchObject({
      priority: 'P2',
      source: 'alarm',
      state: 'new',
      ruleId: 'pump.vibration-critical',
      title: 'Pump vibration critical',
      occurrences: 1,
    });
    expect(first.id).toMatch(/^WO-\d{4}-\d{6}$/);
    expect(first.checklist).toEqual([
      { step: 'Listen for bearing noise', type: 'check' },
      { step: 'Measure vibration', type: 'measurement', unit: 'mm/s', max: 4.5 },
    ]);

    // Repair, the alarm clears; the fault comes back while the order is still open.
    fleet.clear('rs-pump-01', 'bearing_wear');
    await waitFor(async () => (await service.get(`/api/alarms?assetId=rs-pump-01&state=cleared`)).total === 1, 15_000, 'the alarm to clear');
    fleet.inject('rs-pump-01', 'bearing_wear', 0);
    await waitFor(async () => (await workOrders('?assetId=rs-pump-01')).items[0]?.occurrences === 2, 15_000, 'the second occurrence');

    const all = await workOrders('?assetId=rs-pump-01');
    expect(all.total).toBe(1);
    const detail = await service.get(`/api/work-orders/${first.id}`);
    expect(detail.history.map((h: any) => h.type)).toEqual(['opened', 'occurrence']);
    const alarms = await service.get(`/api/alarms?assetId=rs-pump-01`);
    expect(alarms.items.map((a: any) => a.workOrderId)).toEqual([first.id, first.id]);
  });

  it('an entrapment opens a P1 order at once, and a repeated entrapment does not open a second', async () => {
    fleet.inject('rs-elevator-01', 'entrapment');
    const order = await waitFor(async () => (await workOrders('?assetId=rs-elevator-01')).items[0], 5000, 'the P1 order');
    expect(order).toMatchObject({ priority: 'P1', title: 'Passenger trapped in elevator' });
    fleet.inject('rs-elevator-01', 'entrapment');
    await waitFor(async () => (await workOrders('?assetId=rs-elevator-01')).items[0]?.occurrences === 2, 5000, 'the repeat');
    expect((await workOrders('?assetId=rs-elevator-01')).total).toBe(1);
    expect((await workOrders('?priority=P1')).total).toBe(1);
  });

  it('stops cleanly on SIGTERM within a few seconds and keeps its orders across a restart', async () => {
    const before = await workOrders();
    await fleet.stop();
    const started = Date.now();
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(service.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping', 'mqtt broker closed', 'stopped']));

    service = await startServiceProcess({ FMS_DATA_DIR: path.join(dir, 'data'), FMS_CONFIG: path.join(dir, 'estate.yaml') });
    expect(service.logs.find((l) => l.msg === 'open alarms restored')).toMatchObject({ alarms: expect.any(Number) });
    expect((await workOrders()).items.map((o) => o.id)).toEqual(before.items.map((o) => o.id));
  });
});
