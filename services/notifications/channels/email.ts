import { access } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Logger } from 'pino';
import { parseDeliveryPayload, type NotificationMessage } from '../message.ts';
import type { Channel, ChannelResult } from '../outbox-sender.ts';

export interface EmailChannelOptions {
  /** `FMS_SMTP_URL`: `smtp://user:pass@host:587` (STARTTLS when offered; `?starttls=required` insists), `smtps://user:pass@host:465` (implicit TLS). */
  url: string;
  /** The sender, e.g. `FMS <fms@estate.example>`. */
  from: string;
  log: Logger;
  /** Trust for the server's certificate: a private CA, or (tests only) no check at all. */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
  /** How long connecting, the greeting and each SMTP step may take before the attempt fails and is retried. */
  timeoutMs?: number;
}

export type EmailChannel = Channel & { close(): void };

/** The URL with its password replaced by `***`, for logs and error texts. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[an unparsable URL]';
  }
}

/** The transport's options from an `FMS_SMTP_URL`; throws (with the URL redacted) on what it cannot use. */
export function smtpOptions(url: string): SMTPPool.Options {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`the SMTP URL ${redactUrl(url)} is not a URL`);
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error(`the SMTP URL ${redactUrl(url)} must start with smtp:// or smtps://`);
  for (const [k, v] of u.searchParams) {
    if (k !== 'starttls' || v !== 'required') throw new Error(`the SMTP URL ${redactUrl(url)} has an unknown parameter "${k}=${v}" (only starttls=required)`);
  }
  const secure = u.protocol === 'smtps:';
  const user = decodeURIComponent(u.username);
  return {
    pool: true,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    requireTLS: u.searchParams.get('starttls') === 'required',
    ...(user ? { auth: { user, pass: decodeURIComponent(u.password) } } : {}),
  };
}

/** Every form the password could take in a server's echo or a library's message: as is, URL-encoded, in AUTH PLAIN and AUTH LOGIN. */
function secretForms(opts: SMTPPool.Options): string[] {
  const auth = opts.auth as { user?: string; pass?: string } | undefined;
  if (!auth?.pass) return [];
  const { user = '', pass } = auth;
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return [pass, encodeURIComponent(pass), b64(pass), b64(`\u0000${user}\u0000${pass}`), b64(`${user}\u0000${user}\u0000${pass}`)];
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const LINK_LABEL = { en: 'Open in FMS', zh: '在 FMS 中查看' } as const;

/**
 * The HTML part: the text escaped, line by line, and the link as a button. Styles are inline because
 * mail clients drop style sheets; only http(s) links become links.
 */
export function emailHtml(m: NotificationMessage): string {
  const lines = m.text.split('\n').map(escapeHtml).join('<br>\n');
  const button =
    m.link && /^https?:\/\//i.test(m.link)
      ? `<p><a href="${escapeHtml(m.link)}" style="display:inline-block;padding:10px 18px;background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:6px">${LINK_LABEL[m.language]}</a></p>\n`
      : '';
  return `<!doctype html>\n<html lang="${m.language}"><body style="font-family:sans-serif;line-height:1.5">\n<p><strong>${escapeHtml(m.title)}</strong></p>\n<p>${lines}</p>\n${button}</body></html>\n`;
}

/** The plain-text part: the text, then the link on its own line (mail clients make it clickable). */
const emailText = (m: NotificationMessage) => (m.link ? `${m.text}\n\n${LINK_LABEL[m.language]}: ${m.link}\n` : `${m.text}\n`);

/** nodemailer's error codes for failures that happen again the same way whatever the wait. */
const PERMANENT = new Set(['EAUTH', 'ENOAUTH', 'EENVELOPE', 'EMESSAGE', 'ECONFIG', 'EFILEACCESS', 'EURLACCESS', 'EREQUIRETLS']);

/**
 * Whether to try again: the server's reply code decides when there is one (5xx is permanent: RFC 5321
 * §4.2.1, 550 unknown mailbox, 535 bad login; 4xx is "try later"); without one, a connection that was
 * refused, reset or timed out is retried and a refused envelope or login is not.
 */
export function smtpRetryable(err: { code?: string; responseCode?: number }): boolean {
  if (typeof err.responseCode === 'number' && err.responseCode >= 200) return err.responseCode < 500;
  return !PERMANENT.has(err.code ?? '');
}

/**
 * Email over SMTP through a pooled nodemailer transport (a few connections kept open, reused). The
 * password never leaves this file: error texts are scrubbed of it in every form it could be echoed in.
 */
export function createEmailChannel(o: EmailChannelOptions): EmailChannel {
  const options = smtpOptions(o.url);
  const timeout = o.timeoutMs ?? 20_000;
  // Timeouts well under the outbox's lease (60 s), so a stuck send fails here before another sender takes the same row.
  const transport = nodemailer.createTransport({ ...options, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout, tls: o.tls });
  const where = `${options.host}:${options.port}`;
  const secrets = secretForms(options).filter((s) => s.length > 0);
  const scrub = (s: string) => secrets.reduce((acc, secret) => acc.split(secret).join('***'), s);

  async function send(id: string, to: string, m: NotificationMessage): Promise<ChannelResult> {
    for (const a of m.attachments ?? []) {
      const missing = await access(a.path).then(
        () => false,
        () => true,
      );
      if (missing) return { ok: false, error: `the attachment ${a.filename} is missing (${a.path})`, retry: false };
    }
    try {
      const info = await transport.sendMail({
        from: o.from,
        to,
        subject: m.title,
        text: emailText(m),
        html: emailHtml(m),
        attachments: (m.attachments ?? []).map((a) => ({ filename: a.filename, path: a.path, contentType: a.contentType })),
        // nodemailer writes X-Priority: 1, X-MSMail-Priority: High and Importance: High.
        ...(m.urgent ? { priority: 'high' as const } : {}),
        headers: { 'Content-Language': m.language },
      });
      o.log.debug({ id, messageId: info.messageId }, 'email sent');
      return { ok: true };
    } catch (err) {
      const e = err as Error & { code?: string; responseCode?: number };
      const error = scrub(`smtp ${where}: ${e.message}`);
      o.log.debug({ id, code: e.code, responseCode: e.responseCode, reason: error }, 'email failed');
      return { ok: false, error, retry: smtpRetryable(e) };
    }
  }

  const channel: Channel = async (entry) => {
    const p = parseDeliveryPayload(entry.payload);
    if (!p.ok) return { ok: false, error: p.error, retry: false };
    return send(entry.id, p.value.address, p.value.message);
  };
  return Object.assign(channel, { close: () => transport.close() });
}
