/** The roles an account may have: the API key roles a person signs in with (`integration` is a program's, never a person's). */
export const accountRoles = ['admin', 'manager', 'supervisor', 'technician', 'viewer'] as const;
export type AccountRole = (typeof accountRoles)[number];

/** The languages the console may be shown in (those the reports speak). */
export const accountLanguages = ['en', 'zh'] as const;
export type AccountLanguage = (typeof accountLanguages)[number];

/** A person's (or an administrator's) account for the console. */
export interface Account {
  /** The user name: lower case, signs in, names the account in the API and the audit log (`account:<user>`). */
  user: string;
  /** The person's name, or the administrator's. */
  name: string;
  role: AccountRole;
  /** The person of the directory it belongs to (work-order actions are theirs); null only for an admin account. */
  personId: string | null;
  /** A phone number that signs in as well as the user name (digits, with a leading + when international). */
  phone: string | null;
  /** The sites it is limited to, exactly as an API key's; null: the whole estate. */
  sites: string[] | null;
  /** The console's language for this person; null: the browser's. */
  language: AccountLanguage | null;
  createdAt: number;
  /** When it was disabled (it signs in no more, its sessions ended); null: in use. */
  disabledAt: number | null;
  /** When its password was last set; null: none yet (a sign-in link only). */
  passwordSetAt: number | null;
  lastSignInAt: number | null;
}

/** An account as stored: with its password hash (`scrypt$…`, parameters included), never the password. */
export interface StoredAccount extends Account {
  passwordHash: string | null;
}

/** A one-time sign-in link, stored as the SHA-256 of its token. */
export interface SignInLink {
  hash: string;
  user: string;
  /** `first` (to set a first password), `reset` (after an administrator's reset). */
  purpose: 'first' | 'reset';
  createdAt: number;
  expiresAt: number;
}

/** The account store port: accounts and their one-time sign-in links. */
export interface AccountStore {
  /** Stores a new account; throws (a unique index) when the user name, the phone or the person has one already. */
  add(account: StoredAccount): Promise<void>;
  /** An account by user name, with its hash. */
  get(user: string): Promise<StoredAccount | undefined>;
  /** An account by its phone number. */
  byPhone(phone: string): Promise<StoredAccount | undefined>;
  /** Every account, by user name, without hashes. */
  list(): Promise<Account[]>;
  /** Disables (`at`) or enables (null) an account; false when there is no such account. */
  setDisabled(user: string, at: number | null): Promise<boolean>;
  /** Sets (or, with null, clears) the password hash; false when there is no such account. */
  setPassword(user: string, hash: string | null, at: number): Promise<boolean>;
  /** Changes the console language. */
  setLanguage(user: string, language: AccountLanguage | null): Promise<boolean>;
  /** Notes a successful sign-in. */
  noteSignIn(user: string, at: number): Promise<void>;
  /** Stores a sign-in link, and ends the account's earlier unused ones (only the newest works). */
  addLink(link: SignInLink): Promise<void>;
  /** Uses a link once: its user when it exists, is unused and unexpired at `at`; it never works again. */
  useLink(hash: string, at: number): Promise<string | undefined>;
  /** Removes links that expired before `before`; returns how many. */
  pruneLinks(before: number): Promise<number>;
}
