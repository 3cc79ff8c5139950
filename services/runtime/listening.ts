import type { Api } from '../api/server.ts';
import type { EmbeddedBroker } from '../broker/message-bus.aedes.ts';
import type { ExternalBroker } from '../broker/message-bus.mqtt.ts';
import type { Config } from '../config/config.ts';
import { FmsError } from '../shared/errors.ts';

/**
 * Waits for a listener to start; a port another program holds, or an address that is not this
 * machine's, ends the start with one sentence that names the variable to change (not a stack trace).
 */
export async function listening<T>(started: Promise<T>, config: Config): Promise<T> {
  try {
    return await started;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { port?: number; address?: string; hostname?: string };
    const variable = (port: number | undefined) =>
      port === config.http.port
        ? 'FMS_HTTP_PORT'
        : port === config.mqtt.tls?.port
          ? 'FMS_MQTT_TLS_PORT'
          : port === config.mqtt.port
            ? 'FMS_MQTT_PORT'
            : 'the port settings';
    if (e.code === 'EADDRINUSE') {
      throw new FmsError('FMS_ERR_LISTEN_FAILED', `port ${e.port} is in use by another program: stop it, or choose another port with ${variable(e.port)}`);
    }
    if (e.code === 'EACCES')
      throw new FmsError('FMS_ERR_LISTEN_FAILED', `port ${e.port} needs privileges FMS does not have: choose a port above 1023 with ${variable(e.port)}`);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') {
      const which = e.address === config.http.host || e.hostname === config.http.host ? 'FMS_HTTP_HOST' : 'FMS_MQTT_HOST';
      throw new FmsError(
        'FMS_ERR_LISTEN_FAILED',
        `${e.address ?? e.hostname} is not an address of this machine: set ${which} to one of its addresses, or 0.0.0.0`,
      );
    }
    throw err;
  }
}

/** Where FMS listens, as URLs for people and logs (0.0.0.0 shown as 127.0.0.1; no password of an external broker). */
export function urlsOf(config: Config, api: Api, broker: EmbeddedBroker | ExternalBroker) {
  const address = api.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
  const httpUrl = `${config.http.tls ? 'https' : 'http'}://${hostForUrl(config.http.host)}:${httpPort}`;
  const tlsAddress = 'tlsAddress' in broker ? broker.tlsAddress() : undefined;
  const mqttsUrl = tlsAddress ? `mqtts://${hostForUrl(config.mqtt.host)}:${tlsAddress.port}` : undefined;
  const mqttUrl = config.mqtt.url
    ? redactUrl(config.mqtt.url)
    : config.mqtt.port === null && mqttsUrl
      ? mqttsUrl
      : `mqtt://${hostForUrl(config.mqtt.host)}:${broker.address().port}`;
  return { httpUrl, mqttUrl, mqttsUrl };
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** A URL without its password, for logs. */
function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString().replace(/\/$/, '');
}
