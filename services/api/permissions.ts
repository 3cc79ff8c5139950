/**
 * Who may call what (docs/security.md has the same table): every route of the API, by method and
 * path, with the roles allowed. A route missing here is refused to everyone — a test checks that
 * every route the server registers has its line.
 */
export const roles = ['admin', 'manager', 'supervisor', 'technician', 'viewer', 'integration'] as const;
export type Role = (typeof roles)[number];

const staff: Role[] = ['admin', 'manager', 'supervisor', 'technician', 'viewer'];
const everyone: Role[] = [...staff, 'integration'];
const field: Role[] = ['admin', 'manager', 'supervisor', 'technician'];

export const permissions: Record<string, 'public' | readonly Role[]> = {
  'GET /api/health': 'public',
  'GET /metrics': 'public',
  'GET /api/docs': 'public',
  'GET /api/docs/static/index.html': 'public',
  'GET /api/docs/static/swagger-initializer.js': 'public',
  'GET /api/docs/static/*': 'public',
  'GET /api/docs/json': 'public',
  'GET /api/docs/yaml': 'public',

  'GET /api/assets': everyone,
  'POST /api/assets': ['admin'],
  'GET /api/assets/:id': everyone,
  'PATCH /api/assets/:id': ['admin'],
  'DELETE /api/assets/:id': ['admin'],
  'POST /api/assets/:id/maintenance': ['admin', 'supervisor', 'technician'],
  'DELETE /api/assets/:id/maintenance': ['admin', 'supervisor', 'technician'],
  'POST /api/assets/:id/credentials': ['admin'],
  'GET /api/assets/:id/credentials': ['admin'],
  'DELETE /api/assets/:id/credentials': ['admin'],
  'GET /api/assets/:id/latest': everyone,
  'GET /api/assets/:id/telemetry': everyone,
  'GET /api/assets/:id/alarm-history': everyone,

  'GET /api/alarms': everyone,
  'GET /api/alarms/:id': everyone,
  'POST /api/alarms/:id/ack': field,
  'GET /api/ingest/rejected': staff,

  'GET /api/rules': staff,
  'POST /api/rules': ['admin'],
  'GET /api/rules/:id': staff,
  'PUT /api/rules/:id': ['admin'],
  'DELETE /api/rules/:id': ['admin'],
  'GET /api/rules/:id/history': staff,

  'GET /api/work-orders': everyone,
  'POST /api/work-orders': [...field, 'integration'],
  'GET /api/work-orders/:id': everyone,
  // Integrations relay a requester's confirmation or rating only (checked in the route).
  'POST /api/work-orders/:id/actions': [...field, 'integration'],
  'GET /api/work-orders/:id/attachments/:attachmentId': staff,
  'GET /api/people': staff,
  'GET /api/people/:id': staff,
  'GET /api/teams': staff,
  'GET /api/teams/:id': staff,

  'GET /api/pm-plans': staff,
  'POST /api/pm-plans': ['admin', 'manager'],
  'GET /api/pm-plans/:id': staff,
  'PUT /api/pm-plans/:id': ['admin', 'manager'],
  'DELETE /api/pm-plans/:id': ['admin', 'manager'],

  'GET /api/reports': ['admin', 'manager', 'supervisor', 'viewer'],
  'POST /api/reports': ['admin', 'manager', 'supervisor'],
  'GET /api/reports/:id': ['admin', 'manager', 'supervisor', 'viewer'],
  'GET /api/reports/:id/:file': ['admin', 'manager', 'supervisor', 'viewer'],

  'GET /api/keys': ['admin'],
  'POST /api/keys': ['admin'],
  'DELETE /api/keys/:id': ['admin'],
  'GET /api/audit': ['admin'],
};

/** The line of the table for a request: HEAD is GET's. */
export function permissionFor(method: string, url: string): 'public' | readonly Role[] | undefined {
  return permissions[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}
