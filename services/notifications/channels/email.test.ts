import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, requireProgram } from '../../testing/harness.ts';
import { closedPort } from '../../testing/http-receiver.ts';
import { outboxEntry } from '../../testing/outbox-entry.ts';
import { startMailCatcher } from '../../testing/smtp.ts';
import type { DeliveryPayload, NotificationMessage } from '../message.ts';
import { createEmailChannel, redactUrl, type EmailChannel } from './email.ts';

const USER = 'fms@estate.example';
// Characters that must be URL-encoded in FMS_SMTP_URL, and Chinese, to prove the decoding.
const PASS = 'p@ss:w/rd 秘密-0042';
const encoded = encodeURIComponent(PASS);
const openssl = requireProgram('openssl', 'openssl');

const refusal = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

/**
 * The mail catcher (a real SMTP server on a free loopback port) as a fussy relay: it checks the login
 * (and, like some servers do, echoes the password it refused: FMS must not repeat it), refuses
 * nobody@ with 550 and busy@ with 451.
 */
const startSmtp = (server: Partial<SMTPServerOptions> = {}) =>
  startMailCatcher({
    user: USER,
    pass: PASS,
    echoRefusedLogin: true,
    refuseRecipient: (address) =>
      address.address.startsWith('nobody@')
        ? refusal('5.1.1 No such mailbox here', 550)
        : address.address.startsWith('busy@')
          ? refusal('4.2.1 Mailbox busy, try later', 451)
          : undefined,
    server,
  });

const message: NotificationMessage = {
  language: 'zh',
  title: 'P1 工单 WO-12:3号楼电梯困人',
  text: '工单 WO-12 已派给你。\n位置:3号楼 1号梯\n请立即前往 <现场>。',
  link: 'https://fms.estate.example/console/orders/WO-12',
};
const to = (address: string, m: Partial<NotificationMessage> = {}): DeliveryPayload => ({ address, message: { ...message, ...m } });

describe('the email channel', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let dir: string;
  const open: EmailChannel[] = [];
  const channel = (url: string, o: Partial<Parameters<typeof createEmailChannel>[0]> = {}) => {
    const c = createEmailChannel({ url, from: 'FMS <fms@estate.example>', log: captureLogger('debug').log, ...o });
    open.push(c);
    return c;
  };
  beforeAll(async () => {
    smtp = await startSmtp();
    dir = mkdtempSync(path.join(tmpdir(), 'fms-email-'));
  });
  afterAll(async () => {
    await smtp.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
    smtp.arrived.length = 0;
  });

  it('delivers the subject, text, an HTML part with the link, Chinese intact, and the attachment byte for byte', async () => {
    const pdf = path.join(dir, 'report.pdf');
    const bytes = randomBytes(40_000);
    writeFileSync(pdf, bytes);
    const send = channel(`smtp://${encodeURIComponent(USER)}:${encoded}@127.0.0.1:${smtp.port}`);
    const sent = await send(
      outboxEntry('ob-1', 'email', to('li.wei@estate.example', { attachments: [{ filename: '月报 11月.pdf', path: pdf, contentType: 'application/pdf' }] })),
    );
    expect(sent).toEqual({ ok: true });
    const { mail, to: rcpt } = smtp.arrived[0]!;
    expect(rcpt).toEqual(['li.wei@estate.example']);
    expect(mail.subject).toBe('P1 工单 WO-12:3号楼电梯困人');
    expect(mail.from?.text).toBe('"FMS" <fms@estate.example>');
    expect(mail.text).toBe('工单 WO-12 已派给你。\n位置:3号楼 1号梯\n请立即前往 <现场>。\n\n在 FMS 中查看: https://fms.estate.example/console/orders/WO-12\n');
    expect(mail.html).toContain('请立即前往 &#60;现场&#62;。');
    expect(mail.html).toContain('<a href="https://fms.estate.example/console/orders/WO-12"');
    expect(mail.html).toContain('>在 FMS 中查看</a>');
    expect(mail.headers.get('content-language')).toBe('zh');
    expect(mail.headers.has('priority')).toBe(false);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.filename).toBe('月报 11月.pdf');
    expect(mail.attachments[0]!.contentType).toBe('application/pdf');
    expect(Buffer.compare(mail.attachments[0]!.content, bytes)).toBe(0);
  });

  it('marks an urgent message high priority', async () => {
    const send = channel(`smtp://${encodeURIComponent(USER)}:${encoded}@127.0.0.1:${smtp.port}`);
    expect(await send(outboxEntry('ob-2', 'email', to('li.wei@estate.example', { urgent: true, language: 'en', title: 'P1 entrapment' })))).toEqual({
      ok: true,
    });
    const { mail } = smtp.arrived[0]!;
    // What mail clients read: X-Priority (Outlook, Thunderbird) and Importance (Exchange).
    const lines = mail.headerLines.map((h) => h.line);
    expect(lines).toContain('X-Priority: 1 (Highest)');
    expect(lines).toContain('Importance: High');
    expect(mail.headers.get('priority')).toBe('high');
    expect(mail.html).toContain('>Open in FMS</a>');
  });

  it('gives up on an unknown mailbox (550), retries a temporary refusal (451) and a server that is down', async () => {
    const send = channel(`smtp://${encodeURIComponent(USER)}:${encoded}@127.0.0.1:${smtp.port}`);
    const bounced = await send(outboxEntry('ob-3', 'email', to('nobody@estate.example')));
    expect(bounced).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('550 5.1.1 No such mailbox here') });
    const later = await send(outboxEntry('ob-4', 'email', to('busy@estate.example')));
    expect(later).toMatchObject({ ok: false, retry: true, error: expect.stringContaining('451') });
    const down = channel(`smtp://${encodeURIComponent(USER)}:${encoded}@127.0.0.1:${await closedPort()}`);
    expect(await down(outboxEntry('ob-5', 'email', to('li.wei@estate.example')))).toMatchObject({
      ok: false,
      retry: true,
      error: expect.stringMatching(/ECONNREFUSED/),
    });
    expect(smtp.arrived).toHaveLength(0);
  });

  it('retries a server that accepts the connection and never greets, after the timeout', async () => {
    const sockets: Socket[] = [];
    const mute = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    try {
      const send = channel(`smtp://127.0.0.1:${(mute.address() as { port: number }).port}`, { timeoutMs: 300 });
      expect(await send(outboxEntry('ob-6', 'email', to('li.wei@estate.example')))).toMatchObject({
        ok: false,
        retry: true,
        error: expect.stringMatching(/greeting|timeout/i),
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => mute.close(() => r()));
    }
  });

  it('never shows the password when the server refuses the login, even when the server repeats it', async () => {
    const { log, records } = captureLogger('debug');
    const wrong = 'wrong-Pa55word!';
    const send = createEmailChannel({ url: `smtp://${encodeURIComponent(USER)}:${wrong}@127.0.0.1:${smtp.port}`, from: 'fms@estate.example', log });
    open.push(send);
    const r = await send(outboxEntry('ob-7', 'email', to('li.wei@estate.example')));
    expect(r).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('535') });
    expect(!r.ok && r.error).toContain('Authentication failed for fms@estate.example with password ***');
    expect(JSON.stringify(r)).not.toContain(wrong);
    expect(records.length).toBeGreaterThan(0);
    expect(JSON.stringify(records)).not.toContain(wrong);
    expect(smtp.arrived).toHaveLength(0);
  });

  it('refuses a delivery whose attachment is missing, and a malformed payload, without retrying', async () => {
    const send = channel(`smtp://${encodeURIComponent(USER)}:${encoded}@127.0.0.1:${smtp.port}`);
    const gone = path.join(dir, 'gone.pdf');
    expect(
      await send(
        outboxEntry('ob-8', 'email', to('li.wei@estate.example', { attachments: [{ filename: 'r.pdf', path: gone, contentType: 'application/pdf' }] })),
      ),
    ).toEqual({
      ok: false,
      error: `the attachment r.pdf is missing (${gone})`,
      retry: false,
    });
    expect(await send(outboxEntry('ob-9', 'email', { address: 'x@y' }))).toMatchObject({ ok: false, retry: false });
  });

  it('hides the password of an SMTP URL for logs, and refuses a URL it cannot use without showing the password', () => {
    expect(redactUrl(`smtp://${encodeURIComponent(USER)}:${encoded}@mail.estate.example:587`)).toBe('smtp://fms%40estate.example:***@mail.estate.example:587');
    expect(redactUrl('smtps://relay.example:465')).toBe('smtps://relay.example:465');
    expect(() => createEmailChannel({ url: 'http://u:secret-pw@host', from: 'a@b', log: captureLogger().log })).toThrow(
      'the SMTP URL http://u:***@host/ must start with smtp://',
    );
    expect(() => createEmailChannel({ url: 'smtp://u:secret-pw@host?tls=off', from: 'a@b', log: captureLogger().log })).toThrow(/unknown parameter "tls=off"/);
  });
});

describe.skipIf(!openssl.available)(`the email channel over TLS ${openssl.reason}`, () => {
  let dir: string;
  let key: string;
  let cert: string;
  beforeAll(() => {
    // A self-signed certificate for 127.0.0.1, made for this test (the tests of the broker's TLS use openssl too).
    dir = mkdtempSync(path.join(tmpdir(), 'fms-smtp-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'pipe' }); // prettier-ignore
    key = readFileSync(path.join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const url = (scheme: string, port: number, query = '') => `${scheme}://${encodeURIComponent(USER)}:${encoded}@127.0.0.1:${port}${query}`;
  const send = async (u: string, tls: { ca?: string } | undefined, id: string) => {
    const c = createEmailChannel({ url: u, from: 'fms@estate.example', log: captureLogger().log, tls, timeoutMs: 5000 });
    try {
      return await c(outboxEntry(id, 'email', to('li.wei@estate.example')));
    } finally {
      c.close();
    }
  };

  it('upgrades with STARTTLS when the server offers it, trusting the given CA, and refuses a certificate it cannot trust', async () => {
    const smtp = await startSmtp({ hideSTARTTLS: false, allowInsecureAuth: false, key, cert });
    try {
      expect(await send(url('smtp', smtp.port), { ca: cert }, 'ob-t1')).toEqual({ ok: true });
      expect(smtp.arrived[0]!.secure).toBe(true);
      expect(smtp.arrived[0]!.mail.subject).toBe(message.title);
      const untrusted = await send(url('smtp', smtp.port), undefined, 'ob-t2');
      expect(untrusted).toMatchObject({ ok: false, error: expect.stringMatching(/self.signed|certificate/i) });
      expect(smtp.arrived).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });

  it('with ?starttls=required, will not log in over a server that does not offer STARTTLS', async () => {
    const smtp = await startSmtp({ disabledCommands: ['STARTTLS'] });
    try {
      const plain = await send(url('smtp', smtp.port), undefined, 'ob-t3a');
      expect(plain).toEqual({ ok: true }); // without the parameter, it would (the password in clear text)
      const r = await send(url('smtp', smtp.port, '?starttls=required'), { ca: cert }, 'ob-t3');
      expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/STARTTLS/i) });
      expect(JSON.stringify(r)).not.toContain(PASS);
      expect(smtp.arrived).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });

  it('speaks TLS from the first byte with smtps://', async () => {
    const smtp = await startSmtp({ secure: true, key, cert });
    try {
      expect(await send(url('smtps', smtp.port), { ca: cert }, 'ob-t4')).toEqual({ ok: true });
      expect(smtp.arrived[0]!.secure).toBe(true);
    } finally {
      await smtp.close();
    }
  });
});
