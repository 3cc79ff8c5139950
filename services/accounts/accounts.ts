import { createHash, randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.ts';
import { isUniqueViolation } from '../db/database.ts';
import { formatDuration } from '../shared/duration.ts';
import { FmsError } from '../shared/errors.ts';
import { createKeyedQueue } from '../shared/keyed-queue.ts';
import type { Account, AccountLanguage, AccountRole, AccountStore, StoredAccount } from './account-store.ts';
import { checkPasswordPolicy, hashPassword, needsRehash, PASSWORD_SCRYPT, verifyPassword, type ScryptParams } from './password.ts';
import type { SessionStore, StoredSession } from './session-store.ts';
import { attemptKeys, SIGN_IN_LIMITS, signInLock } from './sign-in-limits.ts';

export type { Account } from './account-store.ts';

/** A one-time sign-in link lives this long (it is meant to be used at once: a first password, a reset). */
export const LINK_TTL_MS = 15 * 60_000;
/** A session's last use is written at most this often (idle expiry is counted to the minute). */
const TOUCH_EVERY_MS = 60_000;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
/** The session's CSRF token: derived from its id, so it needs no storage and tells nothing of the id. */
export const csrfTokenOf = (sessionId: string) => createHash('sha256').update(`fms-csrf\0${sessionId}`).digest('base64url');

/** A user name: lower case letters, digits, `.`, `_`, `-`, starting with a letter or digit (a person id in lower case fits). */
export const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A phone number as written (spaces, dashes, brackets, dots allowed) to the form it is stored in: `+8613900000000`. */
export function normalizePhone(text: string): string | undefined {
  const digits = text.trim().replace(/[\s().-]/g, '');
  return /^\+?\d{5,20}$/.test(digits) ? digits : undefined;
}

export interface NewAccount {
  user: string;
  name: string;
  role: AccountRole;
  personId: string | null;
  phone?: string | null;
  sites?: string[] | null;
  language?: AccountLanguage | null;
  /** An initial password; without one, a one-time link to set it is made. */
  password?: string;
}

export interface SignedIn {
  /** The session id, for the cookie only: FMS keeps its SHA-256. */
  sessionId: string;
  csrfToken: string;
  account: Account;
  session: StoredSession;
  /** When the session ends at the latest (its absolute expiry). */
  expiresAt: number;
}

export type Resumed =
  | { account: Account; session: StoredSession; csrfToken: string }
  | { refused: 'expired' | 'ended'; message: string; /** whose session it was, when it expired */ user?: string };

export interface AccountsDeps {
  store: AccountStore;
  sessions: SessionStore;
  audit: AuditLog;
  now: () => number;
  /** A session unused this long ends (FMS_SESSION_IDLE). */
  sessionIdleMs: number;
  /** A session ends this long after its sign-in, used or not (FMS_SESSION_MAX_AGE). */
  sessionMaxAgeMs: number;
  /** The longest wait after failed sign-ins (FMS_SIGN_IN_LOCK_MAX). */
  lockMaxMs: number;
  /** scrypt cost of new password hashes: PASSWORD_SCRYPT unless a test's config lowers it (no setting does). */
  passwordScrypt?: ScryptParams;
}

const publicOf = ({ passwordHash: _, ...account }: StoredAccount): Account => account;

/**
 * People's accounts and their sessions: creating and disabling accounts, passwords (scrypt, password.ts)
 * and one-time sign-in links, signing in with the attempt limits of sign-in-limits.ts, and the sessions
 * a browser's cookie stands for. Sign-ins, failures, locks, sign-outs and link uses are recorded in the
 * audit log here (`account:<user>`); what an administrator does is recorded by the API route that does it.
 */
export function createAccounts(d: AccountsDeps) {
  const { store, sessions, audit, now } = d;
  const cost = d.passwordScrypt ?? PASSWORD_SCRYPT;
  // One sign-in at a time per address: the counters are read after the previous attempt was counted,
  // so a burst of guesses sent at once cannot all be checked before the first failure locks them out.
  const perAddress = createKeyedQueue();

  function record(action: string, outcome: 'ok' | 'failed' | 'denied', who: { user: string; account?: Account }, address: string, detail: string | null) {
    audit.record({
      action,
      outcome,
      actor: who.account ? `account:${who.account.user}` : 'anonymous',
      actorName: who.account?.name ?? null,
      actorRole: who.account?.role ?? null,
      address,
      target: `account ${who.user.slice(0, 64)}`,
      detail,
    });
  }

  async function issueLink(user: string, purpose: 'first' | 'reset'): Promise<{ token: string; expiresAt: number }> {
    const token = `fmsl_${randomBytes(32).toString('base64url')}`;
    const createdAt = now();
    const expiresAt = createdAt + LINK_TTL_MS;
    await store.addLink({ hash: sha(token), user, purpose, createdAt, expiresAt });
    return { token, expiresAt };
  }

  async function startSession(account: StoredAccount, via: StoredSession['via'], address: string): Promise<SignedIn> {
    const sessionId = randomBytes(32).toString('base64url');
    const t = now();
    const session: StoredSession = { hash: sha(sessionId), user: account.user, createdAt: t, lastSeenAt: t, address, via };
    await sessions.add(session);
    await store.noteSignIn(account.user, t);
    const signedIn = { ...publicOf(account), lastSignInAt: t };
    record('account.login', 'ok', { user: account.user, account: signedIn }, address, via === 'link' ? 'by a one-time link' : 'by password');
    return { sessionId, csrfToken: csrfTokenOf(sessionId), account: signedIn, session, expiresAt: t + d.sessionMaxAgeMs };
  }

  async function signInWithPassword(typed: string, password: string, address: string): Promise<SignedIn> {
    const t = now();
    const asTyped = typed.trim().toLowerCase().slice(0, 100);
    const phone = normalizePhone(asTyped);
    const account = (USER_NAME.test(asTyped) ? await store.get(asTyped) : undefined) ?? (phone ? await store.byPhone(phone) : undefined);
    // An unknown name is counted (and locked) all the same: whether it locks must not tell that it does not exist.
    const user = account?.user ?? asTyped;
    const keys = attemptKeys(user, address);
    const lock = signInLock(await sessions.attempts(keys.all), keys, d.lockMaxMs, t);
    if (lock) {
      // Not looked at: a guesser learns nothing of the password while the lock lasts.
      const wait = Math.ceil(lock.waitMs / 1000);
      record('account.login', 'denied', { user, ...(account ? { account: publicOf(account) } : {}) }, address, `locked (${lock.by}) for ${wait} s more`);
      throw new FmsError('FMS_ERR_SESSION_LOCKED', `too many failed sign-ins; try again in ${formatDuration(wait * 1000)}`, { retryAfter: wait });
    }
    const ok = await verifyPassword(password, account?.passwordHash, cost);
    if (!ok || !account) {
      await sessions.fail(keys.all, t, t - SIGN_IN_LIMITS.forgetAfterMs);
      const why = !account ? 'no such user name or phone' : account.passwordHash === null ? 'the account has no password yet' : 'wrong password';
      record('account.login', 'failed', { user, ...(account ? { account: publicOf(account) } : {}) }, address, why);
      const now2 = signInLock(await sessions.attempts(keys.all), keys, d.lockMaxMs, t);
      if (now2)
        record(
          'account.locked',
          'denied',
          { user, ...(account ? { account: publicOf(account) } : {}) },
          address,
          `sign-ins held back ${formatDuration(now2.waitMs)} after ${now2.failures} failures (${now2.by})`,
        );
      throw new FmsError(
        'FMS_ERR_SESSION_SIGN_IN_FAILED',
        `the user name or password is wrong${now2 ? `; the next attempt is looked at in ${formatDuration(Math.ceil(now2.waitMs / 1000) * 1000)}` : ''}`,
        now2 ? { retryAfter: Math.ceil(now2.waitMs / 1000) } : undefined,
      );
    }
    if (account.disabledAt !== null) {
      // Said only to whoever knows the password: the person, who should know why they cannot get in.
      record('account.login', 'denied', { user, account: publicOf(account) }, address, 'the account is disabled');
      throw new FmsError('FMS_ERR_ACCOUNT_DISABLED', 'this account is disabled; an administrator can enable it again');
    }
    await sessions.succeed(keys.pair, t);
    if (needsRehash(account.passwordHash!, cost)) await store.setPassword(account.user, await hashPassword(password, cost), account.passwordSetAt ?? t);
    return startSession(account, 'password', address);
  }

  async function signInWithLink(token: string, address: string): Promise<SignedIn> {
    const t = now();
    // Links are 256 random bits; the address counter only keeps a scanner from trying them forever.
    const keys = attemptKeys('(link)', address);
    const lock = signInLock(await sessions.attempts([keys.address]), keys, d.lockMaxMs, t);
    if (lock) {
      const wait = Math.ceil(lock.waitMs / 1000);
      record('account.login', 'denied', { user: '(link)' }, address, `locked (address) for ${wait} s more`);
      throw new FmsError('FMS_ERR_SESSION_LOCKED', `too many failed sign-ins; try again in ${formatDuration(wait * 1000)}`, { retryAfter: wait });
    }
    const user = /^fmsl_[A-Za-z0-9_-]{43}$/.test(token) ? await store.useLink(sha(token), t) : undefined;
    const account = user ? await store.get(user) : undefined;
    if (!account) {
      await sessions.fail([keys.address], t, t - SIGN_IN_LIMITS.forgetAfterMs);
      record('account.login', 'failed', { user: '(link)' }, address, 'an unknown, used or expired sign-in link');
      throw new FmsError('FMS_ERR_SESSION_SIGN_IN_FAILED', 'this sign-in link is unknown, used already or expired; ask an administrator for a new one');
    }
    record('account.link_used', 'ok', { user: account.user, account: publicOf(account) }, address, null);
    if (account.disabledAt !== null) {
      record('account.login', 'denied', { user: account.user, account: publicOf(account) }, address, 'the account is disabled');
      throw new FmsError('FMS_ERR_ACCOUNT_DISABLED', 'this account is disabled; an administrator can enable it again');
    }
    return startSession(account, 'link', address);
  }

  async function mustGet(user: string): Promise<StoredAccount> {
    const account = await store.get(user);
    if (!account) throw new FmsError('FMS_ERR_ACCOUNT_NOT_FOUND', `no account "${user}"`);
    return account;
  }

  async function setPassword(account: StoredAccount, password: string, keepSession?: string): Promise<number> {
    checkPasswordPolicy(password, { user: account.user, name: account.name, phone: account.phone });
    await store.setPassword(account.user, await hashPassword(password, cost), now());
    // Whoever else was signed in with the old password is signed out.
    return sessions.removeOf(account.user, keepSession);
  }

  return {
    /** How long sessions last: unused, and at most. */
    sessionLimits: { idleMs: d.sessionIdleMs, maxAgeMs: d.sessionMaxAgeMs },

    /** Creates an account; without an initial password, with a one-time link (shown once) to set one. */
    async create(input: NewAccount): Promise<{ account: Account; link?: { token: string; expiresAt: number } }> {
      if (!USER_NAME.test(input.user)) throw new FmsError('FMS_ERR_API_BAD_REQUEST', `user: "${input.user}" is not a user name; expected ${USER_NAME.source}`);
      const phone = input.phone ? normalizePhone(input.phone) : null;
      if (input.phone && !phone)
        throw new FmsError('FMS_ERR_API_BAD_REQUEST', `phone: "${input.phone}" is not a phone number; expected digits, e.g. +86 139 0000 0000`);
      if (input.password !== undefined) checkPasswordPolicy(input.password, { user: input.user, name: input.name, phone });
      const t = now();
      const account: StoredAccount = {
        user: input.user,
        name: input.name,
        role: input.role,
        personId: input.personId,
        phone: phone ?? null,
        sites: input.sites?.length ? [...new Set(input.sites)] : null,
        language: input.language ?? null,
        createdAt: t,
        disabledAt: null,
        passwordSetAt: input.password !== undefined ? t : null,
        lastSignInAt: null,
        passwordHash: input.password !== undefined ? await hashPassword(input.password, cost) : null,
      };
      try {
        await store.add(account);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const taken = (await store.get(account.user))
          ? `the user name "${account.user}"`
          : phone && (await store.byPhone(phone))
            ? `the phone ${phone}`
            : `the person "${account.personId}"`;
        throw new FmsError('FMS_ERR_ACCOUNT_EXISTS', `${taken} has an account already`);
      }
      if (input.password !== undefined) return { account: publicOf(account) };
      return { account: publicOf(account), link: await issueLink(account.user, 'first') };
    },

    async list(): Promise<Account[]> {
      return store.list();
    },

    async get(user: string): Promise<Account | undefined> {
      const a = await store.get(user);
      return a ? publicOf(a) : undefined;
    },

    /** Disables an account and ends its sessions at once; returns how many sessions ended. */
    async disable(user: string): Promise<number> {
      const account = await mustGet(user);
      if (account.disabledAt === null) await store.setDisabled(user, now());
      return sessions.removeOf(user);
    },

    async enable(user: string): Promise<void> {
      await mustGet(user);
      await store.setDisabled(user, null);
    },

    /**
     * An administrator's reset: the password stops working, the account's sessions end, and a one-time
     * link (shown once) lets the person in to set a new one.
     */
    async resetPassword(user: string): Promise<{ token: string; expiresAt: number; sessionsEnded: number }> {
      await mustGet(user);
      await store.setPassword(user, null, now());
      const sessionsEnded = await sessions.removeOf(user);
      return { ...(await issueLink(user, 'reset')), sessionsEnded };
    },

    /**
     * A person changes their own password: with the old one, or without it in a session begun by a
     * one-time link (that is what the link is for). Their other sessions end; this one goes on.
     */
    async changePassword(session: StoredSession, oldPassword: string | undefined, newPassword: string, address: string): Promise<{ sessionsEnded: number }> {
      const account = await mustGet(session.user);
      if (session.via !== 'link' || oldPassword !== undefined) {
        if (oldPassword === undefined) throw new FmsError('FMS_ERR_API_BAD_REQUEST', 'oldPassword: expected the current password');
        // The old password is guessed under the same limits as a sign-in: a stolen session must not be a free oracle.
        const t = now();
        const keys = attemptKeys(account.user, address);
        const lock = signInLock(await sessions.attempts(keys.all), keys, d.lockMaxMs, t);
        if (lock) {
          const wait = Math.ceil(lock.waitMs / 1000);
          throw new FmsError('FMS_ERR_SESSION_LOCKED', `too many wrong passwords; try again in ${formatDuration(wait * 1000)}`, { retryAfter: wait });
        }
        if (!(await verifyPassword(oldPassword, account.passwordHash, cost))) {
          await sessions.fail(keys.all, t, t - SIGN_IN_LIMITS.forgetAfterMs);
          record('account.password_changed', 'failed', { user: account.user, account: publicOf(account) }, address, 'wrong current password');
          throw new FmsError('FMS_ERR_SESSION_SIGN_IN_FAILED', 'oldPassword: that is not the current password');
        }
      }
      const sessionsEnded = await setPassword(account, newPassword, session.hash);
      if (session.via === 'link') await sessions.setVia(session.hash, 'password');
      return { sessionsEnded };
    },

    async setLanguage(user: string, language: AccountLanguage | null): Promise<void> {
      await store.setLanguage(user, language);
    },

    /**
     * Sets a password as an administrator does it (the demo's crew, a first admin): the policy applies,
     * the account's sessions end.
     */
    async setPassword(user: string, password: string): Promise<void> {
      await setPassword(await mustGet(user), password);
    },

    /** Signs in with a user name (or phone) and password, or a one-time link; throws FmsError when refused. */
    signIn(credentials: { user: string; password: string } | { token: string }, address: string): Promise<SignedIn> {
      return perAddress.run(address, () =>
        'token' in credentials ? signInWithLink(credentials.token, address) : signInWithPassword(credentials.user, credentials.password, address),
      );
    },

    /** The account and session a session id (a cookie) stands for, if it is still valid; why not otherwise. */
    async resume(sessionId: string): Promise<Resumed> {
      const ended = {
        refused: 'ended',
        message: 'the session has ended (signed out, or the account was disabled or its password reset): sign in again',
      } as const;
      if (!/^[A-Za-z0-9_-]{43}$/.test(sessionId)) return ended;
      const hash = sha(sessionId);
      const session = await sessions.get(hash);
      if (!session) return ended;
      const t = now();
      const expired = (message: string) => sessions.remove(hash).then(() => ({ refused: 'expired' as const, message, user: session.user }));
      if (t - session.createdAt >= d.sessionMaxAgeMs)
        return expired(`the session has expired: a sign-in lasts ${formatDuration(d.sessionMaxAgeMs)} at most (FMS_SESSION_MAX_AGE); sign in again`);
      if (t - session.lastSeenAt >= d.sessionIdleMs)
        return expired(`the session has expired after ${formatDuration(d.sessionIdleMs)} without use (FMS_SESSION_IDLE); sign in again`);
      const account = await store.get(session.user);
      if (!account || account.disabledAt !== null) {
        await sessions.remove(hash);
        return ended;
      }
      if (t - session.lastSeenAt >= TOUCH_EVERY_MS) await sessions.touch(hash, t);
      return { account: publicOf(account), session, csrfToken: csrfTokenOf(sessionId) };
    },

    /** Signs a session out; false when it had ended already. */
    async signOut(session: StoredSession, address: string): Promise<boolean> {
      const ended = await sessions.remove(session.hash);
      const account = await store.get(session.user);
      if (ended) record('session.logout', 'ok', { user: session.user, ...(account ? { account: publicOf(account) } : {}) }, address, null);
      return ended;
    },

    /** Removes expired sessions, links and old attempt counters (hourly). */
    async prune(): Promise<{ sessions: number; links: number; attempts: number }> {
      const t = now();
      return {
        sessions: await sessions.prune(t - d.sessionMaxAgeMs, t - d.sessionIdleMs),
        links: await store.pruneLinks(t - 86_400_000),
        attempts: await sessions.pruneAttempts(t - SIGN_IN_LIMITS.forgetAfterMs, t - SIGN_IN_LIMITS.knownAddressMs),
      };
    },
  };
}
export type Accounts = ReturnType<typeof createAccounts>;
