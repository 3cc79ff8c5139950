import type { Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { AccountsTable } from '../db/schema.ts';
import type { Account, AccountLanguage, AccountRole, AccountStore, StoredAccount } from './account-store.ts';

/** The account store on SQL through kysely: the same queries on SQLite and PostgreSQL. */
export function createKyselyAccountStore(db: Db): AccountStore {
  return {
    async add(a) {
      await db
        .insertInto('accounts')
        .values({
          user_name: a.user,
          name: a.name,
          role: a.role,
          person_id: a.personId,
          phone: a.phone,
          sites: a.sites === null ? null : JSON.stringify(a.sites),
          language: a.language,
          password_hash: a.passwordHash,
          password_set_at: a.passwordSetAt,
          created_at: a.createdAt,
          disabled_at: a.disabledAt,
          last_sign_in_at: a.lastSignInAt,
        })
        .execute();
    },

    async get(user) {
      const row = await db.selectFrom('accounts').selectAll().where('user_name', '=', user).executeTakeFirst();
      return row ? stored(row) : undefined;
    },

    async byPhone(phone) {
      const row = await db.selectFrom('accounts').selectAll().where('phone', '=', phone).executeTakeFirst();
      return row ? stored(row) : undefined;
    },

    async list() {
      return (await db.selectFrom('accounts').selectAll().orderBy('user_name').execute()).map(fromRow);
    },

    async setDisabled(user, at) {
      const r = await db.updateTable('accounts').set({ disabled_at: at }).where('user_name', '=', user).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async setPassword(user, hash, at) {
      const r = await db
        .updateTable('accounts')
        .set({ password_hash: hash, password_set_at: hash === null ? null : at })
        .where('user_name', '=', user)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async setLanguage(user, language) {
      const r = await db.updateTable('accounts').set({ language }).where('user_name', '=', user).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async noteSignIn(user, at) {
      await db.updateTable('accounts').set({ last_sign_in_at: at }).where('user_name', '=', user).execute();
    },

    async addLink(link) {
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('sign_in_links').where('user_name', '=', link.user).where('used_at', 'is', null).execute();
        await tx
          .insertInto('sign_in_links')
          .values({ hash: link.hash, user_name: link.user, purpose: link.purpose, created_at: link.createdAt, expires_at: link.expiresAt, used_at: null })
          .execute();
      });
    },

    async useLink(hash, at) {
      const row = await db.selectFrom('sign_in_links').select('user_name').where('hash', '=', hash).executeTakeFirst();
      if (!row) return undefined;
      // Whoever sets used_at first has it: a link used twice at once signs in once.
      const r = await db
        .updateTable('sign_in_links')
        .set({ used_at: at })
        .where('hash', '=', hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', at)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0 ? row.user_name : undefined;
    },

    async pruneLinks(before) {
      const r = await db.deleteFrom('sign_in_links').where('expires_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

const num = (v: number | null) => (v === null ? null : Number(v));

function fromRow(r: Selectable<AccountsTable>): Account {
  return {
    user: r.user_name,
    name: r.name,
    role: r.role as AccountRole,
    personId: r.person_id,
    phone: r.phone,
    sites: r.sites === null ? null : (JSON.parse(r.sites) as string[]),
    language: r.language as AccountLanguage | null,
    createdAt: Number(r.created_at),
    disabledAt: num(r.disabled_at),
    passwordSetAt: num(r.password_set_at),
    lastSignInAt: num(r.last_sign_in_at),
  };
}

function stored(r: Selectable<AccountsTable>): StoredAccount {
  return { ...fromRow(r), passwordHash: r.password_hash };
}
