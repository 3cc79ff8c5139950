import { randomBytes } from 'node:crypto';

/**
 * Requests FMS makes to its own API in process on a browser's behalf (the console's pages) carry this
 * header with a secret made at start, known only to this process: the per-address rate limit lets them
 * through, since the browser's own request was counted. A client that sends the header without the
 * secret is counted like any other.
 */
export const INTERNAL_HEADER = 'x-fms-internal';
export const internalSecret = randomBytes(18).toString('base64url');
export const isInternal = (headers: Record<string, unknown>) => headers[INTERNAL_HEADER] === internalSecret;
