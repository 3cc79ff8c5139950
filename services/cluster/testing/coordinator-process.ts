/**
 * A coordinator alone in a process, for tests that kill it (SIGKILL) as a crashed instance would be.
 * Prints a JSON line whenever what it owns changes. Usage: tsx coordinator-process.ts <url> <instance>
 */
import pino from 'pino';
import { createPostgresCoordinator } from '../coordinator.ts';

const [url, instanceId] = process.argv.slice(2) as [string, string];
const c = createPostgresCoordinator({ url, instanceId, log: pino({ level: 'silent' }), intervalMs: 100 });
let last = '';
const report = () => {
  const line = JSON.stringify({ owned: c.owned().length, leader: c.isLeader() });
  if (line !== last) process.stdout.write(`${(last = line)}\n`);
};
c.setHandlers({ acquired: async () => report(), releasing: async () => undefined, lost: () => report() });
await c.start();
setInterval(report, 50);
