import { z } from 'zod';
import { deviceTypes, type DeviceType } from '../../devices/catalog.ts';

/** Asset and site ids: what may stand in an MQTT topic level (CONTRACT.md). */
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 of A-Z a-z 0-9 _ -');

export const deviceTypeSchema = z.enum(deviceTypes, { error: `expected one of ${deviceTypes.join(', ')}` });

/** An asset as registered: from the FMS_CONFIG file or `POST /api/assets`. */
export const assetInputSchema = z.strictObject({
  id: idSchema,
  type: deviceTypeSchema,
  site: idSchema,
  name: z.string().min(1).max(200).optional(),
  location: z.string().max(500).default(''),
  /** 1 (low) to 5 (life safety, e.g. a fire pump or a passenger elevator). */
  criticality: z.number().int().min(1, 'expected 1 (low) to 5 (life safety)').max(5, 'expected 1 (low) to 5 (life safety)').default(3),
  tags: z.array(z.string().min(1).max(64)).max(32).default([]),
  installedAt: z.iso.date({ error: 'expected a date such as 2019-05-01' }).optional(),
});
export type AssetInput = z.input<typeof assetInputSchema>;

export const assetPatchSchema = assetInputSchema
  .omit({ id: true })
  .partial()
  .extend({
    location: z.string().max(500).optional(),
    criticality: z.number().int().min(1).max(5).optional(),
    tags: z.array(z.string().min(1).max(64)).max(32).optional(),
  });
export type AssetPatch = z.infer<typeof assetPatchSchema>;

export interface Asset {
  id: string;
  type: DeviceType;
  site: string;
  name: string;
  location: string;
  criticality: number;
  tags: string[];
  installedAt: string | null;
  origin: 'config' | 'api';
  createdAt: number;
  updatedAt: number;
  /** Maintenance mode: a technician is on site until this time (epoch ms); non-safety alarms are held back. */
  maintenance: { until: number; by: string } | null;
}
