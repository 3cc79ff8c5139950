import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('durations', () => {
  it('parse single and compound units', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('60s')).toBe(60_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('11m30s')).toBe(690_000);
    expect(parseDuration('1d2h')).toBe(93_600_000);
    expect(parseDuration('5 minutes')).toBeUndefined();
    expect(parseDuration('10')).toBeUndefined();
  });

  it('format as a person writes them', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(86_400_000 + 3_600_000)).toBe('1d1h');
  });
});
