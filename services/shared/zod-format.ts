import type { z } from 'zod';

/**
 * Turns zod issues into one line each: `<where>: <what is expected> (got <value>)`.
 * `where` names the variable or the path in a file so that the reader knows exactly what to change.
 */
export function formatZodIssues(issues: readonly z.core.$ZodIssue[], where: (path: readonly PropertyKey[]) => string, input: unknown): string[] {
  return issues.map((issue) => {
    const got = valueAt(input, issue.path);
    const message =
      issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
    // A message that already quotes the value (`duplicate person id "li"`) needs no "(got …)".
    const shown = got === undefined || (typeof got !== 'object' && message.includes(preview(got))) ? '' : ` (got ${preview(got)})`;
    return `${where(issue.path)}: ${message}${message.startsWith('unknown field') ? '' : shown}`;
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function preview(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
