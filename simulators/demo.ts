import type { AssetInput } from '../services/assets/asset.ts';
import type { DeviceType } from '../devices/catalog.ts';
import { createFleet, type FleetDevice } from './fleet.ts';

/** The demo estate: two sites, 6 pumps, 4 elevators and 6 gates. */
export const demoSites = [
  { id: 'riverside', name: 'Riverside Gardens' },
  { id: 'lakeview', name: 'Lakeview Towers' },
] as const;

function devices(site: string, type: DeviceType, n: number): FleetDevice[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${site}-${type}-${String(i + 1).padStart(2, '0')}`, type, site }));
}

export const demoDevices: FleetDevice[] = demoSites.flatMap((s) => [...devices(s.id, 'pump', 3), ...devices(s.id, 'elevator', 2), ...devices(s.id, 'gate', 3)]);

const locations: Record<DeviceType, string> = { pump: 'Basement plant room', elevator: 'Tower lobby', gate: 'Main entrance' };

export const demoAssets: AssetInput[] = demoDevices.map((d) => ({
  id: d.id,
  type: d.type,
  site: d.site,
  name: `${d.type[0]!.toUpperCase()}${d.type.slice(1)} ${d.id.slice(-2)}, ${demoSites.find((s) => s.id === d.site)!.name}`,
  location: locations[d.type],
  criticality: d.type === 'elevator' ? 5 : d.type === 'pump' ? 4 : 3,
}));

/** Faults the demo injects, seconds after start: each one opens a work order, one repeats. */
export const demoSchedule = [
  { at: 5, assetId: 'riverside-pump-02', fault: 'bearing_wear', rampMs: 15_000, note: 'vibration climbs past 7.1 mm/s; the critical rule fires after 60 s' },
  { at: 10, assetId: 'riverside-elevator-01', fault: 'entrapment', rampMs: 0, note: 'passenger trapped: P1 work order at once' },
  { at: 20, assetId: 'lakeview-gate-02', fault: 'forced_open', rampMs: 0, note: 'gate forced open: P1 work order at once' },
  { at: 40, assetId: 'riverside-elevator-01', fault: 'entrapment', rampMs: 0, note: 'the same fault again: attaches to the open order' },
] as const;

/** Runs the demo fleet against a broker and injects the scheduled faults. */
export async function startDemoFleet(brokerUrl: string, say: (line: string) => void) {
  const fleet = createFleet({ brokerUrl, devices: demoDevices, seed: 2026, intervalMs: 1000 });
  await fleet.start();
  const timers = demoSchedule.map((f) =>
    setTimeout(() => {
      say(`demo: ${f.fault} on ${f.assetId} (${f.note})`);
      fleet.inject(f.assetId, f.fault, f.rampMs);
    }, f.at * 1000),
  );
  return {
    fleet,
    async stop() {
      for (const t of timers) clearTimeout(t);
      await fleet.stop();
    },
  };
}
