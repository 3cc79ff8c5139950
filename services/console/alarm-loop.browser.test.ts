import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../../simulators/fleet.ts';
import type { Fms } from '../app.ts';
import { keyedApi, keysFor, launchChromium, openTab, type Tab } from '../testing/console.ts';
import { requireProgram, startTestFms, waitFor } from '../testing/harness.ts';

const browserProgram = requireProgram('chromium', 'chromium');
const ADMIN = 'admin-key-for-the-alarm-loop-tests-0123456789';
// A real PNG (1×1): FMS judges attachments by their content.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

// A site whose vibration rule and sensor window run in seconds, and whose P2 orders get a quality check.
const estate = {
  sites: [{ id: 'riverside', timeZone: 'Asia/Shanghai' }],
  assets: [{ id: 'rs-pump-01', type: 'pump', site: 'riverside', name: 'Booster pump 1', location: 'Plant room B1' }],
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['pump'] },
    { id: 'chen-jie', name: 'Chen Jie', skills: ['pump'] },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
  ],
  teams: [{ id: 'rs-eng', name: 'Riverside engineering', sites: ['riverside'], members: ['li-wei', 'chen-jie'], supervisor: 'zhang-min' }],
  workOrders: { qc: { priorities: ['P1', 'P2'] } },
  rules: [
    {
      id: 'pump.vibration-critical',
      assetType: 'pump',
      metric: 'vibration_mms',
      when: { op: '>', value: 7.1 },
      for: '1s',
      clear: { op: '<', value: 5.5, for: '1s' },
      severity: 'critical',
      workOrder: {
        priority: 'P2',
        title: 'Pump vibration critical',
        verifyFor: '3s',
        checklist: ['Listen for bearing noise', { step: 'Photo of the bearing housing', type: 'photo' }],
      },
    },
  ],
};

/**
 * The whole loop in a real browser, from a sensor's alarm: the simulated pump's bearing fails, FMS
 * raises the alarm and opens an order; the supervisor sees both, reassigns the order; the technician
 * works it on a phone (with a photo from the file chooser), the repair is made, the sensors confirm
 * it, and the supervisor's quality check verifies it.
 */
describe.skipIf(!browserProgram.available)(`an alarm's order through the console, end to end ${browserProgram.reason}`, () => {
  let browser: Browser;
  let fms: Fms;
  let fleet: Fleet;
  let keys: Record<string, string>;
  const api = keyedApi(() => fms.httpUrl, ADMIN);

  beforeAll(async () => {
    fms = await startTestFms(estate, { FMS_API_AUTH: 'keys', FMS_ADMIN_KEY: ADMIN });
    keys = await keysFor(api, { 'li-wei': 'technician', 'chen-jie': 'technician', 'zhang-min': 'supervisor' });
    fleet = createFleet({ brokerUrl: fms.mqttUrl, seed: 11, intervalMs: 200, devices: [{ id: 'rs-pump-01', type: 'pump', site: 'riverside' }] });
    await fleet.start();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    await fms?.stop();
  });

  const open = (person: string, width: number): Promise<Tab> => openTab(browser, { width, height: width < 500 ? 740 : 800, key: keys[person] });

  it('from the alarm to the verified repair: alarm and order on screen, reassigned, worked on a phone, confirmed by the sensors, quality-checked', async () => {
    fleet.inject('rs-pump-01', 'bearing_wear', 0);
    const opened = await waitFor(async () => (await api('GET', '/api/work-orders?assetId=rs-pump-01')).body.items[0], 15_000, 'the alarm’s order');
    expect(opened).toMatchObject({ source: 'alarm', priority: 'P2', title: 'Pump vibration critical' });
    const id = opened.id as string;
    const first = opened.assignee as string;
    const other = first === 'li-wei' ? 'chen-jie' : 'li-wei';
    const names: Record<string, string> = { 'li-wei': 'Li Wei', 'chen-jie': 'Chen Jie' };

    // The supervisor at a desk: the alarm with its order, the order on the board; reassigns it.
    const sup = await open('zhang-min', 1280);
    try {
      await sup.page.goto(`${fms.httpUrl}/alarms`);
      const alarm = sup.page.locator('li, tr, article', { hasText: 'rs-pump-01' }).filter({ has: sup.page.locator(`a[href="/orders/${id}"]`) });
      expect(await alarm.count()).toBeGreaterThan(0);
      await sup.page.goto(`${fms.httpUrl}/board`);
      await sup.page.locator(`a[href="/orders/${id}"]`).first().click();
      await sup.page.waitForURL(`**/orders/${id}`);
      await sup.page.getByLabel('Assign to').selectOption(other);
      // Taking an order from someone says why (the order's history keeps it).
      await sup.page.getByLabel('Reason for reassigning').fill(`${names[first]} is at the other tower`);
      await sup.page.getByRole('button', { name: 'Assign', exact: true }).click();
      await sup.page.waitForLoadState('domcontentloaded');
      await expect(sup.page.locator('.facts').textContent()).resolves.toContain(names[other]);
    } finally {
      await sup.context.close();
    }

    // The technician it now belongs to, on a phone: the order with the pump's live vibration.
    const tech = await open(other, 360);
    try {
      await tech.page.goto(`${fms.httpUrl}/orders`);
      await tech.page.locator(`a[href="/orders/${id}"]`).click();
      await tech.page.waitForURL(`**/orders/${id}`);
      const readings = tech.page.locator('dl.readings');
      await expect(readings.textContent()).resolves.toMatch(/Vibration\s*[\d.]+ mm\/s/);
      await expect(tech.page.locator('#main').textContent()).resolves.toMatch(/Recent alarms[\s\S]*(Critical|critical)/);
      await tech.page.getByRole('button', { name: 'Acknowledge' }).click();
      await tech.page.waitForSelector('.badge.state-acknowledged');
      await tech.page.getByRole('button', { name: 'On site — start' }).click();
      await tech.page.waitForSelector('.badge.state-in_progress');

      // The repair: the bearing is replaced and the vibration falls; the checklist with its photo; resolve.
      fleet.clear('rs-pump-01', 'bearing_wear');
      await waitFor(async () => (await api('GET', '/api/alarms?assetId=rs-pump-01&state=cleared')).body.total === 1, 15_000, 'the alarm to clear');
      await tech.page.getByLabel('Listen for bearing noise').check();
      await tech.page.getByLabel('Photo of the bearing housing').setInputFiles({ name: 'housing.png', mimeType: 'image/png', buffer: PNG });
      await tech.page.locator('#note-resolve').fill('Bearing replaced; runs quiet');
      await tech.page.getByRole('button', { name: 'Resolve' }).click();
      await tech.page.waitForSelector('.badge.state-resolved');
      // After resolving, the page says when the sensors check the repair, then that they passed.
      await expect(tech.page.locator('section[aria-labelledby=acc]').textContent()).resolves.toMatch(/Sensor check|quality check/);
      await waitFor(
        async () => ((await api('GET', `/api/work-orders/${id}`)).body.acceptance.passed as { check: string }[]).some((p) => p.check === 'sensor'),
        20_000,
        'the sensor check',
      );
      await tech.page.reload();
      expect(await tech.page.locator('section[aria-labelledby=acc] .met').textContent()).toBe('Sensor check passed: the fault stayed away.');
      await expect(tech.page.locator('section[aria-labelledby=acc]').textContent()).resolves.toMatch(/Waiting for: quality check/);
      // The technician gives no quality check of their own.
      expect(await tech.page.getByRole('button', { name: 'Verify' }).count()).toBe(0);
      expect(tech.problems).toEqual([]);
    } finally {
      await tech.context.close();
    }

    // The supervisor's quality check: the photo is there; verified.
    const qc = await open('zhang-min', 360);
    try {
      await qc.page.goto(`${fms.httpUrl}/orders/${id}`);
      expect(await qc.page.locator('.thumbs img').count()).toBe(1);
      await qc.page.locator('#note-verify-qc').fill('Housing checked, bearing new');
      await qc.page.getByRole('button', { name: 'Verify' }).click();
      await qc.page.waitForSelector('.badge.state-verified');
      expect(qc.problems).toEqual([]);
    } finally {
      await qc.context.close();
    }
    const done = (await api('GET', `/api/work-orders/${id}`)).body;
    expect(done.state).toBe('verified');
    expect(done.history.map((e: any) => [e.action ?? e.type, e.actor])).toEqual(
      expect.arrayContaining([
        ['assign', 'zhang-min'],
        ['resolve', other],
        ['verify', 'system'],
        ['verify', 'zhang-min'],
      ]),
    );
  }, 90_000);
});
