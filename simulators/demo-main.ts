/**
 * The demo's entry point: FMS with a simulated estate (`npm start -- --demo`, or `npm run demo`).
 * It runs FMS exactly as services/main.ts does and adds, beside it, the demo estate, its devices with
 * their own credentials, the fault schedule, the crew working the orders, and a weekly report.
 */
import { pathToFileURL } from 'node:url';
import { fail, runFms, type AddOn } from '../services/main.ts';
import { demoAssets, demoHistory, demoRequest, demoSchedule, provisionDemo, startDemo, withDemoEstate } from './demo.ts';

export const demoAddOn: AddOn = {
  usage: 'The demo registers 2 sites with 16 simulated devices; its crew works every order (docs/simulators.md).',
  prepare: (config) => withDemoEstate(config),
  async start(fms, config, log) {
    await fms.assets.syncFromConfig(demoAssets);
    const access = await provisionDemo(fms, config);
    const demo = await startDemo({
      brokerUrl: fms.mqttUrl,
      httpUrl: fms.httpUrl,
      say: (line) => log.info(line),
      credentials: access.credentials,
      keyFor: access.keyFor,
    });
    // The weekly report, two minutes in (when the first orders have been worked).
    const report = setTimeout(() => {
      const to = Date.now();
      fms.reports
        .generate({ from: to - 7 * 86_400_000, to, language: 'en', kind: 'weekly' })
        .then(({ id }) =>
          log.info(`demo: weekly report ready at ${fms.httpUrl}/api/reports/${id}/report.html (PDF: ${fms.httpUrl}/api/reports/${id}/report.pdf)`),
        )
        .catch((err) => log.warn({ reason: (err as Error).message }, `demo: the weekly report could not be made: ${(err as Error).message}`));
    }, 120_000);
    report.unref();
    const lines = [
      '',
      `FMS demo running: ${demoAssets.length} simulated devices on ${fms.mqttUrl}${access.credentials ? ', each signed in with its own credentials (issued for this run)' : ''}`,
      ...(access.viewerKey
        ? [
            `The API wants a key. A read-only one for this run (the admin key was printed at the first start, or is FMS_ADMIN_KEY):`,
            `  curl -H 'Authorization: Bearer ${access.viewerKey}' ${fms.httpUrl}/api/work-orders`,
          ]
        : []),
      ...(access.accounts.length > 0
        ? [
            `The console: ${fms.httpUrl}/ (a phone-sized browser is fine). Sign in as one of the crew, each with the password ${access.accounts[0]!.password} for this run:`,
            `  ${access.accounts.map((a) => `${a.user} (${a.role}${a.sites ? `, ${a.sites.join(', ')}` : ''})`).join(', ')}`,
            `  — e.g. chen-jie, the technician the trapped passenger's order goes to; zhang-min, the supervisor, for the board.`,
          ]
        : []),
      `  work orders:  ${fms.httpUrl}/api/work-orders`,
      `  alarms:       ${fms.httpUrl}/api/alarms`,
      `  assets:       ${fms.httpUrl}/api/assets`,
      `  health:       ${fms.httpUrl}/api/health`,
      `  API docs:     ${fms.httpUrl}/api/docs`,
      `  residents:    ${fms.httpUrl}/request/riverside (what a resident's QR poster opens; posters at ${fms.httpUrl}/posters/riverside)`,
      process.env.FMS_SMTP_URL
        ? `The crew's email (name@fms-demo.example) goes to FMS_SMTP_URL's server: the first P1 reaches chen-jie's inbox.`
        : `Nobody's inbox is told (FMS_SMTP_URL is not set); the console's bell shows each person's notifications (docs/notifications.md).`,
      `Scheduled faults: ${demoSchedule.map((f) => `${f.fault} on ${f.assetId} at ${f.at}s`).join('; ')}.`,
      `A resident's complaint at ${demoRequest.at}s. The demo crew (Li Wei, Chen Jie, Zhao Lei, Sun Yu; supervisor`,
      '  Zhang Min) works every order through dispatch, repair, sensor verification, QC, rating and closing.',
      `30 days of condition history are imported at the start; ${demoHistory.wear.assetId}'s bearing has been wearing for ${demoHistory.wear.sinceDays} days:`,
      `  its predictive work order opens a minute in (${fms.httpUrl}/api/work-orders?source=predictive), its health: ${fms.httpUrl}/api/assets/${demoHistory.wear.assetId}/health`,
      `A weekly maintenance report is generated after 2 minutes: ${fms.httpUrl}/api/reports`,
      'Press Ctrl+C to stop.',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return {
      async stop() {
        clearTimeout(report);
        await demo.stop();
      },
    };
  },
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) runFms(process.argv.slice(2), demoAddOn).catch(fail);
