import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FmsError } from '../shared/errors.ts';
import { estateFileSchema, type EstateFile } from './estate-file.ts';
import { formatZodIssues } from '../shared/zod-format.ts';
import { parseDuration } from '../shared/duration.ts';
import { parseFontSetting, type FontChoice } from '../reports/report-font.ts';
import type { InfluxConnection } from '../telemetry/influx-client.ts';

const portOrZero = z.coerce
  .number({ error: 'expected a port number from 0 (any free port) to 65535' })
  .int('expected a whole port number')
  .min(0, 'expected a port number from 0 (any free port) to 65535')
  .max(65535, 'expected a port number from 0 (any free port) to 65535');
const host = z.string().min(1, 'expected a host name or IP address');
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL, e.g. http://127.0.0.1:8086' });
const influxIdentifier = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 letters, digits, "_", "-" or "."');
/** A PEM file (certificate or key): a path, checked to be readable PEM when the config is loaded. */
const pemPath = z.string().min(1, 'expected a path to a PEM file');
const timeZone = z.string().refine(isValidTimeZone, 'expected an IANA time zone such as Asia/Shanghai or UTC');

/**
 * The environment variables of CONTRACT.md, one field each (n8n's `database.config.ts` is the model).
 * Keys are the variable names so that an error message names exactly what to change.
 */
export const envSchema = z.object({
  /** HTTP API and web pages: interface to listen on. */
  FMS_HTTP_HOST: host.default('127.0.0.1'),
  /** HTTP API port; 0 picks a free port (tests). */
  FMS_HTTP_PORT: portOrZero.default(3000),
  /** Embedded MQTT broker: interface to listen on; every interface when devices must sign in, loopback otherwise. */
  FMS_MQTT_HOST: host.optional(),
  /** Embedded MQTT broker port (plain MQTT); 0 picks a free port (tests); `off` for TLS only. */
  FMS_MQTT_PORT: z.union([z.literal('off'), portOrZero], { error: 'expected a port number from 0 (any free port) to 65535, or off' }).default(1883),
  /** Embedded broker over TLS: port, used when FMS_MQTT_TLS_CERT and FMS_MQTT_TLS_KEY are set. */
  FMS_MQTT_TLS_PORT: portOrZero.default(8883),
  /** Embedded broker: the server certificate (PEM, with its chain) for MQTT over TLS. */
  FMS_MQTT_TLS_CERT: pemPath.optional(),
  /** Embedded broker: the certificate's private key (PEM). */
  FMS_MQTT_TLS_KEY: pemPath.optional(),
  /** The site CA (PEM): device certificates it signed sign devices in; with FMS_MQTT_URL=mqtts://, the external broker's certificate is checked against it. */
  FMS_MQTT_TLS_CA: pemPath.optional(),
  /** Device certificates on the TLS port: `optional` (a certificate or a password), `required` (mutual TLS only), `off`; `optional` when FMS_MQTT_TLS_CA is set. */
  FMS_MQTT_TLS_CLIENT_CERTS: z.enum(['off', 'optional', 'required'], { error: 'expected off, optional or required' }).optional(),
  /** Embedded broker: messages a second one device may send; faster senders are slowed down (0: no limit). */
  FMS_MQTT_MAX_MSGS_PER_SEC: z.coerce.number({ error: 'expected messages a second, e.g. 20' }).min(0, 'expected 0 (no limit) or more').default(20),
  /** External broker URL (mqtt://host:port) instead of the embedded broker. */
  FMS_MQTT_URL: z.url({ protocol: /^mqtts?$/, error: 'expected an mqtt:// or mqtts:// URL, e.g. mqtt://127.0.0.1:1883' }).optional(),
  /** Folder for SQLite files, spool and reports; created when missing. `:memory:` keeps everything in memory. */
  FMS_DATA_DIR: z.string().min(1, 'expected a folder path').default('./data'),
  /** postgres://… to use PostgreSQL; unset keeps SQLite in the data folder. */
  FMS_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'expected a postgres:// URL' }).optional(),
  /** InfluxDB base URL (v1 HTTP API); unset keeps the embedded telemetry store. */
  FMS_INFLUX_URL: httpUrl.optional(),
  /** InfluxDB database. */
  FMS_INFLUX_DB: influxIdentifier.default('fms'),
  /** InfluxDB retention policy; unset uses the server default. */
  FMS_INFLUX_RP: influxIdentifier.optional(),
  /** InfluxDB retention policy of the hourly rollups (2.x: a second DBRP mapping); unset: the readings' own. */
  FMS_INFLUX_ROLLUP_RP: influxIdentifier.optional(),
  /** InfluxDB token (2.x/3.x). */
  FMS_INFLUX_TOKEN: z.string().min(1).optional(),
  /** InfluxDB 1.x user name. */
  FMS_INFLUX_USERNAME: z.string().min(1).optional(),
  /** InfluxDB 1.x password. */
  FMS_INFLUX_PASSWORD: z.string().min(1).optional(),
  /** Largest on-disk spool for telemetry while InfluxDB is unreachable, MiB. */
  FMS_SPOOL_MAX_MB: z.coerce.number({ error: 'expected a size in MiB, e.g. 1024' }).int('expected whole MiB').min(1, 'expected at least 1 MiB').default(1024),
  /** Embedded store: how long raw readings are kept. */
  FMS_TELEMETRY_RAW_RETENTION: z
    .string()
    .refine((v) => parseDuration(v) !== undefined, 'expected a duration such as 7d')
    .default('7d'),
  /** Embedded store: how long 1-minute rollups are kept. */
  FMS_TELEMETRY_ROLLUP_RETENTION: z
    .string()
    .refine((v) => parseDuration(v) !== undefined, 'expected a duration such as 400d')
    .default('400d'),
  /** Raise a system alarm when the telemetry store has been down this long. */
  FMS_STORE_DOWN_ALARM_AFTER: z
    .string()
    .refine((v) => parseDuration(v) !== undefined, 'expected a duration such as 30s, 5m')
    .default('60s'),
  /** Folder for work-order photos and documents; `<FMS_DATA_DIR>/attachments` when unset. */
  FMS_ATTACHMENTS_DIR: z.string().min(1, 'expected a folder path').optional(),
  /** Largest work-order attachment, MiB. */
  FMS_ATTACHMENT_MAX_MB: z.coerce
    .number({ error: 'expected a size in MiB, e.g. 10' })
    .int('expected whole MiB')
    .min(1, 'expected at least 1 MiB')
    .max(100, 'expected at most 100 MiB')
    .default(10),
  /** Attachments one work order may hold; a further one is refused. */
  FMS_ATTACHMENTS_PER_ORDER: z.coerce
    .number({ error: 'expected a number of attachments, e.g. 50' })
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(10_000, 'expected at most 10000')
    .default(50),
  /** Bytes of attachments one work order may hold in all, MiB. */
  FMS_ATTACHMENTS_MB_PER_ORDER: z.coerce
    .number({ error: 'expected a size in MiB, e.g. 200' })
    .int('expected whole MiB')
    .min(1, 'expected at least 1 MiB')
    .max(100_000, 'expected at most 100000 MiB')
    .default(200),
  /** pino log level. */
  FMS_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  /** Time zone for schedules and reports; defaults to the machine's. */
  FMS_TZ: timeZone.default(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
  /** YAML file with settings, sites, assets, teams and rules. */
  FMS_CONFIG: z.string().min(1, 'expected a path to a YAML file').optional(),
  /** Font report PDFs draw with first: a .ttf/.otf file, or file.ttc#PostScriptName; system fonts and Helvetica fill in glyphs it lacks. */
  FMS_REPORT_FONT: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      try {
        parseFontSetting(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  /** Embedded broker: `devices` requires every client to sign in (a device with its credentials, a service client with an API key); `off` lets anyone who reaches the port publish. */
  FMS_MQTT_AUTH: z.enum(['off', 'devices'], { error: 'expected off or devices' }).default('devices'),
  /** HTTP API: `keys` wants an API key (Authorization: Bearer) of a role allowed for the route; `off` trusts every caller. */
  FMS_API_AUTH: z.enum(['off', 'keys'], { error: 'expected off or keys' }).default('keys'),
  /** HTTPS: the server certificate (PEM, with its chain); with FMS_HTTP_TLS_KEY the API answers HTTPS only. */
  FMS_HTTP_TLS_CERT: pemPath.optional(),
  /** HTTPS: the certificate's private key (PEM). */
  FMS_HTTP_TLS_KEY: pemPath.optional(),
  /** How long the audit log keeps its records. */
  FMS_AUDIT_RETENTION: z
    .string()
    .refine((v) => parseDuration(v) !== undefined, 'expected a duration such as 400d')
    .default('400d'),
  /** Predictive work orders: one is opened when a condition indicator is likely to reach its limit within this long; `off`: none. */
  FMS_PREDICTIVE_WINDOW: z
    .string()
    .refine((v) => v === 'off' || parseDuration(v) !== undefined, 'expected a duration such as 14d, or off')
    .default('14d'),
  /** HTTP API behind a reverse proxy: the proxies' addresses or CIDR ranges (comma-separated) whose X-Forwarded-For is believed. */
  FMS_HTTP_TRUST_PROXY: z
    .string()
    .regex(
      /^\s*[0-9A-Fa-f:.]+(\/\d{1,3})?\s*(,\s*[0-9A-Fa-f:.]+(\/\d{1,3})?\s*)*$/,
      'expected IP addresses or CIDR ranges, comma-separated, e.g. 127.0.0.1,10.0.0.0/8',
    )
    .transform((v) => v.split(',').map((s) => s.trim()))
    .optional(),
  /**
   * HTTP: the longest a request may take to arrive whole (headers and body). A client that announces a
   * body and never sends it is cut off then instead of holding a connection for ever (slowloris).
   */
  FMS_HTTP_REQUEST_TIMEOUT: z
    .string()
    .refine((v) => parseDuration(v) !== undefined && parseDuration(v)! >= 1000, 'expected a duration of a second or more, such as 2m')
    .default('2m'),
  /** HTTP API: requests a minute per client address before 429 (0: no limit). */
  FMS_HTTP_RATE_LIMIT: z.coerce
    .number({ error: 'expected requests a minute, e.g. 6000' })
    .int('expected a whole number')
    .min(0, 'expected 0 (no limit) or more')
    .default(6000),
  /** Embedded broker: a packet declared larger than this (KiB) ends its connection unread. */
  FMS_MQTT_MAX_PACKET_KB: z.coerce
    .number({ error: 'expected a size in KiB, e.g. 2048' })
    .int('expected whole KiB')
    .min(32, 'expected at least 32 KiB (payloads up to 16 KiB are accepted)')
    .max(262_144, 'expected at most 262144 KiB')
    .default(2048),
  /** Embedded broker: connections at once from one address other than loopback (0: no limit). */
  FMS_MQTT_MAX_CONNECTIONS_PER_IP: z.coerce
    .number({ error: 'expected a number of connections, e.g. 500' })
    .int('expected a whole number')
    .min(0, 'expected 0 (no limit) or more')
    .default(500),
  /** Embedded broker: a packet still incomplete after this long closes its connection (a trickle, not a slow link). */
  FMS_MQTT_PACKET_TIMEOUT: z
    .string()
    .refine((v) => parseDuration(v) !== undefined && parseDuration(v)! >= 1000, 'expected a duration of a second or more, such as 60s')
    .default('60s'),
  /** Embedded broker: a persistent session (clean: false) offline for this long ends, its queued messages with it. */
  FMS_MQTT_SESSION_EXPIRY: z
    .string()
    .refine((v) => parseDuration(v) !== undefined, 'expected a duration such as 1d, 12h')
    .default('1d'),
  /** Embedded broker: messages a persistent session may have waiting; further ones for it are dropped. */
  FMS_MQTT_SESSION_MAX_QUEUED: z.coerce
    .number({ error: 'expected a number of messages, e.g. 1000' })
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .default(1000),
  /** Embedded broker: persistent sessions one identity (a device, an API key) may hold; a further one is refused (CONNACK 2). */
  FMS_MQTT_SESSIONS_PER_IDENTITY: z.coerce
    .number({ error: 'expected a number of sessions, e.g. 10' })
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(10_000, 'expected at most 10000')
    .default(10),
  /** This instance's name among several (MQTT client id, leases); host name and process id when unset. */
  FMS_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 of A-Z a-z 0-9 _ . -')
    .optional(),
  /** Console sessions: one unused this long ends (sign in again). */
  FMS_SESSION_IDLE: z
    .string()
    .refine((v) => parseDuration(v) !== undefined && parseDuration(v)! >= 60_000, 'expected a duration of a minute or more, such as 2h')
    .default('2h'),
  /** Console sessions: one ends this long after signing in, used or not. */
  FMS_SESSION_MAX_AGE: z
    .string()
    .refine((v) => parseDuration(v) !== undefined && parseDuration(v)! >= 60_000, 'expected a duration of a minute or more, such as 12h')
    .default('12h'),
  /** Failed sign-ins: the longest an account or address waits before its next attempt is looked at. */
  FMS_SIGN_IN_LOCK_MAX: z
    .string()
    .refine((v) => parseDuration(v) !== undefined && parseDuration(v)! >= 1000, 'expected a duration of a second or more, such as 15m')
    .default('15m'),
  /** Email to people (docs/notifications.md): smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465. Never logged. */
  FMS_SMTP_URL: z
    .string()
    .refine(
      (v) => /^smtps?:\/\/[^\s/]+(:\d+)?(\/?(\?.*)?)?$/.test(v) && URL.canParse(v),
      'expected smtp://user:password@host:587 or smtps://user:password@host:465',
    )
    .optional(),
  /** The sender of FMS's email, e.g. "FMS <fms@estate.example>". */
  FMS_SMTP_FROM: z.string().min(3).max(200).default('FMS <fms@localhost>'),
  /** The address people open FMS at, for links in what it sends (e.g. https://fms.estate.example); the HTTP listener's when unset. */
  FMS_PUBLIC_URL: httpUrl.optional(),
  /** Bootstrap admin API key (at least 24 characters). */
  FMS_ADMIN_KEY: z.string().min(24, 'expected at least 24 characters').optional(),
});

export type Env = z.infer<typeof envSchema>;

/** Where and how to reach InfluxDB. */
/** A certificate and its key, read from PEM files when the config was loaded. */
export interface TlsFiles {
  cert: string;
  key: string;
}

export interface Config {
  http: {
    host: string;
    port: number;
    rateLimitPerMinute: number;
    auth: 'off' | 'keys';
    tls: TlsFiles | undefined;
    trustProxy: string[] | undefined;
    requestTimeoutMs: number;
  };
  mqtt: {
    host: string;
    /** Plain MQTT port; null when only TLS listens. */
    port: number | null;
    url: string | undefined;
    maxPacketBytes: number;
    maxConnectionsPerIp: number;
    /** Messages a second one device may send before it is slowed down; 0: no limit. */
    maxMessagesPerSecond: number;
    /** Persistent sessions: how long one waits offline, how many messages it may have queued, how many one identity may hold. */
    sessions: { expiryMs: number; maxQueued: number; maxPerIdentity: number };
    /** A packet incomplete for this long closes its connection. */
    packetTimeoutMs: number;
    auth: 'off' | 'devices';
    /** MQTT over TLS on the embedded broker, when a certificate is configured. */
    tls: (TlsFiles & { port: number; clientCerts: 'off' | 'optional' | 'required' }) | undefined;
    /** The site CA (PEM): signs device certificates; checks an external broker's certificate. */
    ca: string | undefined;
  };
  audit: { retentionMs: number };
  /**
   * Console sign-in: session expiry (idle and absolute) and the longest wait after failed sign-ins;
   * `passwordScrypt` is set by `testConfig` only (no variable sets it: production hashes at full cost).
   */
  sessions: { idleMs: number; maxAgeMs: number; lockMaxMs: number; passwordScrypt?: { N: number; r: number; p: number } };
  /** Predictive work orders: the window a likely limit crossing must enter (undefined: none opened). */
  prediction: { windowMs: number | undefined };
  /** Where the certificates were read from, to read them again when they are renewed. */
  tlsFiles: { mqttCert?: string; mqttKey?: string; mqttCa?: string; httpCert?: string; httpKey?: string };
  dataDir: string;
  databaseUrl: string | undefined;
  influx: InfluxConnection | undefined;
  /** Telemetry spool and store-down alarm. */
  spool: { maxBytes: number; downAlarmAfterMs: number };
  /** Embedded telemetry store retention. */
  retention: { rawMs: number; rollupMs: number };
  /** Work-order attachments: folder (undefined with FMS_DATA_DIR=:memory:, then a temporary one), size limit, what one order may hold. */
  attachments: { dir: string | undefined; maxBytes: number; perOrder: { count: number; totalBytes: number } };
  logLevel: Env['FMS_LOG_LEVEL'];
  timeZone: string;
  /** This instance's name (FMS_INSTANCE_ID, or host name and process id). */
  instanceId: string;
  /** Whether FMS_INSTANCE_ID named it (stable across restarts: the broker may keep its session). */
  instanceIdGiven: boolean;
  /** Report PDFs: the configured font, drawn with first (system fonts are looked for after it). */
  reports: { font: FontChoice | undefined };
  /** Email (FMS_SMTP_URL, a secret: never logged) and the public address for links. */
  notify: { smtpUrl: string | undefined; from: string; publicUrl: string | undefined };
  adminKey: string | undefined;
  /** The estate from the FMS_CONFIG file (empty when none is given). */
  estate: EstateFile;
  /** Path of the FMS_CONFIG file, for messages. */
  configFile: string | undefined;
}

type ReadFile = (file: string) => string;

/**
 * FMS_* variables that belong to other programs of the project, not to the service: the simulator's
 * and the benchmark's key, docker-compose's published addresses and InfluxDB's own users.
 */
const otherPrograms = new Set([
  'FMS_API_KEY',
  'FMS_PUBLISH_HOST',
  'FMS_MQTT_PUBLISH_HOST',
  'FMS_MQTTS_PORT',
  'FMS_INFLUX_WRITE_USER',
  'FMS_INFLUX_WRITE_PASSWORD',
  'FMS_INFLUX_READ_USER',
  'FMS_INFLUX_READ_PASSWORD',
  'FMS_INFLUX_READ_TOKEN',
  'FMS_KEEP_SCREENSHOT',
]);

/**
 * FMS_* variables in the environment that FMS does not know (a misspelling is otherwise silently
 * ignored), each with the known one it most resembles, when one is close.
 */
export function closestVariables(env: Record<string, string | undefined>): { name: string; closest: string | undefined }[] {
  const known = Object.keys(envSchema.shape);
  return Object.keys(env)
    .filter((name) => name.startsWith('FMS_') && !known.includes(name) && !otherPrograms.has(name))
    .sort()
    .map((name) => {
      let best: { name: string; d: number } | undefined;
      for (const k of known) {
        const d = editDistance(name, k);
        if (!best || d < best.d) best = { name: k, d };
      }
      // Close: a few letters off, or one name inside the other (FMS_HTTP_PORTS, FMS_PORT).
      const close = best && (best.d <= Math.max(2, Math.floor(name.length / 5)) || best.name.includes(name) || name.includes(best.name));
      return { name, closest: close ? best!.name : undefined };
    });
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * Reads the environment (and the FMS_CONFIG file when named), reports every bad variable at once,
 * and returns a frozen config. Only main.ts passes `process.env`; tests use `testConfig`.
 */
export function loadConfig(env: Record<string, string | undefined>, readFile: ReadFile = (f) => readFileSync(f, 'utf8')): Config {
  const problems: string[] = [];
  const configPath = env.FMS_CONFIG?.trim() || undefined;
  let estate: EstateFile = estateFileSchema.parse({});
  let fileSettings: Record<string, string> = {};

  if (configPath) {
    const loaded = readEstateFile(configPath, readFile);
    if ('problems' in loaded) problems.push(...loaded.problems);
    else {
      estate = loaded.estate;
      fileSettings = loaded.settings;
    }
  }

  // The environment wins over the file's `settings`; empty variables count as unset.
  const merged: Record<string, string> = { ...fileSettings };
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') merged[key] = value.trim();
  }
  const parsed = envSchema.safeParse(merged);
  const pem: Record<string, string> = {};
  if (!parsed.success)
    problems.push(...formatZodIssues(parsed.error.issues, (p) => `${String(p[0])}${p.length > 1 ? '.' + p.slice(1).join('.') : ''}`, merged));

  if (parsed.success) {
    const e = parsed.data;
    if (parseDuration(e.FMS_SESSION_MAX_AGE)! < parseDuration(e.FMS_SESSION_IDLE)!)
      problems.push('FMS_SESSION_MAX_AGE: expected at least FMS_SESSION_IDLE (a session cannot idle longer than it lives)');
    if (parseDuration(e.FMS_TELEMETRY_ROLLUP_RETENTION)! < parseDuration(e.FMS_TELEMETRY_RAW_RETENTION)!) {
      problems.push('FMS_TELEMETRY_ROLLUP_RETENTION: expected at least FMS_TELEMETRY_RAW_RETENTION (rollups outlive raw readings)');
    }
    if ((e.FMS_INFLUX_USERNAME === undefined) !== (e.FMS_INFLUX_PASSWORD === undefined)) {
      problems.push('FMS_INFLUX_USERNAME/FMS_INFLUX_PASSWORD: expected both or neither');
    }
    if ((e.FMS_MQTT_TLS_CERT === undefined) !== (e.FMS_MQTT_TLS_KEY === undefined))
      problems.push('FMS_MQTT_TLS_CERT/FMS_MQTT_TLS_KEY: expected both or neither');
    if ((e.FMS_HTTP_TLS_CERT === undefined) !== (e.FMS_HTTP_TLS_KEY === undefined))
      problems.push('FMS_HTTP_TLS_CERT/FMS_HTTP_TLS_KEY: expected both or neither');
    if (e.FMS_MQTT_TLS_CLIENT_CERTS && e.FMS_MQTT_TLS_CLIENT_CERTS !== 'off' && !e.FMS_MQTT_TLS_CA)
      problems.push(`FMS_MQTT_TLS_CLIENT_CERTS: "${e.FMS_MQTT_TLS_CLIENT_CERTS}" needs FMS_MQTT_TLS_CA, the CA that signs the device certificates`);
    if (e.FMS_MQTT_TLS_CLIENT_CERTS && e.FMS_MQTT_TLS_CLIENT_CERTS !== 'off' && !e.FMS_MQTT_TLS_CERT)
      problems.push('FMS_MQTT_TLS_CLIENT_CERTS: device certificates need the TLS listener: set FMS_MQTT_TLS_CERT and FMS_MQTT_TLS_KEY');
    if (e.FMS_MQTT_PORT === 'off' && !e.FMS_MQTT_TLS_CERT && !e.FMS_MQTT_URL)
      problems.push('FMS_MQTT_PORT: "off" leaves no listener: set FMS_MQTT_TLS_CERT and FMS_MQTT_TLS_KEY for MQTT over TLS');
    for (const key of ['FMS_MQTT_TLS_CERT', 'FMS_MQTT_TLS_KEY', 'FMS_MQTT_TLS_CA', 'FMS_HTTP_TLS_CERT', 'FMS_HTTP_TLS_KEY'] as const) {
      const file = e[key];
      if (file === undefined) continue;
      const what = key.endsWith('KEY') ? 'a PEM private key' : 'a PEM certificate';
      try {
        const text = readFile(file);
        if (!/-----BEGIN [A-Z ]*(CERTIFICATE|PRIVATE KEY)-----/.test(text)) problems.push(`${key}: ${file} is not PEM; expected ${what} (-----BEGIN …-----)`);
        else pem[key] = text;
      } catch (err) {
        problems.push(`${key}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected ${what}`);
      }
    }
  }

  if (problems.length > 0 || !parsed.success) {
    throw new FmsError(
      'FMS_ERR_CONFIG_INVALID',
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` + problems.map((p) => `  - ${p}`).join('\n'),
      problems,
    );
  }
  const e = parsed.data;
  return deepFreeze({
    http: {
      host: e.FMS_HTTP_HOST,
      port: e.FMS_HTTP_PORT,
      rateLimitPerMinute: e.FMS_HTTP_RATE_LIMIT,
      auth: e.FMS_API_AUTH,
      tls: pem.FMS_HTTP_TLS_CERT && pem.FMS_HTTP_TLS_KEY ? { cert: pem.FMS_HTTP_TLS_CERT, key: pem.FMS_HTTP_TLS_KEY } : undefined,
      trustProxy: e.FMS_HTTP_TRUST_PROXY,
      requestTimeoutMs: parseDuration(e.FMS_HTTP_REQUEST_TIMEOUT)!,
    },
    mqtt: {
      // Devices that must sign in may reach the broker from the estate network; without sign-in it stays on loopback.
      host: e.FMS_MQTT_HOST ?? (e.FMS_MQTT_AUTH === 'devices' ? '0.0.0.0' : '127.0.0.1'),
      port: e.FMS_MQTT_PORT === 'off' ? null : e.FMS_MQTT_PORT,
      url: e.FMS_MQTT_URL,
      maxPacketBytes: e.FMS_MQTT_MAX_PACKET_KB * 1024,
      maxConnectionsPerIp: e.FMS_MQTT_MAX_CONNECTIONS_PER_IP,
      maxMessagesPerSecond: e.FMS_MQTT_MAX_MSGS_PER_SEC,
      sessions: {
        expiryMs: parseDuration(e.FMS_MQTT_SESSION_EXPIRY)!,
        maxQueued: e.FMS_MQTT_SESSION_MAX_QUEUED,
        maxPerIdentity: e.FMS_MQTT_SESSIONS_PER_IDENTITY,
      },
      packetTimeoutMs: parseDuration(e.FMS_MQTT_PACKET_TIMEOUT)!,
      auth: e.FMS_MQTT_AUTH,
      tls:
        pem.FMS_MQTT_TLS_CERT && pem.FMS_MQTT_TLS_KEY
          ? {
              cert: pem.FMS_MQTT_TLS_CERT,
              key: pem.FMS_MQTT_TLS_KEY,
              port: e.FMS_MQTT_TLS_PORT,
              clientCerts: e.FMS_MQTT_TLS_CLIENT_CERTS ?? (pem.FMS_MQTT_TLS_CA ? 'optional' : 'off'),
            }
          : undefined,
      ca: pem.FMS_MQTT_TLS_CA,
    },
    audit: { retentionMs: parseDuration(e.FMS_AUDIT_RETENTION)! },
    sessions: {
      idleMs: parseDuration(e.FMS_SESSION_IDLE)!,
      maxAgeMs: parseDuration(e.FMS_SESSION_MAX_AGE)!,
      lockMaxMs: parseDuration(e.FMS_SIGN_IN_LOCK_MAX)!,
    },
    prediction: { windowMs: e.FMS_PREDICTIVE_WINDOW === 'off' ? undefined : parseDuration(e.FMS_PREDICTIVE_WINDOW)! },
    tlsFiles: Object.fromEntries(
      Object.entries({
        mqttCert: e.FMS_MQTT_TLS_CERT,
        mqttKey: e.FMS_MQTT_TLS_KEY,
        mqttCa: e.FMS_MQTT_TLS_CA,
        httpCert: e.FMS_HTTP_TLS_CERT,
        httpKey: e.FMS_HTTP_TLS_KEY,
      }).filter(([, v]) => v !== undefined),
    ),
    dataDir: e.FMS_DATA_DIR === ':memory:' ? ':memory:' : path.resolve(e.FMS_DATA_DIR),
    databaseUrl: e.FMS_DATABASE_URL,
    influx: e.FMS_INFLUX_URL
      ? {
          url: e.FMS_INFLUX_URL,
          db: e.FMS_INFLUX_DB,
          rp: e.FMS_INFLUX_RP,
          rollupRp: e.FMS_INFLUX_ROLLUP_RP,
          token: e.FMS_INFLUX_TOKEN,
          username: e.FMS_INFLUX_USERNAME,
          password: e.FMS_INFLUX_PASSWORD,
        }
      : undefined,
    spool: { maxBytes: e.FMS_SPOOL_MAX_MB * 1024 * 1024, downAlarmAfterMs: parseDuration(e.FMS_STORE_DOWN_ALARM_AFTER)! },
    retention: { rawMs: parseDuration(e.FMS_TELEMETRY_RAW_RETENTION)!, rollupMs: parseDuration(e.FMS_TELEMETRY_ROLLUP_RETENTION)! },
    attachments: {
      dir: e.FMS_ATTACHMENTS_DIR
        ? path.resolve(e.FMS_ATTACHMENTS_DIR)
        : e.FMS_DATA_DIR === ':memory:'
          ? undefined
          : path.resolve(e.FMS_DATA_DIR, 'attachments'),
      maxBytes: e.FMS_ATTACHMENT_MAX_MB * 1024 * 1024,
      perOrder: { count: e.FMS_ATTACHMENTS_PER_ORDER, totalBytes: e.FMS_ATTACHMENTS_MB_PER_ORDER * 1024 * 1024 },
    },
    logLevel: e.FMS_LOG_LEVEL,
    timeZone: e.FMS_TZ,
    instanceIdGiven: e.FMS_INSTANCE_ID !== undefined,
    instanceId:
      e.FMS_INSTANCE_ID ??
      `${os
        .hostname()
        .replace(/[^A-Za-z0-9_.-]/g, '-')
        .slice(0, 40)}-${process.pid}`,
    reports: { font: e.FMS_REPORT_FONT ? parseFontSetting(e.FMS_REPORT_FONT) : undefined },
    notify: { smtpUrl: e.FMS_SMTP_URL, from: e.FMS_SMTP_FROM, publicUrl: e.FMS_PUBLIC_URL?.replace(/\/+$/, '') },
    adminKey: e.FMS_ADMIN_KEY,
    estate,
    configFile: configPath,
  });
}

function readEstateFile(file: string, readFile: ReadFile): { estate: EstateFile; settings: Record<string, string> } | { problems: string[] } {
  let text: string;
  try {
    text = readFile(file);
  } catch (err) {
    return { problems: [`FMS_CONFIG: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a readable YAML file`] };
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    return { problems: [`FMS_CONFIG (${file}): not valid YAML: ${(err as Error).message.split('\n')[0]}`] };
  }
  const parsed = estateFileSchema.safeParse(doc);
  if (!parsed.success) {
    return { problems: formatZodIssues(parsed.error.issues, (p) => `FMS_CONFIG (${file}): ${formatPath(p)}`, doc) };
  }
  const settings: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.data.settings)) settings[k] = String(v);
  return { estate: parsed.data, settings };
}

function formatPath(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('') || '(top level)';
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Passwords in tests hashed at about a hundredth of PASSWORD_SCRYPT's cost (3 ms instead of 0.25 s): the
 * suites sign in hundreds of times, and what they test is the accounts' behaviour; password.test.ts tests
 * the real cost.
 */
const TEST_PASSWORD_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

/** A config for tests: free ports, a given data folder, silent logs, the estate given as an object. */
export function testConfig(overrides: Partial<Record<keyof Env, string>> & { estate?: unknown } = {}): Config {
  const { estate, ...env } = overrides;
  const yaml = estate === undefined ? undefined : JSON.stringify(estate);
  const config = loadConfig(
    // Suites about other things run without sign-in; the security suites, the service process and the demo run with it.
    {
      FMS_HTTP_PORT: '0',
      FMS_MQTT_PORT: '0',
      FMS_MQTT_HOST: '127.0.0.1',
      FMS_MQTT_AUTH: 'off',
      FMS_API_AUTH: 'off',
      FMS_LOG_LEVEL: 'silent',
      FMS_TZ: 'UTC',
      FMS_DATA_DIR: ':memory:',
      ...(yaml ? { FMS_CONFIG: '<test estate>' } : {}),
      ...env,
    },
    // The estate comes from the test; certificate files are read from disk.
    (file) => (file === '<test estate>' ? (yaml ?? '{}') : readFileSync(file, 'utf8')),
  );
  return deepFreeze({ ...config, sessions: { ...config.sessions, passwordScrypt: TEST_PASSWORD_SCRYPT } });
}
