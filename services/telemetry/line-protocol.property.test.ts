import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventLine, telemetryLine } from './line-protocol.ts';

/**
 * A reader of line protocol written from its specification (the oracle): sections split at
 * unescaped spaces, tags at unescaped commas, keys at the first unescaped equals sign; `\,` `\=`
 * `\ ` unescape, every other backslash is kept as it is. String fields: `\"` and `\\` unescape.
 */
function splitUnescaped(s: string, sep: string, limit = Infinity, quotes = true): string[] {
  const out: string[] = [];
  let cur = '';
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    // Quotes delimit string field values; in measurements, tags and keys they are plain characters.
    if (c === '"' && quotes) inString = !inString;
    if (c === sep && !inString && out.length < limit - 1) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
const unescapeKey = (s: string) => s.replace(/\\([,= ])/g, '$1');
function readLine(line: string) {
  const [head, rest] = splitUnescaped(line, ' ', 2, false);
  const [fieldText, ts, ...extra] = splitUnescaped(rest!, ' ');
  const [measurement, ...tagTexts] = splitUnescaped(head!, ',', Infinity, false);
  const tags = Object.fromEntries(tagTexts.map((t) => splitUnescaped(t, '=', 2, false).map(unescapeKey)));
  const fields = Object.fromEntries(
    splitUnescaped(fieldText!, ',').map((f) => {
      const [k, v] = splitUnescaped(f, '=', 2, false) as [string, string];
      return [unescapeKey(k), v.startsWith('"') ? v.slice(1, -1).replace(/\\(["\\])/g, '$1') : v];
    }),
  );
  return { measurement, tags, fields, ts, sections: 3 + extra.length };
}
/** What FMS stores of a tag value it cannot write as it is: backslashes before `,` `=` space or the end as `_`, a newline as `\n`. */
const canonicalTag = (s: string) => s.replace(/\\+(?=[,= ]|$)/g, '_').replace(/\r?\n|\r/g, '\\n');
const canonicalString = (s: string) => s.replace(/\r?\n|\r/g, '\\n');

const hostile = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.array(fc.constantFrom(',', '=', ' ', '\\', '"', '\n', 'a', 'é', '\u2028'), { minLength: 1, maxLength: 12 }).map((a) => a.join('')),
);

describe('line protocol written by FMS, read back by the specification', () => {
  it('keeps hostile asset and site names in their tags and nowhere else', () => {
    fc.assert(
      fc.property(hostile, hostile, fc.double({ noNaN: true, noDefaultInfinity: true }), (asset, site, v) => {
        const line = telemetryLine({ measurement: 'pump', asset, site, ts: 1764000000000, fields: { flow_m3h: v } });
        expect(line).not.toMatch(/[\n\r]/);
        const r = readLine(line);
        expect(r.sections).toBe(3);
        expect(r.measurement).toBe('pump');
        expect(r.tags).toEqual({ asset: canonicalTag(asset), site: canonicalTag(site) });
        expect(Object.keys(r.fields)).toEqual(['flow_m3h']);
        expect(Number(r.fields.flow_m3h)).toBe(v === 0 ? 0 : v); // -0 is written as 0
        expect(r.ts).toBe('1764000000000');
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps hostile event details as string fields, quotes and backslashes escaped', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (asset, code, text) => {
        const line = eventLine({ asset, site: 's', type: 'door_fault', ts: 1, details: { code, text } });
        expect(line).not.toMatch(/[\n\r]/);
        const r = readLine(line);
        expect(r.sections).toBe(3);
        expect(r.tags.asset).toBe(canonicalTag(asset));
        expect(r.fields).toEqual({ count: '1', code: canonicalString(code), text: canonicalString(text) });
      }),
      { numRuns: 2000 },
    );
  });
});
