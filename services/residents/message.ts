import type { NotificationMessage } from '../notifications/message.ts';

export type { NotificationMessage };

/** Where a resident is told: the contacts they gave. */
export interface ResidentContact {
  email?: string;
  phone?: string;
}

/** Tells a resident something (the durable outbox sends it by email or SMS). */
export type Tell = (to: ResidentContact, message: NotificationMessage & { event: string; subjectId: string }) => Promise<void>;
