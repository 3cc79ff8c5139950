export interface NotificationMessage {
  language: 'en' | 'zh';
  /** One line: the email's subject, the robot message's title, the start of an SMS. */
  title: string;
  /** Plain text, several lines. */
  text: string;
  /** The console page it is about (absolute URL when FMS knows its public address). */
  link?: string;
  /** P1 and safety: shown as urgent (robots: @all / at everyone where the format allows; email: high priority). */
  urgent?: boolean;
  attachments?: { filename: string; path: string; contentType: string }[];
}
/** What a channel needs for one delivery: where to (an email address, a phone number, a robot id, a webhook id) and what. */
export interface DeliveryPayload {
  address: string;
  message: NotificationMessage;
}
