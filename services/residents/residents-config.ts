import { z } from 'zod';
import { idSchema } from '../assets/asset.ts';

const perHour = z.number().int().min(1).max(10_000);

/** The `residents:` block of the estate file: the public request pages (docs/residents.md). */
export const residentsConfigSchema = z
  .strictObject({
    /** Sites whose residents may file requests on the public pages; none by default (the pages answer 404). */
    sites: z.array(idSchema).default([]),
    /** Requests one client address may file per hour. */
    perAddressPerHour: perHour.default(5),
    /** Requests (and verification codes) one phone number or email address may ask for per hour. */
    perContactPerHour: perHour.default(5),
    /** Photos one request may bring, and the size of each. */
    photos: z.number().int().min(0).max(3).default(3),
    photoMaxMb: z.number().min(0.1).max(20).default(5),
    /** A code sent to the resident's email or phone before the request is taken; `none` files at once. */
    verify: z.enum(['none', 'email', 'sms'], { error: 'expected none, email or sms' }).default('none'),
    /**
     * The address tracking links start with (https://fms.example.com); without it, the address the
     * resident's browser used (trust it only behind a proxy that sets the Host).
     */
    publicUrl: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
    /** The estate's hotline, shown on the pages and posters for what cannot wait (someone trapped in a lift). */
    hotline: z.string().min(3).max(40).optional(),
  })
  .prefault({});
export type ResidentsConfig = z.infer<typeof residentsConfigSchema>;
