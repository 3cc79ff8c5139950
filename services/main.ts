/**
 * The composition root: reads the environment (the only module that does), starts FMS and, on
 * SIGINT/SIGTERM, stops it in reverse order: no new messages, buffers flushed, stores closed.
 */
import { parseArgs } from 'node:util';
import { demoAssets, demoRequest, demoSchedule, provisionDemo, startDemo, withDemoEstate } from '../simulators/demo.ts';
import { startFms } from './app.ts';
import { loadConfig, type Config } from './config/config.ts';
import { isFmsError } from './shared/errors.ts';
import { createLogger } from './shared/logger.ts';

const STOP_TIMEOUT_MS = 10_000;

const usage = `Usage: npm start [-- --demo]

  --demo   register a demo estate and run a simulated fleet with scheduled faults
  --help   show this text

Configuration comes from FMS_* environment variables and an optional YAML file named by
FMS_CONFIG (see docs/configuration.md).`;

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { demo: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(usage + '\n');
    return;
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
  if (args.demo) config = withDemoEstate(config);
  // A signal while FMS is still starting stops it in order once it has started, not half-way.
  let signalledWhileStarting: string | undefined;
  const early = (signal: string) => () => void (signalledWhileStarting ??= signal);
  const earlyInt = early('SIGINT');
  const earlyTerm = early('SIGTERM');
  process.on('SIGINT', earlyInt);
  process.on('SIGTERM', earlyTerm);
  const fms = await startFms(config, log);
  let demo: Awaited<ReturnType<typeof startDemo>> | undefined;

  if (args.demo) {
    await fms.assets.syncFromConfig(demoAssets);
    const access = await provisionDemo(fms, config);
    demo = await startDemo({
      brokerUrl: fms.mqttUrl,
      httpUrl: fms.httpUrl,
      say: (line) => log.info(line),
      credentials: access.credentials,
      keyFor: access.keyFor,
    });
    // The weekly report, two minutes in (when the first orders have been worked).
    setTimeout(() => {
      const to = Date.now();
      fms.reports
        .generate({ from: to - 7 * 86_400_000, to, language: 'en', kind: 'weekly' })
        .then(({ id }) =>
          log.info(`demo: weekly report ready at ${fms.httpUrl}/api/reports/${id}/report.html (PDF: ${fms.httpUrl}/api/reports/${id}/report.pdf)`),
        )
        .catch((err) => log.error({ err }, 'demo report failed'));
    }, 120_000).unref();
    const lines = [
      '',
      `FMS demo running: ${demoAssets.length} simulated devices on ${fms.mqttUrl}${access.credentials ? ', each signed in with its own credentials (issued for this run)' : ''}`,
      ...(access.viewerKey
        ? [
            `The API wants a key. A read-only one for this run (the admin key was printed at the first start, or is FMS_ADMIN_KEY):`,
            `  curl -H 'Authorization: Bearer ${access.viewerKey}' ${fms.httpUrl}/api/work-orders`,
          ]
        : []),
      `  work orders:  ${fms.httpUrl}/api/work-orders`,
      `  alarms:       ${fms.httpUrl}/api/alarms`,
      `  assets:       ${fms.httpUrl}/api/assets`,
      `  health:       ${fms.httpUrl}/api/health`,
      `  API docs:     ${fms.httpUrl}/api/docs`,
      `Scheduled faults: ${demoSchedule.map((f) => `${f.fault} on ${f.assetId} at ${f.at}s`).join('; ')}.`,
      `A resident's complaint at ${demoRequest.at}s. The demo crew (Li Wei, Chen Jie, Zhao Lei, Sun Yu; supervisor`,
      '  Zhang Min) works every order through dispatch, repair, sensor verification, QC, rating and closing.',
      `A weekly maintenance report is generated after 2 minutes: ${fms.httpUrl}/api/reports`,
      'Press Ctrl+C to stop.',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }

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
    await demo?.stop();
    await fms.stop();
    log.info('stopped');
    log.flush?.();
    process.exit(0);
  };
  process.off('SIGINT', earlyInt);
  process.off('SIGTERM', earlyTerm);
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // SIGHUP: read renewed TLS certificates (FMS also notices changed files by itself within ~12 s).
  process.on(
    'SIGHUP',
    () =>
      void fms.reloadCertificates().catch((err) => log.error({ err: (err as Error).message }, 'TLS certificates not reloaded: the previous ones stay in use')),
  );
  if (signalledWhileStarting) void stop(signalledWhileStarting);
}

main().catch((err) => {
  process.stderr.write(`fms: failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
