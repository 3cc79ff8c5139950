import type { Accounts } from '../accounts/accounts.ts';
import type { ApiKeys } from '../api/api-keys.ts';
import type { Api } from '../api/server.ts';
import type { AssetRegistry } from '../assets/asset-registry.ts';
import type { DeviceCredentials } from '../assets/device-credentials.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ConditionWatch } from '../condition/condition-watch.ts';
import type { ReportScheduler } from '../reports/report-scheduler.ts';
import type { ReportService } from '../reports/report-service.ts';

/** A running FMS, as startFms (app.ts) returns it to main.ts, the demo and the end-to-end tests. */
export interface Fms {
  /** Where the HTTP API listens, e.g. http://127.0.0.1:3000. */
  httpUrl: string;
  /** Where the embedded broker listens, e.g. mqtt://127.0.0.1:1883 (mqtts:// when it listens on TLS only). */
  mqttUrl: string;
  /** Where the embedded broker listens on TLS, e.g. mqtts://127.0.0.1:8883, when configured. */
  mqttsUrl: string | undefined;
  api: Api;
  /** Device MQTT credentials (the demo issues its devices' own). */
  credentials: DeviceCredentials;
  /** API keys (the demo issues its crew's own). */
  apiKeys: ApiKeys;
  /** People's console accounts (the demo makes its crew's). */
  accounts: Accounts;
  audit: AuditLog;
  assets: AssetRegistry;
  reports: ReportService;
  reportScheduler: ReportScheduler;
  /** The hourly condition check (predictive work orders); `check()` runs one now. */
  conditionWatch: ConditionWatch;
  /**
   * Reads the TLS certificates again (renewed in place) and gives them to new connections; open ones
   * keep theirs. Also done by itself when the files change, and on SIGUSR2. Resolves to what was reloaded.
   */
  reloadCertificates(): Promise<string[]>;
  /** Stops accepting, flushes buffers and closes stores, in reverse order of opening. */
  stop(): Promise<void>;
}
