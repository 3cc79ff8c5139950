import type { Fleet } from './fleet.ts';

/**
 * The demo's people: technicians who acknowledge, go on site, repair the simulated device (clear its
 * fault), work through the checklist and resolve; a supervisor who does QC and closes; residents who
 * confirm and rate. They act over the public HTTP API exactly as the apps would, with pauses so that
 * each step can be watched.
 */
export interface CrewOptions {
  /** http://host:port of FMS. */
  httpUrl: string;
  fleet: Fleet;
  supervisor: string;
  say: (line: string) => void;
  /** How long a person takes for one step, ms. */
  stepMs?: number;
  /**
   * The API key each one uses when FMS wants keys: a person's own (by person id), and `requester`'s
   * for the residents (the resident app, an integration). Reading uses the supervisor's.
   */
  keyFor?: (by: string) => string | undefined;
}

interface Order {
  id: string;
  state: string;
  source: string;
  assetId: string | null;
  assignee: string | null;
  ruleId: string | null;
  version: number;
  requester: { name: string } | null;
  rating: { score: number } | null;
  checklist: { step: string; type: string; min?: number; max?: number }[];
  acceptance: { required: string[]; passed: { check: string }[] };
  updatedAt: number;
}

/** A 1×1 PNG: the demo technician's photo of the finished work. */
const PHOTO = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAghqUXwAAAABJRU5ErkJggg==', 'base64');

export function startDemoCrew(opts: CrewOptions) {
  const stepMs = opts.stepMs ?? 8000;
  /** When each order last changed under our eyes, so each person waits a little before the next step. */
  const seen = new Map<string, number>();
  let stopped = false;
  let busy = false;

  async function api<T>(path: string, body?: { by: string } & Record<string, unknown>): Promise<T> {
    const key = opts.keyFor?.(body?.by ?? opts.supervisor);
    const auth: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    const res = await fetch(
      `${opts.httpUrl}/api${path}`,
      body === undefined ? { headers: auth } : { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) },
    );
    const json = (await res.json()) as T & { error?: { message: string } };
    if (!res.ok) throw new Error(`${path}: ${json.error?.message ?? res.status}`);
    return json;
  }
  const act = (o: Order, body: { by: string } & Record<string, unknown>) => api<Order>(`/work-orders/${o.id}/actions`, body);

  async function alarmStillOpen(o: Order): Promise<boolean> {
    if (!o.assetId || !o.ruleId) return false;
    const rule = await api<{ on?: string }>(`/rules/${o.ruleId}`).catch(() => undefined);
    if (rule?.on) return false; // an event alarm clears itself later; what matters is that no new event comes
    const { total } = await api<{ total: number }>(`/alarms?assetId=${o.assetId}&state=active,acknowledged`);
    return total > 0;
  }

  async function step(o: Order): Promise<void> {
    const who = o.assignee ?? opts.supervisor;
    switch (o.state) {
      case 'assigned':
        await act(o, { action: 'acknowledge', by: who, note: o.source === 'predictive' ? 'planned before the due date' : 'on my way' });
        opts.say(`demo crew: ${who} acknowledged ${o.id}`);
        return;
      case 'acknowledged':
        // A predicted repair is planned work, due before the likely crossing: not today's visit.
        if (o.source === 'predictive') return;
        await act(o, { action: 'start', by: who });
        opts.say(`demo crew: ${who} is on site for ${o.id}`);
        return;
      case 'in_progress': {
        // The repair: the simulated device is healthy again.
        if (o.assetId && o.source === 'alarm') for (const f of opts.fleet.faults(o.assetId)) opts.fleet.clear(o.assetId, f);
        // A careful technician watches the readings settle before signing off.
        if (await alarmStillOpen(o)) return;
        const results = [];
        for (const [i, s] of o.checklist.entries()) {
          if (s.type === 'photo') {
            await act(o, { action: 'attach', by: who, filename: `step-${i}.png`, data: PHOTO.toString('base64') });
            const detail = await api<{ attachments: { id: string }[] }>(`/work-orders/${o.id}`);
            results.push({ step: i, done: true, photo: detail.attachments.at(-1)!.id });
          } else if (s.type === 'measurement')
            results.push({ step: i, done: true, value: s.max !== undefined ? Math.round(s.max * 50) / 100 : (s.min ?? 0) + 1 });
          else if (s.type === 'pass_fail') results.push({ step: i, done: true, passed: true });
          else results.push({ step: i, done: true });
        }
        await act(o, { action: 'resolve', by: who, note: 'repaired and tested', results });
        opts.say(`demo crew: ${who} resolved ${o.id}; acceptance needs ${o.acceptance.required.join(', ') || 'nothing more'}`);
        return;
      }
      case 'resolved': {
        const passed = new Set(o.acceptance.passed.map((p) => p.check));
        if (o.acceptance.required.includes('sensor') && !passed.has('sensor')) return; // FMS decides that one
        if (o.acceptance.required.includes('requester') && !passed.has('requester')) {
          await act(o, { action: 'verify', by: 'requester', note: 'works again, thank you' });
          opts.say(`demo crew: the requester confirmed ${o.id}`);
        } else if (o.acceptance.required.includes('qc') && !passed.has('qc')) {
          await act(o, { action: 'verify', by: opts.supervisor, check: 'qc', note: 'second inspection passed' });
          opts.say(`demo crew: ${opts.supervisor} passed the QC inspection of ${o.id}`);
        }
        return;
      }
      case 'verified':
        if (!o.rating) {
          await act(o, { action: 'rate', by: o.requester ? 'requester' : opts.supervisor, score: 5, comment: 'quick and tidy' });
          opts.say(`demo crew: ${o.id} rated 5`);
        } else {
          await act(o, { action: 'close', by: opts.supervisor });
          opts.say(`demo crew: ${opts.supervisor} closed ${o.id}: the loop is complete`);
        }
        return;
    }
  }

  async function round(): Promise<void> {
    if (busy || stopped) return;
    busy = true;
    try {
      const { items } = await api<{ items: Order[] }>('/work-orders?state=assigned,acknowledged,in_progress,resolved,verified&limit=100');
      const t = Date.now();
      for (const o of items) {
        const key = `${o.id}@${o.version}`;
        if (!seen.has(key)) seen.set(key, t);
        if (t - seen.get(key)! < stepMs) continue;
        await step(o).catch((err) => opts.say(`demo crew: ${o.id}: ${(err as Error).message}`));
      }
    } catch {
      // FMS is stopping or busy: try again next round.
    } finally {
      busy = false;
    }
  }

  const timer = setInterval(() => void round(), 1000);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
