import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { FmsError } from '../shared/errors.ts';

export interface ScryptParams {
  /** CPU and memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation (passes, one after another in Node). */
  p: number;
}

/**
 * scrypt for people's passwords: OWASP's Password Storage Cheat Sheet gives N=2^17, r=8, p=1 or, for
 * the same work with less memory, N=2^15, r=8, p=3 — 32 MiB a hash instead of 128, which matters when
 * several people sign in at once on a small server. About 0.2 s on one core; the parameters are stored
 * with each hash, so raising them later leaves older hashes valid (they are rehashed at the next sign-in).
 */
export const PASSWORD_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 3 };
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** Node refuses scrypt above 32 MiB unless told; N=2^17 with r=8 needs 128 MiB, allowed for hashes made so. */
const MAX_MEMORY = 256 * 1024 * 1024;

/** NIST SP 800-63B §3.1.1.2: a length floor, no composition rules, a check against context words. */
export const PASSWORD_MIN_LENGTH = 12;
/** A passphrase has room; far longer input is only an attempt to make FMS hash megabytes. */
export const PASSWORD_MAX_LENGTH = 256;

const scrypt = (password: string, salt: Buffer, p: ScryptParams) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password.normalize('NFC'), salt, KEY_LENGTH, { ...p, maxmem: MAX_MEMORY }, (err, key) => (err ? reject(err) : resolve(key))),
  );

/**
 * At most two hashes at once: each holds 32 MiB and a thread of libuv's pool (4 by default), which
 * file and DNS work share; more sign-ins at once wait their turn instead of starving the rest.
 */
const MAX_CONCURRENT = 2;
let running = 0;
const waiting: (() => void)[] = [];
async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** `scrypt$N=32768,r=8,p=3$<salt base64>$<hash base64>`: the parameters travel with the hash. */
export async function hashPassword(password: string, params: ScryptParams = PASSWORD_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await limited(() => scrypt(password, salt, params));
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; hash: Buffer } | undefined {
  const m = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return undefined;
  return { params: { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) }, salt: Buffer.from(m[4]!, 'base64'), hash: Buffer.from(m[5]!, 'base64') };
}

/** Hashed against when there is no password to compare with, so that the answer takes as long. */
const DUMMY_SALT = randomBytes(SALT_BYTES);

/**
 * Whether `password` is the one `stored` was made from (timing-safe). Without a stored hash (no such
 * account, or one that has only a sign-in link) it costs the same scrypt and answers false: the time of
 * an answer must not tell which user names exist. `params` are those new hashes are made with.
 */
export async function verifyPassword(password: string, stored: string | null | undefined, params: ScryptParams = PASSWORD_SCRYPT): Promise<boolean> {
  const parsed = stored ? parse(stored) : undefined;
  const hash = await limited(() => scrypt(password, parsed?.salt ?? DUMMY_SALT, parsed?.params ?? params));
  return !!parsed && parsed.hash.length === hash.length && timingSafeEqual(parsed.hash, hash);
}

/** Whether a hash was made with weaker parameters than today's (it is then made again at the next sign-in). */
export function needsRehash(stored: string, params: ScryptParams = PASSWORD_SCRYPT): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.params.N * parsed.params.r * parsed.params.p < params.N * params.r * params.p;
}

/**
 * Refuses a password that is too short or too long, or that is (or contains, or is contained in) the
 * user name or the person's name — what a guesser tries first. Says what to change.
 */
export function checkPasswordPolicy(password: string, context: { user: string; name?: string | null; phone?: string | null }): void {
  const weak = (why: string) => {
    throw new FmsError('FMS_ERR_ACCOUNT_PASSWORD_WEAK', `password: ${why}`);
  };
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) weak(`expected at least ${PASSWORD_MIN_LENGTH} characters (got ${length}); a few words make a good one`);
  if (length > PASSWORD_MAX_LENGTH) weak(`expected at most ${PASSWORD_MAX_LENGTH} characters`);
  const plain = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  const p = plain(password);
  if (new Set(p).size <= 2) weak('expected more than one or two different characters');
  // A phone is written with and without its country code: its last 8 digits are what a guesser tries.
  for (const word of [context.user, context.name, context.phone?.replace(/\D/g, '').slice(-8)]) {
    const w = word ? plain(word) : '';
    if (w.length >= 3 && (p.includes(w) || w.includes(p))) weak('must not contain the user name, the name or the phone number');
  }
}
