import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, hashPassword, needsRehash, PASSWORD_SCRYPT, verifyPassword } from './password.ts';

describe('passwords', () => {
  it('are stored as a salted scrypt hash with its parameters, and checked against it', async () => {
    const a = await hashPassword('pump room key 47');
    const b = await hashPassword('pump room key 47');
    expect(a).toMatch(/^scrypt\$N=32768,r=8,p=3\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toBe(b); // salted
    expect(a).not.toContain('pump');
    expect(await verifyPassword('pump room key 47', a)).toBe(true);
    expect(await verifyPassword('pump room key 48', a)).toBe(false);
    expect(await verifyPassword('pump room key 47', null)).toBe(false);
    expect(await verifyPassword('pump room key 47', 'not a hash')).toBe(false);
  });

  it('keep working after the parameters are raised, and say they should be hashed again', async () => {
    const weaker = await hashPassword('pump room key 47', { N: 2 ** 12, r: 8, p: 1 });
    expect(weaker).toContain('N=4096,r=8,p=1');
    expect(await verifyPassword('pump room key 47', weaker)).toBe(true);
    expect(needsRehash(weaker)).toBe(true);
    expect(needsRehash(await hashPassword('pump room key 47', PASSWORD_SCRYPT))).toBe(false);
  });

  it('refuses short ones and ones made of the user name, name or phone, saying why', () => {
    const context = { user: 'chen-jie', name: 'Chen Jie', phone: '+8613900000001' };
    const why = (p: string) => {
      try {
        checkPasswordPolicy(p, context);
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(why('short one')).toContain('at least 12 characters');
    expect(why('chen-jie-2026!')).toContain('must not contain the user name');
    expect(why('ChenJie123456')).toContain('must not contain');
    expect(why('13900000001xyz')).toContain('must not contain');
    expect(why('aaaaaaaaaaaaaaa')).toContain('more than one or two');
    expect(why('x'.repeat(300))).toContain('at most 256');
    expect(why('lift motor seven')).toBe('accepted');
  });
});
