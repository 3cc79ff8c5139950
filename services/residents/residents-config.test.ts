import { describe, expect, it } from 'vitest';
import { testConfig } from '../config/config.ts';

describe("the estate file's residents: block", () => {
  it('is off by default: no site takes requests, five an hour, no verification', () => {
    expect(testConfig({ estate: { sites: [{ id: 'riverside' }] } }).estate.residents).toEqual({
      sites: [],
      perAddressPerHour: 5,
      perContactPerHour: 5,
      photos: 3,
      photoMaxMb: 5,
      verify: 'none',
    });
  });

  const problems = (estate: unknown) => {
    try {
      testConfig({ estate });
    } catch (err) {
      return (err as Error).message;
    }
    return '';
  };

  it('names every mistake at once: a verification nobody offers, a limit of zero, a field it does not know', () => {
    const message = problems({ sites: [{ id: 'riverside' }], residents: { sites: ['riverside'], verify: 'fax', perAddressPerHour: 0, captcha: true } });
    expect(message).toContain('residents.verify: expected none, email or sms (got "fax")');
    expect(message).toContain('residents.perAddressPerHour: Too small');
    expect(message).toContain('residents: unknown field "captcha"');
  });

  it('refuses a site that is not listed under sites', () => {
    expect(problems({ sites: [{ id: 'riverside' }], residents: { sites: ['riverside', 'nowhere'] } })).toContain(
      'residents.sites[1]: site "nowhere" is not listed under sites',
    );
  });
});
