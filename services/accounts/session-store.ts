/** A signed-in browser: the SHA-256 of its random session id (the cookie), never the id itself. */
export interface StoredSession {
  hash: string;
  user: string;
  createdAt: number;
  /** Last request, to the minute (idle expiry counts from it). */
  lastSeenAt: number;
  /** The address it signed in from. */
  address: string | null;
  /** `password`, or `link` (a one-time link: it may set a password without the old one). */
  via: 'password' | 'link';
}

/** Failed sign-ins counted under one key (an account and address, an account, an address). */
export interface AttemptCounter {
  failures: number;
  lastFailureAt: number;
  /** When the key last signed in successfully (account-and-address keys only). */
  lastSuccessAt: number | null;
}

/** The session store port: signed-in sessions, and the failed sign-ins that slow new ones down. */
export interface SessionStore {
  add(session: StoredSession): Promise<void>;
  get(hash: string): Promise<StoredSession | undefined>;
  /** Notes a request of the session. */
  touch(hash: string, at: number): Promise<void>;
  /** Marks a session as one that set its password (it no longer may without the old one). */
  setVia(hash: string, via: StoredSession['via']): Promise<void>;
  /** Ends a session; false when there was none. */
  remove(hash: string): Promise<boolean>;
  /** Ends an account's sessions, but `keep`; returns how many. */
  removeOf(user: string, keep?: string): Promise<number>;
  /** Ends sessions begun before `createdBefore` or idle since before `seenBefore`; returns how many. */
  prune(createdBefore: number, seenBefore: number): Promise<number>;
  /** The counters of these keys (missing: never failed). */
  attempts(keys: readonly string[]): Promise<Map<string, AttemptCounter>>;
  /** Counts a failure under each key at `at`; a count last added before `forgetBefore` starts again from one. */
  fail(keys: readonly string[], at: number, forgetBefore: number): Promise<void>;
  /** A success under one key: its failures are cleared and the success noted. */
  succeed(key: string, at: number): Promise<void>;
  /** Forgets counters with no failure since `before` and no success since `successBefore`; returns how many. */
  pruneAttempts(before: number, successBefore: number): Promise<number>;
}
