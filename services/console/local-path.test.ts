import { describe, expect, it } from 'vitest';
import { localPath } from './routes.ts';

/** Where the console goes back to after signing in or switching language: a path of this server, never another site or a broken header. */
describe('localPath', () => {
  it('keeps a path of this server with its query', () => {
    expect(localPath('/orders/WO-2026-000001?x=1#top')).toBe('/orders/WO-2026-000001?x=1#top');
    expect(localPath('/board?site=riverside&offset=50')).toBe('/board?site=riverside&offset=50');
  });

  it('sends anything else home: other sites, backslashes, schemes, control and non-ASCII characters (a header cannot carry them: the redirect failed with 500)', () => {
    for (const next of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      '/\u0001x',
      '/\u007f',
      '/a b',
      '/泵房',
      '',
      undefined,
      42,
    ])
      expect(localPath(next), String(next)).toBe('/');
  });
});
