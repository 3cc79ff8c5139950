import pino, { type DestinationStream, type Logger } from 'pino';

/** Fields that must never reach a log. */
const REDACT = ['password', 'secret', 'token', 'authorization', '*.password', '*.secret', '*.token', 'req.headers.authorization'];

/**
 * The one logger of the process. Human-readable lines on a terminal, JSON otherwise (files, journald,
 * log shippers); tests pass a capture stream.
 */
export function createLogger(level: string, stream?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (stream) return pino(options, stream);
  if (process.stdout.isTTY) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } });
  }
  return pino(options);
}
