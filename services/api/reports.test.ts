import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fms } from '../app.ts';
import { startTestFms } from '../testing/harness.ts';

describe('reports over HTTP', () => {
  let fms: Fms;
  const inject = (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    fms.api.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

  beforeAll(async () => {
    fms = await startTestFms({
      sites: [{ id: 'riverside' }],
      assets: [
        { id: 'rs-pump-01', type: 'pump', site: 'riverside', criticality: 4 },
        { id: 'rs-gate-01', type: 'gate', site: 'riverside' },
      ],
      people: [
        { id: 'li-wei', name: 'Li Wei' },
        { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
      ],
      teams: [{ id: 'eng', name: 'Engineering', members: ['li-wei'], supervisor: 'zhang-min' }],
    });
    const order = (
      await inject('POST', '/api/work-orders', {
        source: 'inspection',
        channel: 'inspection',
        category: 'repair',
        title: 'Seal leaking',
        assetId: 'rs-pump-01',
        by: 'li-wei',
      })
    ).json();
    await inject('POST', `/api/work-orders/${order.id}/actions`, { action: 'start', by: 'li-wei' });
    await inject('POST', `/api/work-orders/${order.id}/actions`, { action: 'resolve', by: 'li-wei', note: 'new seal' });
  });
  afterAll(() => fms?.stop());

  it('generates, lists and serves a report as HTML, PDF, JSON and CSV', async () => {
    const created = await inject('POST', '/api/reports', { site: 'riverside', language: 'zh' });
    expect(created.statusCode).toBe(201);
    const { id, files } = created.json();
    expect(Object.keys(files).sort()).toEqual([
      'bad-actors.csv',
      'health.csv',
      'reliability.csv',
      'report.html',
      'report.json',
      'report.pdf',
      'rule-precision.csv',
      'sla.csv',
    ]);
    expect(id).toMatch(/^RPT-\d{8}-riverside-/);
    expect((await inject('GET', '/api/reports')).json().items[0]).toMatchObject({
      id,
      site: 'riverside',
      language: 'zh',
      kind: 'on_demand',
      summary: { assets: 2, files: expect.arrayContaining(['report.pdf']) },
    });
    expect((await inject('GET', '/api/reports?kind=weekly')).json().items).toEqual([]);

    const json = (await inject('GET', `/api/reports/${id}`)).json();
    expect(json.reliabilityByType.find((r: any) => r.group === 'pump')).toMatchObject({ assets: 1, failures: 1 });
    expect(json.health.map((h: any) => h.assetId)).toEqual(['rs-gate-01', 'rs-pump-01']);

    const html = await inject('GET', `/api/reports/${id}`, undefined, { accept: 'text/html' });
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('维保报告');
    expect(html.body).toContain('<svg');
    expect((await inject('GET', files['health.csv'])).body.split('\n')[0]).toBe(
      'asset,type,site,health,risk,action,reason,open_order,crossing_metric,crossing_likely,crossing_low,crossing_high',
    );
    const pdf = await inject('GET', `/api/reports/${id}`, undefined, { accept: 'application/pdf' });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await inject('GET', files['report.pdf'])).rawPayload.equals(pdf.rawPayload)).toBe(true);
    expect((await inject('GET', `/api/reports/${id}/..%2F..%2Fdatabase.db`)).json().error.code).toBe('FMS_ERR_REPORT_NOT_FOUND');
    expect((await inject('GET', `/api/reports/${id}/secret.txt`)).json().error.code).toBe('FMS_ERR_REPORT_NOT_FOUND');
    expect((await inject('GET', '/api/reports/RPT-nope')).statusCode).toBe(404);
  });

  it('refuses a bad period or an unknown site with what it expected', async () => {
    const backwards = await inject('POST', '/api/reports', { from: '2026-11-10T00:00:00Z', to: '2026-11-01T00:00:00Z' });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.message).toContain('must end after it starts');
    const nowhere = await inject('POST', '/api/reports', { site: 'atlantis' });
    expect(nowhere.statusCode).toBe(400);
    expect(nowhere.json().error.message).toContain('no site "atlantis"');
    expect((await inject('POST', '/api/reports', { language: 'fr' })).statusCode).toBe(400);
  });

  it('makes reports one at a time and turns away a crowd beyond the queue, which a later request gets past', async () => {
    // Over real sockets, all at once.
    const post = async () => {
      const res = await fetch(`${fms.httpUrl}/api/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"site":"riverside"}' });
      return { statusCode: res.status, headers: Object.fromEntries(res.headers), json: (await res.json()) as { error?: { code: string } } };
    };
    const crowd = await Promise.all(Array.from({ length: 8 }, post));
    const codes = crowd.map((r) => r.statusCode);
    // Four in hand (one being made, three waiting): the others are told to come back.
    expect(codes.filter((c) => c === 201).length).toBeGreaterThanOrEqual(4);
    const refused = crowd.filter((r) => r.statusCode === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.json.error?.code).toBe('FMS_ERR_REPORT_BUSY');
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThan(0);
    expect((await post()).statusCode).toBe(201);
  });
});
