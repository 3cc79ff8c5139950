/**
 * The composition root's entry: reads the environment (the only module of services/ that does), starts
 * FMS and, on SIGINT, SIGTERM or SIGHUP, stops it in reverse order: no new messages, buffers flushed,
 * stores closed. SIGUSR2 reloads renewed TLS certificates. An add-on (the demo, simulators/demo-main.ts)
 * may adapt the configuration before the start and run beside FMS; main.ts knows nothing of it.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { startFms, type Fms } from './app.ts';
import { closestVariables, loadConfig, type Config } from './config/config.ts';
import { isFmsError } from './shared/errors.ts';
import { createLogger } from './shared/logger.ts';

const STOP_TIMEOUT_MS = 10_000;

/** Something that runs beside FMS in the same process (the demo). */
export interface AddOn {
  /** Usage lines for its own options. */
  usage: string;
  /** Adapts the configuration before FMS starts. */
  prepare?(config: Config): Config;
  /** Starts once FMS runs; stopped before FMS stops. */
  start(fms: Fms, config: Config, log: Logger): Promise<{ stop(): Promise<void> }>;
}

const usage = (addOn?: AddOn) => `Usage: npm start [-- --demo]

  --demo   run FMS with a simulated estate: devices, scheduled faults and a crew that works the orders
  --help   show this text
${addOn ? `\n${addOn.usage}\n` : ''}
Configuration comes from FMS_* environment variables and an optional YAML file named by
FMS_CONFIG (see docs/configuration.md).`;

/** Runs FMS (with an add-on) until a signal stops it. */
export async function runFms(argv: string[], addOn?: AddOn): Promise<void> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { demo: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage(addOn)}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(usage(addOn) + '\n');
    return;
  }
  if (args.demo && !addOn) {
    process.stderr.write("fms: --demo is the demo's option: run it with `npm start -- --demo` or `npm run demo`\n");
    process.exit(2);
  }

  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (isFmsError(err) && err.code === 'FMS_ERR_CONFIG_INVALID') {
      process.stderr.write(`fms: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  // A misspelled variable would be ignored without a word: say which known one it resembles.
  for (const { name, closest } of closestVariables(process.env)) {
    log.warn({ variable: name }, `${name} is not a setting of FMS and is ignored${closest ? `: did you mean ${closest}?` : ''} (docs/configuration.md)`);
  }
  if (addOn?.prepare) config = addOn.prepare(config);

  // A signal while FMS is still starting stops it in order once it has started, not half-way.
  let signalledWhileStarting: string | undefined;
  const early = (signal: string) => () => void (signalledWhileStarting ??= signal);
  const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const earlyHandlers = stopSignals.map((s) => [s, early(s)] as const);
  for (const [s, h] of earlyHandlers) process.on(s, h);
  let fms: Fms;
  try {
    fms = await startFms(config, log);
  } catch (err) {
    // A port in use, an address not of this machine: one sentence, no stack trace.
    if (isFmsError(err) && err.kind === 'user') {
      log.flush?.();
      process.stderr.write(`fms: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const extra = addOn ? await addOn.start(fms, config, log) : undefined;

  let stoppingSince: number | undefined;
  const stop = async (signal: string) => {
    if (stoppingSince !== undefined) {
      // Ctrl+C reaches us twice at once (from the terminal and relayed by npm/tsx): only a signal
      // sent again later means "stop now".
      if (Date.now() - stoppingSince < 3000) return;
      log.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stoppingSince = Date.now();
    log.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      log.error('shutdown took too long: exiting');
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    timer.unref();
    await extra?.stop();
    await fms.stop();
    log.info('stopped');
    log.flush?.();
    process.exit(0);
  };
  for (const [s, h] of earlyHandlers) process.off(s, h);
  // SIGHUP: the terminal closed. A foreground program stops then, rather than run on as an orphan.
  for (const s of stopSignals) process.on(s, () => void stop(s));
  // SIGUSR2: read renewed TLS certificates (FMS also notices changed files by itself within ~12 s).
  process.on('SIGUSR2', () => {
    fms.reloadCertificates().catch((err) => log.error({ err: (err as Error).message }, 'TLS certificates not reloaded: the previous ones stay in use'));
  });
  if (signalledWhileStarting) void stop(signalledWhileStarting);
}

/** Run by `node --import tsx services/main.ts` (the container's command) and by `npm start`. */
export function fail(err: unknown): never {
  process.stderr.write(`fms: failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runFms(process.argv.slice(2)).catch(fail);
