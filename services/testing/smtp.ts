import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  mail: ParsedMail;
  to: string[];
}

/**
 * A real SMTP server on loopback (the `smtp-server` package) that keeps every message, parsed by
 * mailparser, for a test to read: what a person's inbox would get. It wants the login given, as a
 * real relay does; `port` reuses a port (an SMTP server that comes back after being down).
 */
export async function startMailCatcher(o: { user?: string; pass?: string; port?: number } = {}) {
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
      cb(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    onData(stream, session, cb) {
      simpleParser(stream).then(
        (mail) => {
          arrived.push({ mail, to: session.envelope.rcptTo.map((r) => r.address) });
          cb();
        },
        (err: Error) => cb(err),
      );
    },
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
