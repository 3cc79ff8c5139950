import { PostgresAdapter, sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';

// A generated integer key: `integer … autoincrement` in SQLite, `serial` in PostgreSQL (kysely's
// autoIncrement() is MySQL's and SQLite's spelling only). SQLite's schema is what it always was.
const isPostgres = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof PostgresAdapter;
const serial = (db: Kysely<unknown>) => (isPostgres(db) ? 'serial' : 'integer');
const autoId = (db: Kysely<unknown>, c: ColumnDefinitionBuilder) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement());

/**
 * Migrations in order; never edit one that has shipped, add the next instead.
 * Written with kysely's schema builder so that SQLite and PostgreSQL share them.
 */
export const migrations: Record<string, Migration> = {
  '0001-assets-alarms-work-orders': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('assets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('criticality', 'integer', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('installed_at', 'bigint')
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('assets_site').on('assets').columns(['site', 'type']).execute();

      await db.schema
        .createTable('alarms')
        .addColumn('id', serial(db), (c) => autoId(db, c))
        .addColumn('asset_id', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('rule_version', 'integer', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision')
        .addColumn('occurrences', 'integer', (c) => c.notNull())
        .addColumn('raised_at', 'bigint', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('last_raised_at', 'bigint', (c) => c.notNull())
        .addColumn('acknowledged_at', 'bigint')
        .addColumn('acknowledged_by', 'text')
        .addColumn('ack_note', 'text')
        .addColumn('cleared_at', 'bigint')
        .addColumn('work_order_id', 'text')
        .execute();
      // One alarm per asset and rule while it is not cleared: enforced by the database, not by luck.
      await db.schema.createIndex('alarms_one_open').on('alarms').columns(['asset_id', 'rule_id']).unique().where(sql.ref('state'), '!=', 'cleared').execute();
      await db.schema.createIndex('alarms_state').on('alarms').columns(['state', 'raised_at']).execute();

      await db.schema
        .createTable('alarm_events')
        .addColumn('id', serial(db), (c) => autoId(db, c))
        .addColumn('alarm_id', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('from_state', 'text')
        .addColumn('to_state', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .execute();
      await db.schema.createIndex('alarm_events_alarm').on('alarm_events').columns(['alarm_id', 'at']).execute();

      await db.schema
        .createTable('work_orders')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('priority', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('asset_id', 'text')
        .addColumn('site', 'text')
        .addColumn('rule_id', 'text')
        .addColumn('fault_key', 'text')
        .addColumn('alarm_id', 'integer')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('occurrences', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      // One fault, one open work order (DOMAIN.md).
      await db.schema
        .createIndex('work_orders_one_open_per_fault')
        .on('work_orders')
        .column('fault_key')
        .unique()
        .where(sql<boolean>`fault_key IS NOT NULL AND state NOT IN ('closed', 'cancelled')`)
        .execute();
      await db.schema.createIndex('work_orders_state').on('work_orders').columns(['state', 'created_at']).execute();
      await db.schema.createIndex('work_orders_asset').on('work_orders').columns(['asset_id', 'created_at']).execute();

      await db.schema
        .createTable('work_order_events')
        .addColumn('id', serial(db), (c) => autoId(db, c))
        .addColumn('work_order_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('from_state', 'text')
        .addColumn('to_state', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('work_order_events_order').on('work_order_events').columns(['work_order_id', 'at']).execute();

      await db.schema
        .createTable('counters')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0002-alarm-flapping': {
    async up(db: Kysely<unknown>) {
      // Flapping alarms are held active; they clear once the condition has stayed away for a while.
      await db.schema
        .alterTable('alarms')
        .addColumn('flapping', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('alarms').addColumn('clear_pending_since', 'bigint').execute();
    },
  },
  '0003-rules': {
    async up(db: Kysely<unknown>) {
      // The rule currently in force per id, whatever its origin (shipped default, estate file, API).
      await db.schema
        .createTable('rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // Every version any rule ever had.
      await db.schema
        .createTable('rule_versions')
        .addColumn('id', serial(db), (c) => autoId(db, c))
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('change', 'text', (c) => c.notNull())
        .addColumn('definition', 'text')
        .addColumn('changed_at', 'bigint', (c) => c.notNull())
        .addColumn('changed_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rule_versions_rule').on('rule_versions').columns(['rule_id', 'version']).execute();
    },
  },
  '0004-maintenance-and-rule-state': {
    async up(db: Kysely<unknown>) {
      // A technician on site: non-safety alarms of the asset are held back until this time.
      await db.schema.alterTable('assets').addColumn('maintenance_until', 'bigint').execute();
      await db.schema.alterTable('assets').addColumn('maintenance_by', 'text').execute();
      // The rule engine's per-asset state (pending `for` timers, counts), saved so a restart resumes them.
      await db.schema
        .createTable('rule_states')
        .addColumn('asset_id', 'text', (c) => c.notNull())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('saved_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('rule_states_pk', ['asset_id', 'rule_id'])
        .execute();
    },
  },
  '0005-work-order-checklist': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('work_orders')
        .addColumn('checklist', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
  },
  '0006-alarm-fault': {
    async up(db: Kysely<unknown>) {
      // One alarm per asset and failure mode (rules of one failure mode share it; the strongest sets
      // its severity). A rule without a failure mode is its own.
      await db.schema
        .alterTable('alarms')
        .addColumn('fault', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
      await sql`UPDATE alarms SET fault = rule_id`.execute(db);
      await db.schema.dropIndex('alarms_one_open').execute();
      await db.schema
        .createIndex('alarms_one_open_fault')
        .on('alarms')
        .columns(['asset_id', 'fault'])
        .unique()
        .where(sql.ref('state'), '!=', 'cleared')
        .execute();
    },
  },
  '0007-work-order-process': {
    async up(db: Kysely<unknown>) {
      // The service process: intake details, dispatch, SLA clocks, acceptance, feedback.
      const add = (name: string, type: 'text' | 'bigint' | 'integer') => db.schema.alterTable('work_orders').addColumn(name, type).execute();
      await add('asset_type', 'text');
      await add('location', 'text');
      await add('requester', 'text');
      await add('parent_id', 'text');
      await add('due_at', 'bigint');
      await add('assignee', 'text');
      await add('team', 'text');
      await add('wake_at', 'bigint');
      await add('resolved_at', 'bigint');
      await add('closed_at', 'bigint');
      await add('rating', 'integer');
      await db.schema
        .alterTable('work_orders')
        .addColumn('breached', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('work_orders')
        .addColumn('rework_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('work_orders')
        .addColumn('repeat_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // Hold, SLA clocks, acceptance, checklist results, rating and step times, as JSON.
      await db.schema
        .alterTable('work_orders')
        .addColumn('process', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema.alterTable('work_order_events').addColumn('action', 'text').execute();
      // The sweep finds what is due (escalations, sensor checks, closing) by this index, not by timers.
      await db.schema.createIndex('work_orders_wake').on('work_orders').column('wake_at').execute();
      await db.schema.createIndex('work_orders_assignee').on('work_orders').columns(['assignee', 'state']).execute();
      await db.schema.createIndex('work_orders_breached').on('work_orders').columns(['breached', 'state']).execute();
      await db.schema.createIndex('work_orders_fault_closed').on('work_orders').columns(['fault_key', 'closed_at']).execute();
      await db.schema.createIndex('work_orders_site').on('work_orders').columns(['site', 'state']).execute();
      // Lists are newest first.
      await db.schema.createIndex('work_orders_created').on('work_orders').columns(['created_at', 'seq']).execute();

      await db.schema
        .createTable('work_order_attachments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('work_order_id', 'text', (c) => c.notNull())
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('uploaded_by', 'text', (c) => c.notNull())
        .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('work_order_attachments_order').on('work_order_attachments').column('work_order_id').execute();
    },
  },
  '0008-preventive-maintenance': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('work_orders').addColumn('pm_plan', 'text').execute();
      await db.schema.alterTable('work_orders').addColumn('pm_key', 'text').execute();
      // One order per plan occurrence, whichever instance generates it (DOMAIN.md: exactly once).
      await db.schema.createIndex('work_orders_pm_key').on('work_orders').column('pm_key').unique().execute();
      await db.schema.createIndex('work_orders_pm_plan').on('work_orders').columns(['pm_plan', 'asset_id']).execute();
      await db.schema
        .createTable('pm_plans')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('definition', 'text')
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pm_tracking')
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('asset_id', 'text', (c) => c.notNull())
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pm_tracking_pk', ['plan_id', 'asset_id'])
        .execute();
      await db.schema
        .createTable('pm_occurrences')
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('asset_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('due_at', 'bigint', (c) => c.notNull())
        .addColumn('tier', 'text')
        .addColumn('work_order_id', 'text')
        .addColumn('combined_into', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pm_occurrences_pk', ['plan_id', 'asset_id', 'key'])
        .execute();
      await db.schema.createIndex('pm_occurrences_due').on('pm_occurrences').columns(['plan_id', 'asset_id', 'due_at']).execute();
    },
  },
  '0009-reports': {
    async up(db: Kysely<unknown>) {
      // Generated reports: the files are in the data folder; this is their register.
      await db.schema
        .createTable('reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('site', 'text')
        .addColumn('period_from', 'bigint', (c) => c.notNull())
        .addColumn('period_to', 'bigint', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('reports_created').on('reports').column('created_at').execute();
    },
  },
  '0010-scheduled-reports': {
    async up(db: Kysely<unknown>) {
      // A scheduled report is made once per kind, site and period, whichever instance or restart gets there.
      await db.schema.alterTable('reports').addColumn('schedule_key', 'text').execute();
      await db.schema.createIndex('reports_schedule_key').unique().on('reports').column('schedule_key').execute();
    },
  },
  '0011-device-credentials': {
    async up(db: Kysely<unknown>) {
      // A device's MQTT secret, only as a salted scrypt hash (docs/security.md).
      await db.schema
        .createTable('device_credentials')
        .addColumn('asset_id', 'text', (c) => c.primaryKey())
        .addColumn('salt', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  },
  '0012-api-keys': {
    async up(db: Kysely<unknown>) {
      // API keys for people and integrations, as the SHA-256 of the key (docs/security.md).
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('person_id', 'text')
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  },
  '0013-audit-log': {
    async up(db: Kysely<unknown>) {
      // Security-relevant actions: who, when, from where, what, and whether it was allowed (docs/security.md).
      await db.schema
        .createTable('audit_log')
        .addColumn('id', serial(db), (c) => autoId(db, c))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_name', 'text')
        .addColumn('actor_role', 'text')
        .addColumn('address', 'text')
        .addColumn('target', 'text')
        .addColumn('detail', 'text')
        .addColumn('count', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    },
  },
  '0014-key-sites': {
    async up(db: Kysely<unknown>) {
      // The sites an API key is limited to (JSON list), or null for the whole estate; when it was last used.
      await db.schema.alterTable('api_keys').addColumn('sites', 'text').execute();
      await db.schema.alterTable('api_keys').addColumn('last_used_at', 'bigint').execute();
    },
  },
  '0015-alarms-by-work-order': {
    async up(db: Kysely<unknown>) {
      // An alarm follows its work order (acknowledged with it, resolved when it is verified): found by the order.
      await db.schema.createIndex('alarms_work_order').on('alarms').column('work_order_id').execute();
    },
  },
  '0016-directory': {
    async up(db: Kysely<unknown>) {
      // People and teams, managed at run time; the estate file's are recorded here too (docs/people.md).
      await db.schema
        .createTable('people')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('teams')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0017-accounts': {
    async up(db: Kysely<unknown>) {
      // People's console accounts: a salted scrypt hash with its parameters, never a password (docs/security.md).
      await db.schema
        .createTable('accounts')
        .addColumn('user_name', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('person_id', 'text')
        .addColumn('phone', 'text')
        .addColumn('sites', 'text')
        .addColumn('language', 'text')
        .addColumn('password_hash', 'text')
        .addColumn('password_set_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled_at', 'bigint')
        .addColumn('last_sign_in_at', 'bigint')
        .execute();
      // A phone signs in one account, and a person has one account (NULLs are distinct in both databases).
      await db.schema.createIndex('accounts_phone').unique().on('accounts').column('phone').execute();
      await db.schema.createIndex('accounts_person').unique().on('accounts').column('person_id').execute();
      // One-time sign-in links, as the SHA-256 of their token.
      await db.schema
        .createTable('sign_in_links')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('sign_in_links_user').on('sign_in_links').column('user_name').execute();
      // Signed-in browsers, as the SHA-256 of the session id their cookie holds.
      await db.schema
        .createTable('sessions')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('address', 'text')
        .addColumn('via', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_name').execute();
      // Failed sign-ins per account and address, account, and address: shared by every instance, kept across restarts.
      await db.schema
        .createTable('sign_in_attempts')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
        .addColumn('last_success_at', 'bigint')
        .execute();
    },
  },
  '0018-outbox': {
    async up(db: Kysely<unknown>) {
      // Every notification and webhook delivery is a row before it is sent: it survives a SIGKILL and a
      // restart, is retried until delivered or given up, and is sent once (its dedupe key is unique).
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        // In-app notifications: when the person saw it (the console's bell counts the unseen).
        .addColumn('read_at', 'bigint')
        .execute();
      await db.schema.createIndex('outbox_recipient').on('outbox').columns(['recipient', 'created_at']).execute();
      await db.schema.createIndex('outbox_due').on('outbox').columns(['state', 'next_attempt_at']).execute();
      await db.schema.createIndex('outbox_subject').on('outbox').column('subject_id').execute();
    },
  },
  '0019-residents': {
    async up(db: Kysely<unknown>) {
      // A resident's request: the tracking link's token (only its SHA-256 is kept), the order, how to tell
      // them and in which language; the row goes when the link expires (30 days after the order closes).
      await db.schema
        .createTable('resident_requests')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('work_order_id', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('phone', 'text')
        .addColumn('email', 'text')
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('resident_requests_order').on('resident_requests').column('work_order_id').execute();
      await db.schema.createIndex('resident_requests_expiry').on('resident_requests').column('expires_at').execute();
      // Verification codes by contact (its hash): one at a time, tried at most a few times.
      await db.schema
        .createTable('resident_codes')
        .addColumn('contact_hash', 'text', (c) => c.primaryKey())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('tries', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      // The key that signs the public form's tokens, shared by every instance of FMS on this database.
      await db.schema
        .createTable('resident_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0020-device-credential-schemes': {
    async up(db: Kysely<unknown>) {
      // Device secrets are now stored as HMAC-SHA-256 (docs/security.md); the records already there
      // are scrypt hashes, upgraded one by one as their devices next sign in.
      await db.schema
        .alterTable('device_credentials')
        .addColumn('scheme', 'text', (c) => c.notNull().defaultTo('scrypt'))
        .execute();
    },
  },
};
