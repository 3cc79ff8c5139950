/**
 * What a notification says, whatever the channel (the same shape as services/notifications/message.ts,
 * which the notifications work brings; the lead unifies the two when both are on main).
 */
export interface NotificationMessage {
  language: 'en' | 'zh';
  title: string;
  text: string;
  link?: string;
  urgent?: boolean;
}

/** Where a resident is told: the contacts they gave. */
export interface ResidentContact {
  email?: string;
  phone?: string;
}

/** Tells a resident something (the durable outbox sends it by email or SMS). */
export type Tell = (to: ResidentContact, message: NotificationMessage & { event: string; subjectId: string }) => Promise<void>;
