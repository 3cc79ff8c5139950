import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './influxd.ts';

export interface Mosquitto {
  url: string;
  port: number;
  /** Stops the broker (SIGTERM) and resolves when it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A real Mosquitto broker for tests: loopback, a free port, nothing kept on disk; anonymous clients,
 * or with a password file and an ACL file, nobody else.
 */
export async function startMosquitto(auth?: { passwordFile: string; aclFile: string }): Promise<Mosquitto> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fms-mosquitto-'));
  const port = await freePort();
  const config = path.join(dir, 'mosquitto.conf');
  const access = auth ? `allow_anonymous false\npassword_file ${auth.passwordFile}\nacl_file ${auth.aclFile}` : 'allow_anonymous true';
  // Run as root (CI), Mosquitto would switch to its own user and could not read the temporary files.
  const user = process.getuid?.() === 0 ? 'user root\n' : '';
  writeFileSync(
    config,
    `${user}listener ${port} 127.0.0.1\n${access}\npersistence false\nmax_queued_messages 0\nmax_inflight_messages 1000\nlog_dest stderr\nlog_type error\n`,
  );
  let child: ChildProcess | undefined;
  let output = '';

  async function start() {
    child = spawn('mosquitto', ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d) => (output = (output + d).slice(-4000)));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${output}`);
      const up = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (up) return;
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen within 15 s: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async function stop() {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    await exited;
  }
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
