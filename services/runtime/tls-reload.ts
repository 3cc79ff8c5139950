import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';

export interface TlsTargets {
  /** The embedded broker's TLS listener, when there is one. */
  mqtt?: { setTlsContext(t: { cert: string; key: string; ca?: string }): void } | undefined;
  /** The HTTPS server, when FMS serves HTTPS. */
  https?: { setSecureContext(options: { cert: string; key: string; minVersion: 'TLSv1.2' }): void } | undefined;
}

/**
 * Renewed certificates (certbot, cert-manager, the site CA script) are taken without a restart: FMS
 * notices changed files within about 12 s (and reloads on SIGUSR2), gives new connections the new
 * certificate and keeps open ones on theirs. A broken pair is refused and the running one stays.
 */
export function watchCertificates(files: Config['tlsFiles'], targets: TlsTargets, log: Logger) {
  async function reload(): Promise<string[]> {
    const read = (file: string) => readFileSync(file, 'utf8');
    const done: string[] = [];
    if (files.mqttCert && files.mqttKey && targets.mqtt) {
      const t = { cert: read(files.mqttCert), key: read(files.mqttKey), ...(files.mqttCa ? { ca: read(files.mqttCa) } : {}) };
      createSecureContext(t); // throws on a broken pair: the running context stays
      targets.mqtt.setTlsContext(t);
      done.push('mqtt');
    }
    if (files.httpCert && files.httpKey && targets.https) {
      const t = { cert: read(files.httpCert), key: read(files.httpKey) };
      createSecureContext(t);
      targets.https.setSecureContext({ ...t, minVersion: 'TLSv1.2' });
      done.push('https');
    }
    if (done.length > 0) log.info({ reloaded: done }, 'TLS certificates reloaded');
    return done;
  }

  const watched = Object.values(files).filter((f): f is string => typeof f === 'string');
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    // Both halves of a pair are usually replaced one after the other: wait for the second.
    clearTimeout(timer);
    timer = setTimeout(
      () => void reload().catch((err) => log.error({ err: (err as Error).message }, 'renewed TLS certificates not loaded: the previous ones stay in use')),
      2000,
    );
    timer.unref();
  };
  for (const file of watched) watchFile(file, { interval: 10_000, persistent: false }, changed);
  return {
    reload,
    close(): void {
      clearTimeout(timer);
      for (const file of watched) unwatchFile(file, changed);
    },
  };
}
