import { startFms, type Fms } from '../../app.ts';
import { testConfig } from '../../config/config.ts';
import { captureLogger } from '../../testing/harness.ts';
import type { NotificationMessage, ResidentContact } from '../message.ts';

/** Two sites open to residents, each with equipment, a technician and a supervisor (dispatch works). */
export const residentsEstate = (residents: Record<string, unknown> = {}) => ({
  sites: [
    { id: 'riverside', name: 'Riverside Gardens', timeZone: 'Asia/Shanghai' },
    { id: 'lakeview', name: 'Lakeview Court' },
  ],
  assets: [
    { id: 'rs-pump-01', type: 'pump', site: 'riverside', name: 'Booster pump 1', location: 'Basement B1' },
    { id: 'rs-elevator-01', type: 'elevator', site: 'riverside', name: 'Lift A', location: 'Building 3' },
    { id: 'lv-pump-01', type: 'pump', site: 'lakeview', name: 'Lakeview pump' },
  ],
  people: [
    { id: 'li-wei', name: 'Li Wei', skills: ['pump', 'elevator'], phone: '13800000001' },
    { id: 'zhang-min', name: 'Zhang Min', role: 'supervisor' },
  ],
  teams: [{ id: 'riverside-eng', name: 'Riverside engineering', sites: ['riverside', 'lakeview'], members: ['li-wei'], supervisor: 'zhang-min' }],
  residents: { sites: ['riverside', 'lakeview'], ...residents },
});

export interface Told {
  to: ResidentContact;
  message: NotificationMessage & { event: string; subjectId: string };
}

/** FMS with the residents' pages, a clock the test moves, and a `tell` that records what residents were told (unless a real mail server is given). */
export async function startResidentsFms(residents: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  const { log, records } = captureLogger();
  const told: Told[] = [];
  let offset = 0;
  // With FMS_SMTP_URL the resident is told the real way (the outbox, email); else the test records it.
  const wiring = env.FMS_SMTP_URL ? {} : { tell: async (to: ResidentContact, message: Told['message']) => void told.push({ to, message }) };
  const fms: Fms = await startFms(testConfig({ estate: residentsEstate(residents), ...env }), log, () => Date.now() + offset, wiring);
  return Object.assign(fms, {
    records,
    told,
    /** Moves FMS's clock forward. */
    advance: (ms: number) => {
      offset += ms;
    },
  });
}

/** A real 1×1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
