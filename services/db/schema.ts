import type { Generated } from 'kysely';

/** Row types of the operational database (SQLite now; the same kysely code serves PostgreSQL). Times are epoch ms. */
export interface AssetsTable {
  id: string;
  type: string;
  site: string;
  name: string;
  location: string;
  /** 1 (low) to 5 (life safety): weighs risk in reports. */
  criticality: number;
  /** JSON array of strings. */
  tags: string;
  installed_at: number | null;
  /** `config` when it comes from the FMS_CONFIG file, `api` when registered over HTTP. */
  origin: string;
  created_at: number;
  updated_at: number;
  maintenance_until: number | null;
  maintenance_by: string | null;
}

export interface RuleStatesTable {
  asset_id: string;
  rule_id: string;
  /** JSON of the engine's state for this asset and rule. */
  state: string;
  saved_at: number;
}

export interface AlarmsTable {
  id: Generated<number>;
  asset_id: string;
  site: string;
  rule_id: string;
  /** The failure mode the alarm stands for (the rule's `failureMode`, or its id). */
  fault: string;
  rule_version: number;
  severity: string;
  state: string;
  message: string;
  /** Value that raised it (a metric value; null for events). */
  value: number | null;
  occurrences: number;
  raised_at: number;
  /** When the message that raised it was received (for alarm-to-work-order latency). */
  received_at: number;
  last_raised_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  ack_note: string | null;
  cleared_at: number | null;
  work_order_id: string | null;
  /** 1 once the alarm has been seen flapping (raised and cleared too often). */
  flapping: Generated<number>;
  /** A flapping alarm whose condition has cleared: it clears for good if it stays away. */
  clear_pending_since: number | null;
}

export interface AlarmEventsTable {
  id: Generated<number>;
  alarm_id: number;
  at: number;
  type: string;
  from_state: string | null;
  to_state: string;
  actor: string;
  note: string | null;
}

export interface WorkOrdersTable {
  id: string;
  seq: number;
  source: string;
  channel: string;
  category: string;
  priority: string;
  title: string;
  description: string;
  asset_id: string | null;
  site: string | null;
  rule_id: string | null;
  /** `asset/rule` for alarm-sourced orders: at most one open order per fault. */
  fault_key: string | null;
  alarm_id: number | null;
  state: string;
  occurrences: number;
  created_at: number;
  updated_at: number;
  version: number;
  /** JSON array of checklist steps. */
  checklist: Generated<string>;
  asset_type: string | null;
  location: string | null;
  /** JSON of the requester's name and contacts. */
  requester: string | null;
  parent_id: string | null;
  due_at: number | null;
  assignee: string | null;
  team: string | null;
  /** Next moment something is due without anyone acting (escalation, sensor check, closing). */
  wake_at: number | null;
  resolved_at: number | null;
  closed_at: number | null;
  /** Satisfaction score 1-5. */
  rating: number | null;
  breached: Generated<number>;
  rework_count: Generated<number>;
  repeat_count: Generated<number>;
  /** JSON: hold, SLA clocks, acceptance, checklist results, rating, step times. */
  process: Generated<string>;
  pm_plan: string | null;
  /** `plan/asset/key` of a preventive-maintenance occurrence: unique. */
  pm_key: string | null;
}

export interface PmPlansTable {
  id: string;
  /** `api` for plans created or changed over the API (they win over templates and the file). */
  origin: string;
  /** The plan as JSON, in the YAML format; null when deleted. */
  definition: string | null;
  deleted: number;
  updated_at: number;
}

export interface PmTrackingTable {
  plan_id: string;
  asset_id: string;
  /** When FMS began following the plan for the asset. */
  since: number;
}

/** The register of occurrences: one row per plan, asset and key, whoever generated it first. */
export interface PmOccurrencesTable {
  plan_id: string;
  asset_id: string;
  key: string;
  seq: number;
  due_at: number;
  tier: string | null;
  /** The order opened for it; null while being opened, or when folded into a later occurrence. */
  work_order_id: string | null;
  /** Set when this occurrence was folded into a later one after downtime. */
  combined_into: string | null;
  created_at: number;
}

export interface WorkOrderAttachmentsTable {
  id: string;
  work_order_id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  /** Where the file is, relative to the attachments folder. */
  path: string;
  uploaded_by: string;
  uploaded_at: number;
}

export interface WorkOrderEventsTable {
  id: Generated<number>;
  work_order_id: string;
  at: number;
  type: string;
  from_state: string | null;
  to_state: string | null;
  actor: string;
  note: string | null;
  /** JSON object with the event's particulars. */
  data: string;
  action: string | null;
}

export interface RulesTable {
  id: string;
  version: number;
  /** `default` (devices/<type>/rules.yaml), `config` (the FMS_CONFIG file) or `api`. */
  origin: string;
  /** The rule as JSON, in the YAML format. */
  definition: string;
  /** 1 when deleted over the API (a shipped or file rule deleted stays deleted). */
  deleted: number;
  updated_at: number;
}

export interface RuleVersionsTable {
  id: Generated<number>;
  rule_id: string;
  version: number;
  origin: string;
  /** `created`, `updated` or `deleted`. */
  change: string;
  definition: string | null;
  changed_at: number;
  changed_by: string;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface ReportsTable {
  id: string;
  site: string | null;
  period_from: number;
  period_to: number;
  language: string;
  /** `on_demand`, `weekly` or `monthly`. */
  kind: string;
  created_at: number;
  /** JSON: assets, top risks, SLA compliance, files — what the list shows. */
  summary: string;
  /** `weekly:riverside:<period end>` for a scheduled report (unique: made once), null on demand. */
  schedule_key: string | null;
}

export interface DeviceCredentialsTable {
  asset_id: string;
  /** How `hash` was made: 'hmac-sha256' or 'scrypt' (records issued before migration 0020). */
  scheme: string;
  /** base64 */
  salt: string;
  /** base64 hash of the secret */
  hash: string;
  issued_at: number;
  revoked_at: number | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  person_id: string | null;
  /** hex SHA-256 of the whole key */
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  /** JSON list of the sites the key is limited to; null: the whole estate */
  sites: string | null;
  /** when it was last used (to the hour: it is noted with the sign-in record) */
  last_used_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  /** e.g. `key.issued`, `access.denied`, `work_order.verified` */
  action: string;
  outcome: 'ok' | 'denied' | 'failed';
  /** `key:<id>`, `device:<asset>`, `anonymous`, `system` */
  actor: string;
  actor_name: string | null;
  actor_role: string | null;
  address: string | null;
  target: string | null;
  detail: string | null;
  /** How many times it happened (repeats within a minute are recorded once with their count). */
  count: number;
}

export interface PeopleTable {
  id: string;
  /** `config` while the FMS_CONFIG file decides it; `api` once changed over the API (the file no longer does). */
  origin: string;
  /** The person as JSON, in the estate file's format (work-orders/people.ts). */
  definition: string;
  /** 1: takes work; 0: disabled (no new orders, history kept). */
  enabled: number;
  /** Counts the changes: a write is stored only over the version it read. */
  version: number;
  updated_at: number;
  /** Who changed it last: a key's name and id, or the FMS_CONFIG file. */
  updated_by: string;
}

export interface TeamsTable {
  id: string;
  /** `config` while the FMS_CONFIG file decides it; `api` once changed over the API. */
  origin: string;
  /** The team as JSON, in the estate file's format. */
  definition: string;
  version: number;
  updated_at: number;
  updated_by: string;
}

export interface AccountsTable {
  /** lower case; the primary key */
  user_name: string;
  name: string;
  role: string;
  person_id: string | null;
  phone: string | null;
  /** JSON list of the sites the account is limited to; null: the whole estate */
  sites: string | null;
  language: string | null;
  /** `scrypt$N=…,r=…,p=…$salt$hash` (base64); null: no password yet */
  password_hash: string | null;
  password_set_at: number | null;
  created_at: number;
  disabled_at: number | null;
  last_sign_in_at: number | null;
}

export interface SignInLinksTable {
  /** hex SHA-256 of the link's token */
  hash: string;
  user_name: string;
  purpose: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface SessionsTable {
  /** hex SHA-256 of the session id */
  hash: string;
  user_name: string;
  created_at: number;
  last_seen_at: number;
  address: string | null;
  /** `password` or `link` */
  via: string;
}

export interface SignInAttemptsTable {
  /** `pair|<user>|<address>`, `user|<user>`, `address|<address>` */
  key: string;
  failures: number;
  last_failure_at: number;
  last_success_at: number | null;
}

export interface OutboxTable {
  id: string;
  /** what makes two deliveries the same one (event, subject, recipient, channel) */
  dedupe_key: string;
  /** `email`, `wecom`, `dingtalk`, `feishu`, `sms`, `webhook`, `in_app` */
  channel: string;
  recipient: string;
  event: string;
  /** the order, alarm or report it is about */
  subject_id: string | null;
  /** JSON: what the channel sends */
  payload: string;
  /** `pending`, `sending`, `sent`, `dead` */
  state: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
  read_at: number | null;
}

export interface ResidentRequestsTable {
  /** SHA-256 of the tracking link's token (hex) */
  token_hash: string;
  work_order_id: string;
  site: string;
  name: string;
  phone: string | null;
  email: string | null;
  /** `en` or `zh` */
  language: string;
  created_at: number;
  /** 30 days after the order closed; null while it is open */
  expires_at: number | null;
}

export interface ResidentCodesTable {
  /** SHA-256 of the phone number or email address */
  contact_hash: string;
  code_hash: string;
  tries: number;
  expires_at: number;
}

export interface ResidentKeysTable {
  id: string;
  secret: string;
}

export interface DatabaseSchema {
  assets: AssetsTable;
  alarms: AlarmsTable;
  alarm_events: AlarmEventsTable;
  work_orders: WorkOrdersTable;
  work_order_events: WorkOrderEventsTable;
  work_order_attachments: WorkOrderAttachmentsTable;
  pm_plans: PmPlansTable;
  pm_tracking: PmTrackingTable;
  pm_occurrences: PmOccurrencesTable;
  reports: ReportsTable;
  device_credentials: DeviceCredentialsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  accounts: AccountsTable;
  sign_in_links: SignInLinksTable;
  sessions: SessionsTable;
  sign_in_attempts: SignInAttemptsTable;
  outbox: OutboxTable;
  resident_requests: ResidentRequestsTable;
  resident_codes: ResidentCodesTable;
  resident_keys: ResidentKeysTable;
  counters: CountersTable;
  rules: RulesTable;
  rule_states: RuleStatesTable;
  rule_versions: RuleVersionsTable;
  people: PeopleTable;
  teams: TeamsTable;
}
