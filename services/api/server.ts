import type { DeviceCredentials } from '../assets/device-credentials.ts';
import type { ApiKeys } from './api-keys.ts';
import { publicAccess, registerAccessControl } from './access.ts';
import { checkJsonDepth } from './json-body.ts';
import { isInternal } from './internal-requests.ts';
import { keyRoutes } from './routes/keys.ts';
import { auditRoutes } from './routes/audit.ts';
import { notificationRoutes } from './routes/notifications.ts';
import type { OutboxStore } from '../notifications/outbox-store.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { auditRefusal } from './request-audit.ts';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import type { Accounts } from '../accounts/accounts.ts';
import { accountRoutes } from './routes/accounts.ts';
import { sessionRoutes } from './routes/session.ts';
import fastifyRateLimit from '@fastify/rate-limit';
import { isDatabaseUnavailable } from '../db/database.ts';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { AlarmService } from '../alarms/alarm-service.ts';
import type { AssetRegistry } from '../assets/asset-registry.ts';
import type { RejectedLog } from '../ingest/rejected-log.ts';
import type { RuleService } from '../rules/rule-service.ts';
import { errorCodes, FmsError, isFmsError } from '../shared/errors.ts';
import type { Metrics } from '../shared/metrics.ts';
import type { TelemetryStore } from '../telemetry/telemetry-store.ts';
import type { WorkOrderService } from '../work-orders/work-order-service.ts';
import { alarmRoutes } from './routes/alarms.ts';
import { assetRoutes } from './routes/assets.ts';
import { healthRoutes, type HealthReport } from './routes/health.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { ruleRoutes } from './routes/rules.ts';
import { workOrderRoutes } from './routes/work-orders.ts';
import { peopleRoutes } from './routes/people.ts';
import type { DirectoryService } from '../work-orders/directory-service.ts';
import { pmPlanRoutes } from './routes/pm-plans.ts';
import { reportRoutes } from './routes/reports.ts';
import type { AssetHealthService } from '../condition/asset-health.ts';
import type { ReportService } from '../reports/report-service.ts';
import type { PmPlanService } from '../pm/pm-plan-service.ts';
import type { PmScheduler } from '../pm/pm-scheduler.ts';

export interface ApiDeps {
  assets: AssetRegistry;
  telemetry: TelemetryStore;
  rejected: RejectedLog;
  rules: RuleService;
  alarms: AlarmService;
  workOrders: WorkOrderService;
  /** People and teams, changed at run time. */
  directory: DirectoryService;
  metrics: Metrics;
  health: () => Promise<HealthReport>;
  log: Logger;
  now: () => number;
  version: string;
  /** Largest work-order attachment (the actions route accepts bodies that large, base64-encoded). */
  attachmentMaxBytes: number;
  pmPlans: PmPlanService;
  pm: PmScheduler;
  reports: ReportService;
  /** Each asset's health now (GET /api/assets/{id}/health). */
  assetHealth: AssetHealthService;
  /** Requests a minute per client address before 429 (0: no limit). */
  rateLimitPerMinute?: number;
  credentials: DeviceCredentials;
  apiKeys: ApiKeys;
  /** People's accounts and their console sessions. */
  accounts: Accounts;
  /** Notifications and webhook deliveries (GET /api/notifications). */
  outbox?: OutboxStore;
  /** `keys`: every route but health, metrics, the docs and signing in wants an API key or a session of a role the table allows. */
  apiAuth?: 'off' | 'keys';
  audit: AuditLog;
  /** The estate's sites (of the estate file and of the registered assets). */
  sites: () => string[];
  /** Reverse proxies whose X-Forwarded-For gives the client's address (rate limits, audit). */
  trustProxy?: string[] | undefined;
  /** HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string } | undefined;
  /** The longest a request may take to arrive whole (FMS_HTTP_REQUEST_TIMEOUT); default 2 min. */
  requestTimeoutMs?: number | undefined;
}

/** The HTTP API: JSON under /api, OpenAPI at /api/docs, Prometheus metrics at /metrics. */
export async function buildApi(deps: ApiDeps) {
  // fastify's own request logging stays off: nothing per request logs at info; errors are logged below.
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    // A request must arrive whole within this (headers within Node's own 60 s): a body announced and never
    // sent holds a connection only this long. Photos from a phone on a slow link take well under it.
    requestTimeout: deps.requestTimeoutMs ?? 120_000,
    // …and a connection silent that long is closed (Node checks the request timeout only every 30 s; this
    // acts at once). Live-update streams send a heartbeat every 25 s, so they stay.
    connectionTimeout: deps.requestTimeoutMs ?? 120_000,
    ...(deps.trustProxy ? { trustProxy: deps.trustProxy } : {}),
    ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key, minVersion: 'TLSv1.2' as const } } : {}),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON bodies: fastify's own parser (it refuses prototype poisoning), after a check of the nesting depth.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    try {
      checkJsonDepth(body as string);
    } catch (err) {
      return done(err as Error, undefined);
    }
    parseJson(req, body as string, done);
  });

  app.setErrorHandler((err, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'request';
      // A check of the whole body (an empty patch) has the path `/`: it reads as `body`, not `body.`.
      const details = err.validation.map((v) => `${where}${v.instancePath.replace(/\//g, '.').replace(/\.$/, '')}: ${v.message}`);
      return reply.status(400).send({ error: { code: 'FMS_ERR_API_BAD_REQUEST', message: details.join('; ') } });
    }
    if (isFmsError(err)) {
      // Refused sign-ins and refused access are security events: the audit log keeps them.
      auditRefusal(deps.audit, req, err);
      if (err.kind === 'operational') reply.header('retry-after', '5');
      if (err.code === 'FMS_ERR_REPORT_BUSY') reply.header('retry-after', '30');
      if (err.kind === 'bug') deps.log.error({ err, url: req.url }, 'request failed');
      // A refused transition lists what is allowed; a version conflict gives the current version; a lock, when to try again.
      const extra = err.details && typeof err.details === 'object' && !Array.isArray(err.details) ? err.details : {};
      if ('retryAfter' in extra) reply.header('retry-after', String(extra.retryAfter));
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, ...extra } });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      // fastify's own 4xx (a body that is not JSON, a body too large): the client's input.
      return reply.status(status).send({ error: { code: 'FMS_ERR_API_BAD_REQUEST', message: (err as Error).message } });
    }
    if (isDatabaseUnavailable(err)) {
      // Nothing was stored; the client may send it again once the database is back (see /api/health).
      deps.log.warn({ err: (err as Error).message, method: req.method, url: req.url }, 'request refused: the database is unreachable');
      return reply
        .status(503)
        .header('retry-after', '5')
        .send({ error: { code: 'FMS_ERR_DATABASE_DOWN', message: 'the database cannot be reached; nothing was stored, send the request again later' } });
    }
    deps.log.error({ err, method: req.method, url: req.url }, 'request failed');
    deps.metrics.errors.labels('api').inc();
    return reply.status(500).send({ error: { code: 'FMS_ERR_INTERNAL', message: 'internal error; it has been logged' } });
  });

  // Security headers on every answer (nosniff, frame-ancestors, a content security policy that lets the
  // report pages' inline styles and SVG and the API docs' own scripts through, nothing from elsewhere).
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        // helmet's default would have browsers fetch every resource and post every form over HTTPS, which
        // breaks the console served over plain HTTP on the estate network (only loopback is exempt).
        upgradeInsecureRequests: null,
      },
    },
    // Within FMS the browser names the page a request comes from (a form post's Origin is FMS's own, which
    // the sign-in and CSRF checks compare; with no-referrer it would be "null"); to other sites, nothing.
    referrerPolicy: { policy: 'same-origin' },
    // Browsers are told to stay on HTTPS only when FMS itself serves it (behind a proxy, the proxy says so).
    strictTransportSecurity: deps.tls ? { maxAge: 180 * 86_400 } : false,
  });
  if (deps.rateLimitPerMinute) {
    await app.register(fastifyRateLimit, {
      max: deps.rateLimitPerMinute,
      // The console's own reads on a page's behalf: the browser's request was counted already.
      allowList: (req) => isInternal(req.headers),
      timeWindow: 60_000,
      // Thrown by the plugin and answered by the error handler above, like every other error.
      errorResponseBuilder: (_req, ctx) =>
        new FmsError('FMS_ERR_API_RATE_LIMITED', `more than ${ctx.max} requests a minute from this address; try again in ${Math.ceil(ctx.ttl / 1000)} s`),
    });
  }

  // What the API answers is a person's or an integration's own (orders, reports, photos): no cache keeps it,
  // so Back after signing out shows nothing of it. Answers that may be cached say so themselves.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  // The console's session cookie (read and set; FMS signs nothing: the id is random and looked up by its hash).
  await app.register(fastifyCookie);
  // The console's plain HTML forms: flat fields only (no nesting), 64 KiB at most, into an object without a prototype.
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });

  // Each route declares who may call it (access.ts); this enforces the declarations and lists them.
  const routeList = registerAccessControl(app, {
    apiAuth: deps.apiAuth ?? 'off',
    apiKeys: deps.apiKeys,
    accounts: deps.accounts,
    audit: deps.audit,
    now: deps.now,
    log: deps.log,
    personRole: (id) => deps.workOrders.person(id)?.role,
  });

  app.setNotFoundHandler((req, reply) => {
    reply
      .status(errorCodes.FMS_ERR_API_NOT_FOUND.status)
      .send({ error: { code: 'FMS_ERR_API_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}; the API is described at /api/docs` } });
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'FMS API', description: 'Facility monitoring and maintenance', version: deps.version },
      // The docs page's "Authorize" button: paste an API key once, every "Try it out" sends it.
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An FMS API key (fms_…), issued with POST /api/keys; the first start prints an admin key' },
        },
      },
      security: deps.apiAuth === 'keys' ? [{ apiKey: [] }] : [],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  app.get('/metrics', { schema: { hide: true }, config: { access: publicAccess } }, async (_req, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  await app.register(healthRoutes(deps), { prefix: '/api' });
  await app.register(assetRoutes(deps), { prefix: '/api' });
  await app.register(ingestRoutes(deps), { prefix: '/api' });
  await app.register(ruleRoutes(deps), { prefix: '/api' });
  await app.register(alarmRoutes(deps), { prefix: '/api' });
  await app.register(workOrderRoutes(deps), { prefix: '/api' });
  await app.register(peopleRoutes(deps), { prefix: '/api' });
  await app.register(pmPlanRoutes(deps), { prefix: '/api' });
  await app.register(reportRoutes(deps), { prefix: '/api' });
  await app.register(keyRoutes(deps), { prefix: '/api' });
  await app.register(sessionRoutes(deps), { prefix: '/api' });
  await app.register(accountRoutes(deps), { prefix: '/api' });
  await app.register(auditRoutes(deps), { prefix: '/api' });
  if (deps.outbox) await app.register(notificationRoutes({ outbox: deps.outbox, now: deps.now }), { prefix: '/api' });
  return Object.assign(app, { routeList });
}
export type Api = Awaited<ReturnType<typeof buildApi>>;
