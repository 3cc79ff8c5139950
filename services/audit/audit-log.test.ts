import { afterEach, expect, it } from 'vitest';
import type { OpenedDatabase } from '../db/database.ts';
import { captureLogger } from '../testing/harness.ts';
import { eachDatabase } from '../testing/databases.ts';
import { createAuditLog } from './audit-log.ts';
import { createKyselyAuditStore } from './audit-store.kysely.ts';

eachDatabase('the audit log', (open) => {
  let opened: OpenedDatabase | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('keeps who, when, from where and what, newest first, and filters by action prefix, actor and outcome', async () => {
    opened = await open();
    let t = 1_000;
    const { log, records } = captureLogger();
    const audit = createAuditLog({ store: createKyselyAuditStore(opened.db), now: () => t, log });
    audit.record({
      action: 'key.issued',
      outcome: 'ok',
      actor: 'key:aaaaaaaaaaaa',
      actorName: 'Ops admin',
      actorRole: 'admin',
      address: '10.0.0.5',
      target: 'key bbbbbbbbbbbb',
      detail: '"Li Wei", technician for li-wei',
    });
    t = 2_000;
    audit.record({
      action: 'work_order.verified',
      outcome: 'ok',
      actor: 'key:cccccccccccc',
      actorName: 'Zhang Min',
      actorRole: 'supervisor',
      address: '10.0.0.7',
      target: 'work order WO-1',
      detail: 'by zhang-min (qc)',
    });
    t = 3_000;
    audit.record({ action: 'workXorder.other', outcome: 'ok', actor: 'system', target: null });
    audit.record({
      action: 'access.denied',
      outcome: 'denied',
      actor: 'key:bbbbbbbbbbbb',
      actorRole: 'technician',
      address: '10.0.0.9',
      target: 'POST /api/rules',
      detail: 'the role "technician" may not POST /api/rules',
    });
    await audit.flush();

    const all = await audit.list({ limit: 100, offset: 0 });
    expect(all.total).toBe(4);
    expect(all.items.map((r) => r.action)).toEqual(['access.denied', 'workXorder.other', 'work_order.verified', 'key.issued']);
    expect(all.items[3]).toEqual({
      id: expect.any(Number),
      at: 1_000,
      action: 'key.issued',
      outcome: 'ok',
      actor: 'key:aaaaaaaaaaaa',
      actorName: 'Ops admin',
      actorRole: 'admin',
      address: '10.0.0.5',
      target: 'key bbbbbbbbbbbb',
      detail: '"Li Wei", technician for li-wei',
      count: 1,
    });
    // `_` in a prefix is a letter, not a wildcard: `work_order.` does not find `workXorder.`.
    expect((await audit.list({ action: 'work_order.', limit: 10, offset: 0 })).items.map((r) => r.action)).toEqual(['work_order.verified']);
    expect((await audit.list({ actor: 'key:bbbbbbbbbbbb', limit: 10, offset: 0 })).items.map((r) => r.action)).toEqual(['access.denied']);
    expect((await audit.list({ outcome: 'denied', from: 2_500, limit: 10, offset: 0 })).total).toBe(1);
    expect((await audit.list({ to: 2_000, limit: 10, offset: 0 })).items.map((r) => r.at)).toEqual([1_000]);
    // Each record is in the log too, for shipping elsewhere.
    expect(records.filter((r) => r.audit).length).toBe(4);
    expect(records.find((r) => r.audit)!.audit).toEqual({
      at: 1_000,
      action: 'key.issued',
      outcome: 'ok',
      actor: 'key:aaaaaaaaaaaa',
      actor_name: 'Ops admin',
      actor_role: 'admin',
      address: '10.0.0.5',
      target: 'key bbbbbbbbbbbb',
      detail: '"Li Wei", technician for li-wei',
      count: 1,
    });
  });

  it('writes a flood once at once and once more with its count, not once per attempt', async () => {
    opened = await open();
    let t = 0;
    const audit = createAuditLog({ store: createKyselyAuditStore(opened.db), now: () => t, log: captureLogger().log, windowMs: 200 });
    for (let i = 0; i < 500; i++) {
      t = i;
      audit.record({
        action: 'api.login',
        outcome: 'failed',
        actor: 'anonymous',
        address: '203.0.113.9',
        target: 'GET /api/assets',
        detail: 'API key refused: unknown key',
      });
    }
    audit.record({ action: 'api.login', outcome: 'failed', actor: 'anonymous', address: '203.0.113.10', target: 'GET /api/assets', detail: 'no API key' });
    await new Promise((r) => setTimeout(r, 50));
    expect((await audit.list({ limit: 10, offset: 0 })).items.map((r) => [r.address, r.count])).toEqual([
      ['203.0.113.10', 1],
      ['203.0.113.9', 1],
    ]);
    await new Promise((r) => setTimeout(r, 300));
    const after = await audit.list({ limit: 10, offset: 0 });
    expect(after.items.filter((r) => r.address === '203.0.113.9').map((r) => r.count)).toEqual([499, 1]);
    expect(after.total).toBe(3);
  });

  it('closes each series its own window after it began, a later one later', async () => {
    opened = await open();
    const audit = createAuditLog({ store: createKyselyAuditStore(opened.db), now: () => Date.now(), log: captureLogger().log, windowMs: 300 });
    const attempt = (address: string) =>
      audit.record({ action: 'mqtt.login', outcome: 'failed', actor: 'anonymous', address, target: null, detail: 'wrong or revoked credentials' });
    const counted = async () => (await audit.list({ limit: 10, offset: 0 })).items.filter((r) => r.count > 1).map((r) => [r.address, r.count]);
    for (let i = 0; i < 3; i++) attempt('203.0.113.1');
    await new Promise((r) => setTimeout(r, 150));
    for (let i = 0; i < 4; i++) attempt('203.0.113.2');
    await new Promise((r) => setTimeout(r, 250)); // the first series' window is over, not the second's
    expect(await counted()).toEqual([['203.0.113.1', 2]]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await counted()).toEqual([
      ['203.0.113.2', 3],
      ['203.0.113.1', 2],
    ]);
  });

  it('removes records older than the retention', async () => {
    opened = await open();
    let t = 0;
    const audit = createAuditLog({ store: createKyselyAuditStore(opened.db), now: () => t, log: captureLogger().log });
    for (t = 0; t < 10; t++) audit.record({ action: 'rule.updated', outcome: 'ok', actor: 'system', target: `rule r${t}` });
    await audit.flush();
    expect(await audit.prune(5)).toBe(5);
    expect((await audit.list({ limit: 100, offset: 0 })).items.map((r) => r.target)).toEqual(['rule r9', 'rule r8', 'rule r7', 'rule r6', 'rule r5']);
  });
});
