import { createServer, type Server } from 'node:http';
import type { Fleet } from './fleet.ts';

/**
 * A small HTTP control API for a running fleet, so tests and demos inject and clear faults live:
 *   GET    /devices                      → [{ id, type, site, faults }]
 *   POST   /faults  {device, fault, ramp}→ inject (ramp in ms, optional)
 *   DELETE /faults/{device}/{fault}      → clear (the repair)
 */
export function startControlApi(fleet: Fleet, devices: readonly { id: string; type: string; site: string }[], host: string, port: number): Promise<Server> {
  const server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const url = new URL(req.url ?? '/', 'http://control');
      if (req.method === 'GET' && url.pathname === '/devices')
        return reply(
          200,
          devices.map((d) => ({ ...d, faults: fleet.faults(d.id) })),
        );
      if (req.method === 'POST' && url.pathname === '/faults') {
        let text = '';
        for await (const chunk of req) text += chunk;
        const body = JSON.parse(text || '{}') as { device?: string; fault?: string; ramp?: number };
        if (!body.device || !body.fault) return reply(400, { error: 'expected {"device": "<id>", "fault": "<name>", "ramp": <ms, optional>}' });
        fleet.inject(body.device, body.fault, body.ramp ?? 0);
        return reply(200, { device: body.device, faults: fleet.faults(body.device) });
      }
      const m = /^\/faults\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'DELETE' && m) {
        fleet.clear(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
        return reply(200, { device: m[1], faults: fleet.faults(decodeURIComponent(m[1]!)) });
      }
      return reply(404, { error: 'GET /devices, POST /faults, DELETE /faults/{device}/{fault}' });
    } catch (err) {
      return reply(400, { error: (err as Error).message });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
