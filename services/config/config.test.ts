import { describe, expect, it } from 'vitest';
import { closestVariables, loadConfig, testConfig } from './config.ts';
import { FmsError } from '../shared/errors.ts';
import { requireTestFonts, wqy } from '../reports/testing/fonts.ts';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FmsError);
    return (err as FmsError).details as string[];
  }
  throw new Error('expected the config to be refused');
}

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({ FMS_TZ: 'UTC' });
    // Sign-in is on by default: API keys over HTTP (loopback), device credentials on the broker, which
    // then listens on every interface so that the estate's devices reach it.
    expect(c.http).toEqual({
      host: '127.0.0.1',
      port: 3000,
      rateLimitPerMinute: 6000,
      auth: 'keys',
      tls: undefined,
      trustProxy: undefined,
      requestTimeoutMs: 120_000,
    });
    expect(c.mqtt).toEqual({
      host: '0.0.0.0',
      port: 1883,
      url: undefined,
      maxPacketBytes: 2 * 1024 * 1024,
      maxConnectionsPerIp: 500,
      maxMessagesPerSecond: 20,
      sessions: { expiryMs: 86_400_000, maxQueued: 1000, maxPerIdentity: 10 },
      packetTimeoutMs: 60_000,
      auth: 'devices',
      tls: undefined,
      ca: undefined,
    });
    expect(c.audit.retentionMs).toBe(400 * 86_400_000);
    // Console sessions: 2 h unused, a 12 h shift at most; failed sign-ins wait up to 15 min.
    expect(c.sessions).toEqual({ idleMs: 2 * 3_600_000, maxAgeMs: 12 * 3_600_000, lockMaxMs: 15 * 60_000 });
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.logLevel).toBe('info');
    expect(c.influx).toBeUndefined();
    expect(c.estate.assets).toEqual([]);
  });

  it('lists every bad variable at once, each with what it expects', () => {
    const problems = problemsOf(() => loadConfig({ FMS_HTTP_PORT: 'eighty', FMS_MQTT_PORT: '70000', FMS_LOG_LEVEL: 'loud', FMS_TZ: 'Mars/Olympus' }));
    expect(problems).toHaveLength(4);
    expect(problems).toContainEqual(expect.stringMatching(/^FMS_HTTP_PORT: expected a port number.*\(got "eighty"\)$/));
    expect(problems).toContainEqual(expect.stringMatching(/^FMS_MQTT_PORT: expected a port number from 0 .*65535 \(got "70000"\)$/));
    expect(problems).toContainEqual(expect.stringMatching(/^FMS_LOG_LEVEL: expected one of fatal, error/));
    expect(problems).toContainEqual(expect.stringMatching(/^FMS_TZ: expected an IANA time zone/));
  });

  it('says the whole list in the error message that stops start-up', () => {
    expect(() => loadConfig({ FMS_HTTP_PORT: '-1', FMS_ADMIN_KEY: 'short' })).toThrow(
      /Invalid configuration \(2 problems\):\n {2}- FMS_HTTP_PORT: .*\n {2}- FMS_ADMIN_KEY: expected at least 24 characters/,
    );
  });

  it.skipIf(!requireTestFonts().available)('takes FMS_REPORT_FONT as the font drawn first; a face the collection lacks is refused with those it has', () => {
    const file = wqy.regular.path;
    expect(loadConfig({ FMS_TZ: 'UTC', FMS_REPORT_FONT: `${file}#WenQuanYiMicroHei` }).reports.font).toEqual({ path: file, face: 'WenQuanYiMicroHei' });
    expect(problemsOf(() => loadConfig({ FMS_TZ: 'UTC', FMS_REPORT_FONT: `${file}#WenQuanYi` }))).toEqual([
      `FMS_REPORT_FONT: ${file} has no face "WenQuanYi": expected one of WenQuanYiMicroHei, WenQuanYiMicroHeiMono (got "${file}#WenQuanYi")`,
    ]);
  });

  it('reads the session expiries and the longest sign-in lock, and refuses a session that would idle longer than it lives', () => {
    const c = loadConfig({ FMS_TZ: 'UTC', FMS_SESSION_IDLE: '30m', FMS_SESSION_MAX_AGE: '8h', FMS_SIGN_IN_LOCK_MAX: '1h' });
    expect(c.sessions).toEqual({ idleMs: 30 * 60_000, maxAgeMs: 8 * 3_600_000, lockMaxMs: 3_600_000 });
    expect(problemsOf(() => loadConfig({ FMS_TZ: 'UTC', FMS_SESSION_IDLE: '8h', FMS_SESSION_MAX_AGE: '1h' }))).toEqual([
      'FMS_SESSION_MAX_AGE: expected at least FMS_SESSION_IDLE (a session cannot idle longer than it lives)',
    ]);
    expect(problemsOf(() => loadConfig({ FMS_TZ: 'UTC', FMS_SESSION_IDLE: '10s', FMS_SIGN_IN_LOCK_MAX: 'soon' }))).toEqual([
      expect.stringMatching(/^FMS_SESSION_IDLE: expected a duration of a minute or more/),
      expect.stringMatching(/^FMS_SIGN_IN_LOCK_MAX: expected a duration of a second or more/),
    ]);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ FMS_HTTP_PORT: '', FMS_TZ: 'UTC' }).http.port).toBe(3000);
  });

  it('takes an external broker and PostgreSQL, and refuses URLs of the wrong kind', () => {
    const c = loadConfig({ FMS_TZ: 'UTC', FMS_MQTT_URL: 'mqtt://127.0.0.1:1884', FMS_DATABASE_URL: 'postgres://x@localhost/fms', FMS_INSTANCE_ID: 'fms-a' });
    expect(c).toMatchObject({ mqtt: { url: 'mqtt://127.0.0.1:1884' }, databaseUrl: 'postgres://x@localhost/fms', instanceId: 'fms-a' });
    const problems = problemsOf(() =>
      loadConfig({ FMS_TZ: 'UTC', FMS_MQTT_URL: 'http://127.0.0.1:1884', FMS_DATABASE_URL: 'mysql://x@localhost/fms', FMS_INSTANCE_ID: 'a b' }),
    );
    expect(problems).toContainEqual(expect.stringMatching(/^FMS_MQTT_URL: expected an mqtt:\/\/ or mqtts:\/\/ URL/));
    expect(problems).toContainEqual(expect.stringMatching(/^FMS_DATABASE_URL: expected a postgres:\/\/ URL/));
    expect(problems).toContainEqual(expect.stringMatching(/^FMS_INSTANCE_ID: expected 1-64 of/));
  });

  it('reads the InfluxDB settings', () => {
    const c = loadConfig({
      FMS_TZ: 'UTC',
      FMS_INFLUX_URL: 'http://127.0.0.1:8086',
      FMS_INFLUX_RP: 'autogen',
      FMS_INFLUX_TOKEN: 'secret',
      FMS_SPOOL_MAX_MB: '10',
      FMS_STORE_DOWN_ALARM_AFTER: '2m',
    });
    expect(c.influx).toEqual({ url: 'http://127.0.0.1:8086', db: 'fms', rp: 'autogen', token: 'secret', username: undefined, password: undefined });
    expect(c.spool).toEqual({ maxBytes: 10 * 1024 * 1024, downAlarmAfterMs: 120_000 });
    expect(c.retention).toEqual({ rawMs: 7 * 86_400_000, rollupMs: 400 * 86_400_000 });
    expect(problemsOf(() => loadConfig({ FMS_TZ: 'UTC', FMS_TELEMETRY_RAW_RETENTION: '30d', FMS_TELEMETRY_ROLLUP_RETENTION: '10d' }))).toEqual([
      'FMS_TELEMETRY_ROLLUP_RETENTION: expected at least FMS_TELEMETRY_RAW_RETENTION (rollups outlive raw readings)',
    ]);
    expect(problemsOf(() => loadConfig({ FMS_INFLUX_URL: 'influx.local', FMS_INFLUX_DB: 'my db', FMS_SPOOL_MAX_MB: '0', FMS_INFLUX_USERNAME: 'u' }))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FMS_INFLUX_URL: expected an http:\/\/ or https:\/\/ URL/),
        expect.stringMatching(/^FMS_INFLUX_DB: expected 1-64 letters/),
        expect.stringMatching(/^FMS_SPOOL_MAX_MB: expected at least 1 MiB/),
      ]),
    );
  });

  it('reads sites, assets, teams, rules and settings from the FMS_CONFIG file; the environment wins', () => {
    const yaml = `
settings:
  FMS_HTTP_PORT: 3100
  FMS_LOG_LEVEL: debug
sites:
  - { id: riverside, name: Riverside Gardens, timeZone: Asia/Shanghai }
assets:
  - { id: rs-pump-1, type: pump, site: riverside, criticality: 4, tags: [fire] }
people:
  - { id: li, name: Li Wei, skills: [pump] }
  - { id: zhang, name: Zhang Min, role: supervisor }
teams:
  - { id: eng-a, name: Engineering A, members: [li], supervisor: zhang }
rules:
  - id: site.hot-pump
    assetType: pump
    metric: motor_temp_c
    when: { op: ">", value: 80 }
    for: 2m
    severity: major
`;
    const c = loadConfig({ FMS_CONFIG: 'estate.yaml', FMS_LOG_LEVEL: 'warn', FMS_TZ: 'UTC' }, () => yaml);
    expect(c.http.port).toBe(3100);
    expect(c.logLevel).toBe('warn');
    expect(c.estate.assets[0]).toMatchObject({ id: 'rs-pump-1', type: 'pump', criticality: 4, tags: ['fire'], location: '' });
    expect(c.estate.teams[0]!.members).toEqual(['li']);
    expect(c.estate.people[0]).toMatchObject({ id: 'li', name: 'Li Wei', role: 'technician', skills: ['pump'] });
    expect(c.estate.sla.escalateAt).toBe(0.75);
    expect(c.estate.workOrders.sensorWindow).toBe(30 * 60_000);
    expect(c.estate.rules[0]).toMatchObject({ id: 'site.hot-pump', for: 120_000 });
  });

  it('names the place in the file of every problem', () => {
    const yaml = `
sites: [{ id: riverside }]
assets:
  - { id: p1, type: boiler, site: riverside }
  - { id: p2, type: pump, site: elsewhere }
  - { id: p2, type: pump, site: riverside, colour: red }
rules:
  - { id: r1, assetType: pump, metric: speed_rpm, when: { op: ">", value: 1 }, severity: major }
`;
    const problems = problemsOf(() => loadConfig({ FMS_CONFIG: 'estate.yaml' }, () => yaml));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FMS_CONFIG \(estate.yaml\): assets\[0\]\.type: expected one of pump, elevator, gate \(got "boiler"\)$/),
        expect.stringMatching(/^FMS_CONFIG \(estate.yaml\): assets\[2\]: unknown field "colour"$/),
        expect.stringMatching(/^FMS_CONFIG \(estate.yaml\): rules\[0\]\.metric: "speed_rpm" is not a pump metric/),
      ]),
    );
  });

  it('checks people, teams, dispatch and SLA policy against each other', () => {
    const yaml = `
sites: [{ id: riverside }]
people:
  - { id: li, name: Li Wei }
  - { id: li, name: Li Wei again }
  - { id: wu, name: Wu, role: janitor }
teams:
  - { id: eng, name: Eng, members: [li, ghost], supervisor: li }
dispatch:
  rules: [{ team: nobody }]
sla:
  priorities: { P1: { clock: business }, P3: { acknowledge: soon } }
  sites: { elsewhere: {} }
workOrders:
  sensorWindow: 0s
`;
    const problems = problemsOf(() => loadConfig({ FMS_CONFIG: 'estate.yaml' }, () => yaml));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/people\[2\]\.role: expected one of technician, supervisor, manager/),
        'FMS_CONFIG (estate.yaml): sla.priorities.P1.clock: P1 runs around the clock; only P3 and P4 may count business hours (got "business")',
        expect.stringMatching(/sla\.priorities\.P3\.acknowledge: expected a duration such as 5m, 4h or 3d/),
        expect.stringMatching(/workOrders\.sensorWindow: expected a duration such as 30m/),
      ]),
    );
    // Cross-references are checked once every field is valid.
    const refs = problemsOf(() =>
      loadConfig({ FMS_CONFIG: 'estate.yaml' }, () =>
        yaml.replace('role: janitor', 'role: manager').replace('clock: business', 'clock: always').replace('soon', '2h').replace('0s', '30m'),
      ),
    );
    expect(refs).toEqual([
      'FMS_CONFIG (estate.yaml): people[1].id: duplicate person id "li"',
      'FMS_CONFIG (estate.yaml): teams[0].members[1]: "ghost" is not listed under people',
      'FMS_CONFIG (estate.yaml): teams[0].supervisor: "li" is a technician; expected a supervisor or manager',
      'FMS_CONFIG (estate.yaml): dispatch.rules[0].team: "nobody" is not listed under teams',
      'FMS_CONFIG (estate.yaml): sla.sites.elsewhere: site "elsewhere" is not listed under sites (got {})',
    ]);
  });

  it('names a file it cannot read or parse', () => {
    expect(
      problemsOf(() =>
        loadConfig({ FMS_CONFIG: '/nope.yaml' }, () => {
          throw Object.assign(new Error('x'), { code: 'ENOENT' });
        }),
      ),
    ).toEqual(['FMS_CONFIG: cannot read /nope.yaml (ENOENT); expected a readable YAML file']);
    expect(problemsOf(() => loadConfig({ FMS_CONFIG: 'bad.yaml' }, () => 'assets: ['))[0]).toMatch(/^FMS_CONFIG \(bad.yaml\): not valid YAML/);
  });

  it('returns a frozen config', () => {
    const c = testConfig();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.http)).toBe(true);
    expect(Object.isFrozen(c.sessions)).toBe(true);
  });

  it('hashes passwords at full cost unless the config is a test’s: no variable lowers it', () => {
    expect(loadConfig({ FMS_TZ: 'UTC', FMS_PASSWORD_SCRYPT: 'N=1024' } as Record<string, string>).sessions.passwordScrypt).toBeUndefined();
    expect(testConfig().sessions.passwordScrypt).toEqual({ N: 1024, r: 8, p: 1 });
  });

  it('keeps the broker on loopback when devices need not sign in', () => {
    expect(loadConfig({ FMS_TZ: 'UTC', FMS_MQTT_AUTH: 'off' }).mqtt.host).toBe('127.0.0.1');
    expect(loadConfig({ FMS_TZ: 'UTC', FMS_MQTT_AUTH: 'off', FMS_MQTT_HOST: '0.0.0.0' }).mqtt.host).toBe('0.0.0.0');
  });

  it('reads TLS certificates when the config is loaded and names every problem with them', () => {
    const files: Record<string, string> = {
      '/etc/fms/server.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      '/etc/fms/server.key': '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
      '/etc/fms/ca.crt': '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n',
      '/etc/fms/notes.txt': 'hello',
    };
    const read = (f: string) => {
      if (!(f in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return files[f]!;
    };
    const c = loadConfig(
      {
        FMS_TZ: 'UTC',
        FMS_MQTT_TLS_CERT: '/etc/fms/server.crt',
        FMS_MQTT_TLS_KEY: '/etc/fms/server.key',
        FMS_MQTT_TLS_CA: '/etc/fms/ca.crt',
        FMS_MQTT_PORT: 'off',
      },
      read,
    );
    expect(c.mqtt.port).toBeNull();
    expect(c.mqtt.tls).toEqual({ cert: files['/etc/fms/server.crt'], key: files['/etc/fms/server.key'], port: 8883, clientCerts: 'optional' });
    expect(c.mqtt.ca).toBe(files['/etc/fms/ca.crt']);

    let message = '';
    try {
      loadConfig(
        {
          FMS_TZ: 'UTC',
          FMS_MQTT_TLS_CERT: '/etc/fms/notes.txt',
          FMS_HTTP_TLS_CERT: '/etc/fms/server.crt',
          FMS_HTTP_TLS_KEY: '/etc/fms/missing.key',
          FMS_MQTT_TLS_CLIENT_CERTS: 'required',
          FMS_MQTT_PORT: 'off',
        },
        read,
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('FMS_MQTT_TLS_CERT/FMS_MQTT_TLS_KEY: expected both or neither');
    expect(message).toContain('FMS_MQTT_TLS_CERT: /etc/fms/notes.txt is not PEM');
    expect(message).toContain('FMS_HTTP_TLS_KEY: cannot read /etc/fms/missing.key (ENOENT)');
    expect(message).toContain('FMS_MQTT_TLS_CLIENT_CERTS: "required" needs FMS_MQTT_TLS_CA');
    expect(() => loadConfig({ FMS_TZ: 'UTC', FMS_MQTT_PORT: 'off' }, read)).toThrow('FMS_MQTT_PORT: "off" leaves no listener');
    expect(loadConfig({ FMS_TZ: 'UTC', FMS_HTTP_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).http.trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(() => loadConfig({ FMS_TZ: 'UTC', FMS_HTTP_TRUST_PROXY: 'the load balancer' })).toThrow(
      'FMS_HTTP_TRUST_PROXY: expected IP addresses or CIDR ranges',
    );
  });
});

describe('closestVariables', () => {
  it('names an FMS_ variable FMS does not know, with the one it most likely meant', () => {
    expect(closestVariables({ FMS_HTTP_PROT: '3001', FMS_INFLUXDB_URL: 'http://x', FMS_HTTP_PORT: '3000', PATH: '/bin', FMS_WHATEVER: '1' })).toEqual([
      { name: 'FMS_HTTP_PROT', closest: 'FMS_HTTP_PORT' },
      { name: 'FMS_INFLUXDB_URL', closest: 'FMS_INFLUX_URL' },
      { name: 'FMS_WHATEVER', closest: undefined },
    ]);
  });

  it("leaves alone the project's other programs' variables and every known one", () => {
    expect(closestVariables({ FMS_API_KEY: 'k', FMS_PUBLISH_HOST: '0.0.0.0', FMS_LOG_LEVEL: 'debug', FMS_MQTT_TLS_CA: 'ca.pem' })).toEqual([]);
  });
});
