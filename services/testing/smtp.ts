import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress, type SMTPServerOptions } from 'smtp-server';

export interface CaughtMail {
  mail: ParsedMail;
  to: string[];
  /** Whether it came over TLS (smtps or after STARTTLS). */
  secure: boolean;
}

export interface MailCatcherOptions {
  user?: string;
  pass?: string;
  port?: number;
  /** Refuses a recipient: an error with a `responseCode` (550 gives up, 451 asks to retry), or nothing to take it. */
  refuseRecipient?: (address: SMTPServerAddress) => (Error & { responseCode: number }) | undefined;
  /** Repeats the refused login in its error, as some servers do: FMS must not pass it on. */
  echoRefusedLogin?: boolean;
  /** More of smtp-server's options (TLS, STARTTLS, disabled commands). */
  server?: Partial<SMTPServerOptions>;
}

/**
 * A real SMTP server on loopback (the `smtp-server` package) that keeps every message, parsed by
 * mailparser, for a test to read: what a person's inbox would get. It wants the login given, as a
 * real relay does; `port` reuses a port (an SMTP server that comes back after being down).
 */
export async function startMailCatcher(o: MailCatcherOptions = {}) {
  const user = o.user ?? 'fms';
  const pass = o.pass ?? 'mail-secret-42';
  const arrived: CaughtMail[] = [];
  const server = new SMTPServer({
    secure: false,
    hideSTARTTLS: true,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === pass) return cb(null, { user });
      const said = o.echoRefusedLogin ? ` for ${auth.username} with password ${auth.password}` : '';
      cb(Object.assign(new Error(`Authentication failed${said}`), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      cb(o.refuseRecipient?.(address));
    },
    onData(stream, session, cb) {
      simpleParser(stream).then(
        (mail) => {
          arrived.push({ mail, to: session.envelope.rcptTo.map((r) => r.address), secure: session.secure });
          cb();
        },
        (err: Error) => cb(err),
      );
    },
    ...o.server,
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    url: `smtp://${user}:${pass}@127.0.0.1:${port}`,
    arrived,
    /** What reached one address. */
    to: (address: string) => arrived.filter((a) => a.to.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type MailCatcher = Awaited<ReturnType<typeof startMailCatcher>>;
