import { createSimulatedDevice, type DeviceSpec } from './device.ts';

/** A fault a device had in the past: injected at `since`, growing to full severity over `rampMs`. */
export interface PastFault {
  fault: string;
  since: number;
  rampMs: number;
}

/**
 * What a simulated device measured over a past period, as the readings it would have sent (its own
 * seed: the same device gives the same history), reduced to `metrics` — the condition indicators a
 * history import is for. Counters are left out: a history and the live device each count from their
 * own start.
 */
export function simulatedHistory(
  device: DeviceSpec,
  o: { seed: number; from: number; to: number; stepMs: number; metrics: readonly string[]; faults?: readonly PastFault[] },
): Record<string, number | boolean>[] {
  const sim = createSimulatedDevice(device, o.seed, o.from);
  const pending = [...(o.faults ?? [])].sort((a, b) => a.since - b.since);
  const readings: Record<string, number | boolean>[] = [];
  const telemetry = sim.topic('telemetry');
  for (let t = o.from; t < o.to; t += o.stepMs) {
    while (pending.length && pending[0]!.since <= t) {
      const f = pending.shift()!;
      sim.inject(f.fault, f.since, f.rampMs);
    }
    for (const m of sim.step(t)) {
      if (m.topic !== telemetry) continue;
      const all = JSON.parse(m.payload) as Record<string, number | boolean>;
      const picked: Record<string, number | boolean> = { ts: t };
      for (const name of o.metrics) if (all[name] !== undefined) picked[name] = all[name]!;
      if (Object.keys(picked).length > 1) readings.push(picked);
    }
  }
  return readings;
}

/** Sends readings to POST /api/assets/{id}/telemetry in chunks the API takes; returns how many were stored. */
export async function importHistory(
  httpUrl: string,
  assetId: string,
  readings: readonly Record<string, unknown>[],
  key?: string,
  signal?: AbortSignal,
): Promise<number> {
  let stored = 0;
  for (let i = 0; i < readings.length; i += 5000) {
    signal?.throwIfAborted();
    const res = await fetch(`${httpUrl}/api/assets/${encodeURIComponent(assetId)}/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ readings: readings.slice(i, i + 5000) }),
      ...(signal ? { signal } : {}),
    });
    const body = (await res.json()) as { stored?: number; error?: { message: string } };
    if (!res.ok) throw new Error(`history of ${assetId} not imported (${res.status}): ${body.error?.message ?? 'no reason given'}`);
    stored += body.stored ?? 0;
  }
  return stored;
}
