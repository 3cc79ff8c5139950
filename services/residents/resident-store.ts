/**
 * What FMS keeps about residents' requests (docs/residents.md, "Privacy"): the tracking link's token by
 * its hash, the order, the contact and language to tell them in, until 30 days after the order closed;
 * verification codes by the contact's hash; the key that signs the public form.
 */

export interface ResidentRequest {
  /** SHA-256 (hex) of the tracking token; the token itself is only in the link sent to the resident. */
  tokenHash: string;
  workOrderId: string;
  site: string;
  name: string;
  phone: string | null;
  email: string | null;
  language: 'en' | 'zh';
  createdAt: number;
  /** When the link stops working: 30 days after the order closed; null while it is open. */
  expiresAt: number | null;
}

export interface ResidentCode {
  codeHash: string;
  tries: number;
  expiresAt: number;
}

export interface ResidentStore {
  /** Keeps a new request's tracking record. */
  add(r: ResidentRequest): Promise<void>;
  /** The request whose token has this hash, expired or not. */
  byToken(tokenHash: string): Promise<ResidentRequest | undefined>;
  /** The requests filed for an order (one, unless the order was filed twice from one form). */
  byOrder(workOrderId: string): Promise<ResidentRequest[]>;
  /** Sets when the order's links expire (null: the order is open again). */
  setExpiry(workOrderId: string, expiresAt: number | null): Promise<void>;
  /** Forgets requests whose links expired before `now`, and codes past their time; how many requests went. */
  purge(now: number): Promise<number>;
  /** Replaces the code of a contact (a new one starts with no tries). */
  putCode(contactHash: string, code: ResidentCode): Promise<void>;
  /** The code of a contact, if one is kept. */
  getCode(contactHash: string): Promise<ResidentCode | undefined>;
  /** Counts a wrong try; returns the tries now. */
  addTry(contactHash: string): Promise<number>;
  /** The code was used: it works no more. */
  dropCode(contactHash: string): Promise<void>;
  /** The secret that signs form tokens, made once and shared by every instance on the database. */
  formSecret(make: () => string): Promise<string>;
}
