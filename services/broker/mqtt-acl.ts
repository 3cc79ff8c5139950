/**
 * Who may publish and subscribe to what on the embedded broker (FMS_MQTT_AUTH=devices). Two kinds of
 * clients sign in: devices (user name = asset id, or a device certificate) and service clients
 * (integrations, dashboards: an API key as the password).
 */

/** What a device may publish: `fms/{site}/{type}/{its id}/{telemetry|event|status}`. */
export function devicePublishAllowed(assetId: string, topic: string): boolean {
  const levels = topic.split('/');
  return levels.length === 5 && levels[0] === 'fms' && levels[3] === assetId && (levels[4] === 'telemetry' || levels[4] === 'event' || levels[4] === 'status');
}

/** What a device may subscribe to: its own command topic, `fms/{site}/{type}/{its id}/cmd`, and nothing wider. */
export function deviceSubscribeAllowed(assetId: string, filter: string): boolean {
  const levels = filter.split('/');
  return levels.length === 5 && levels[0] === 'fms' && levels[3] === assetId && levels[4] === 'cmd' && !levels.some((l) => l === '+' || l === '#');
}

/**
 * What a service client may read: the service's own publications (alarm and work-order changes) and
 * the devices' telemetry, events and status. Never the devices' command topics, never `$SYS`.
 */
export const serviceReadable = ['fms/+/alarms/#', 'fms/+/work-orders/#', 'fms/+/+/+/telemetry', 'fms/+/+/+/event', 'fms/+/+/+/status'] as const;

/**
 * Whether a subscription filter stays inside what service clients may read (e.g.
 * `fms/riverside/alarms/+`, not `fms/#`); with `sites` (a key limited to them), inside those sites:
 * the site level must name one of them.
 */
export function serviceSubscribeAllowed(filter: string, sites: readonly string[] | null = null): boolean {
  if (sites && !sites.includes(filter.split('/')[1] ?? '')) return false;
  return serviceReadable.some((pattern) => filterWithin(filter, pattern));
}

/**
 * Whether every topic that `filter` matches is also matched by `pattern` (both MQTT filters with `+`
 * and `#`). A `#` in the filter is within only a `#` of the pattern; a `+` only within `+` or `#`.
 */
export function filterWithin(filter: string, pattern: string): boolean {
  const f = filter.split('/');
  const p = pattern.split('/');
  for (let i = 0; i < f.length; i++) {
    const pl = p[i];
    if (pl === undefined) return false;
    if (pl === '#') return true;
    const fl = f[i]!;
    if (fl === '#') return false;
    if (pl === '+') continue;
    if (fl === '+' || fl !== pl) return false;
  }
  // The filter ended: within only if the pattern ends here too (a trailing `#` also matches its parent).
  return f.length === p.length || (p.length === f.length + 1 && p[f.length] === '#');
}

/** Whether an MQTT filter matches a topic (the broker's own rule, for tests and checks). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return !(i === 0 && t[0]!.startsWith('$'));
    if (i >= t.length) return false;
    if (f[i] === '+') {
      if (i === 0 && t[0]!.startsWith('$')) return false;
      continue;
    }
    if (f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
