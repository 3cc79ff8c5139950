import pino, { type DestinationStream, type Logger } from 'pino';

/** Fields that must never reach a log. */
const REDACT = ['password', 'secret', 'token', 'authorization', '*.password', '*.secret', '*.token', 'req.headers.authorization'];

/**
 * The one logger of the process. JSON lines when the output is not a terminal (files, journald, log
 * shippers: every audit record is there too, for a SIEM); on a terminal, one readable line per event,
 * and the audit records left to /api/audit unless FMS_LOG_LEVEL is debug, so that what an operator
 * watches (the demo's banner, the first admin key) does not scroll away under sign-ins. Tests pass a
 * capture stream.
 */
export function createLogger(level: string, stream?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (stream) return pino(options, stream);
  if (process.stdout.isTTY) {
    const showAudit = level === 'debug' || level === 'trace';
    return pino({
      ...options,
      hooks: {
        logMethod(args, method, levelValue) {
          if (!showAudit && levelValue <= 30 && (this as Logger).bindings().svc === 'audit') return;
          method.apply(this, args);
        },
      },
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true } },
    });
  }
  return pino(options);
}
