import { describe, expect, it } from 'vitest';
import { captureLogger } from '../testing/harness.ts';
import { createStateLog } from './state-log.ts';

describe('the state log', () => {
  it('turns a failure that repeats into one warning, details at debug, and one line when it works again', () => {
    const { log, records } = captureLogger('debug');
    const state = createStateLog(log);
    for (let i = 0; i < 5; i++) state.failed('generation', 'PM generation failed for plan pump.quarterly on rs-pump-01', new Error('fetch failed'));
    state.ok('generation', 'PM generation works again');
    state.ok('generation', 'PM generation works again');
    expect(records.filter((r) => (r.level as number) >= 30).map((r) => r.msg)).toEqual([
      'PM generation failed for plan pump.quarterly on rs-pump-01: fetch failed (further failures at debug level until it works again)',
      'PM generation works again',
    ]);
    expect(records.filter((r) => r.level === 20)).toHaveLength(5);
  });
});
