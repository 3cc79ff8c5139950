import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { pmPlanSchema } from '../../pm/pm-plan.ts';
import type { PlanReport } from './asset.ts';
import { visitsOf } from './pm.ts';

const TZ = 'Asia/Shanghai';
const day = (iso: string) => DateTime.fromISO(iso, { zone: TZ }).endOf('day').toMillis();
const now = DateTime.fromISO('2026-12-01T09:00', { zone: TZ }).toMillis();
const until = now + 30 * 86_400_000;

/** A plan as GET /api/pm-plans/{id} gives it, with one asset's row. */
function report(plan: Record<string, unknown>, row: Partial<PlanReport['assets'][number]>): { plan: PlanReport; row: PlanReport['assets'][number] } {
  const r: PlanReport['assets'][number] = {
    assetId: 'rs-elevator-01',
    site: 'riverside',
    trackedSince: DateTime.fromISO('2026-11-01', { zone: TZ }).toMillis(),
    nextDue: null,
    lastDone: null,
    compliance: { due: 0, onTime: 0, onTimePct: null, withinTolerancePct: null },
    history: [],
    ...row,
  };
  // Through JSON, as the page reads it.
  return { plan: JSON.parse(JSON.stringify({ ...pmPlanSchema.parse(plan), assets: [r] })), row: r };
}

describe('the visits of a plan in the next 30 days', () => {
  it('follows a fixed half-monthly calendar past the next visit, each visit with its tier', () => {
    const { plan, row } = report(
      {
        id: 'lift',
        title: 'Lift maintenance',
        assetType: 'elevator',
        trigger: { every: '15d' },
        start: '2026-11-01',
        tiers: [
          { name: 'half-monthly', every: 1 },
          { name: 'every third', every: 3 },
        ],
      },
      { nextDue: { dueAt: day('2026-12-01'), key: '2026-12-01', tier: 'half-monthly', reason: 'every 15d' } },
    );
    const { due } = visitsOf(plan, row, TZ, now, until);
    // 1 Nov + 15 days × 2, × 3 (the third visit: the larger tier); 31 Dec ends after the 30 days.
    expect(due.map((v) => DateTime.fromMillis(v.dueAt, { zone: TZ }).toISODate())).toEqual(['2026-12-01', '2026-12-16']);
    expect(due.map((v) => v.workOrderId)).toEqual([null, null]);
    expect(due.map((v) => v.tier)).toEqual(['half-monthly', 'every third']);
  });

  it('shows an opened order and an overdue visit, and guesses nothing after the next visit of a floating plan', () => {
    const { plan, row } = report(
      { id: 'gate', title: 'Gate service', assetType: 'gate', trigger: { every: '7d' }, schedule: 'floating' },
      {
        nextDue: { dueAt: day('2026-12-05'), key: 'after-x', tier: null, reason: 'every 7d' },
        history: [
          { key: 'a', tier: null, dueAt: day('2026-11-20'), workOrderId: 'WO-1', state: 'assigned', doneAt: null, status: 'overdue' },
          { key: 'b', tier: null, dueAt: day('2026-12-02'), workOrderId: 'WO-2', state: 'assigned', doneAt: null, status: 'open' },
          { key: 'c', tier: null, dueAt: day('2026-11-10'), workOrderId: 'WO-0', state: 'closed', doneAt: day('2026-11-09'), status: 'on_time' },
        ],
      },
    );
    const { due, overdue } = visitsOf(plan, row, TZ, now, until);
    expect(overdue.map((v) => v.workOrderId)).toEqual(['WO-1']);
    expect(due.map((v) => [DateTime.fromMillis(v.dueAt, { zone: TZ }).toISODate(), v.workOrderId])).toEqual([
      ['2026-12-02', 'WO-2'],
      ['2026-12-05', null],
    ]);
  });
});
