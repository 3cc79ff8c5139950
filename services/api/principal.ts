import type { Account } from '../accounts/accounts.ts';
import type { StoredSession } from '../accounts/session-store.ts';
import type { Role } from './access.ts';
import type { ApiKey } from './api-keys.ts';

/**
 * Who a request is from: an API key (Bearer) or a person's account signed in on the console (the
 * session cookie). Both pass the same access declarations in the same way — role, sites, the person
 * it acts as, the route's own check — so a technician's session may do exactly what a technician's
 * key for the same person and sites may.
 */
export interface Principal {
  kind: 'key' | 'account';
  /** The key's id, or the account's user name. */
  id: string;
  /** The key's name, or the account's person's name. */
  name: string;
  role: Role;
  /** The person it acts for (work-order actions must be `by` them); null for an integration or an admin without one. */
  personId: string | null;
  /** The sites it is limited to; null: the whole estate. */
  sites: string[] | null;
}

/** The session a request came with (its cookie), with the CSRF token its unsafe requests must carry. */
export interface RequestSession extends StoredSession {
  csrfToken: string;
  account: Account;
}

export const principalOfKey = (k: ApiKey): Principal => ({ kind: 'key', id: k.id, name: k.name, role: k.role, personId: k.personId, sites: k.sites });

/** An account's role is a key role (the assignment would not compile otherwise): one permission model. */
export const principalOfAccount = (a: Account): Principal => ({
  kind: 'account',
  id: a.user,
  name: a.name,
  role: a.role,
  personId: a.personId,
  sites: a.sites,
});

/** "this API key" or "this account", for refusals. */
export const described = (p: Principal) => (p.kind === 'key' ? 'this API key' : 'this account');
