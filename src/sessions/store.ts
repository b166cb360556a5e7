import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/pool';

/**
 * Page links and the merchant page's browser sessions. API keys never reach a browser: the platform's backend,
 * holding the business's key, asks for a page link; the link works once, for a short while, and opens a session
 * for that one business. Links and sessions are 32 random bytes; only their SHA-256 is stored.
 */

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function hash(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export interface PageLink {
  /** The link's token: never stored, handed out once. */
  token: string;
  businessId: string;
  expiresAt: Date;
}

export async function createPageLink(db: Db, businessId: string, ttlSeconds: number): Promise<PageLink> {
  const token = newToken();
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO page_links (token_hash, business_id, expires_at)
     VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING expires_at`,
    [hash(token), businessId, ttlSeconds],
  );
  // Expired links are of no use to anyone: each new link clears those of the last day.
  await db.query(`DELETE FROM page_links WHERE expires_at < now() - interval '1 day'`);
  return { token, businessId, expiresAt: rows[0]!.expires_at };
}

export interface PageSession {
  /** The cookie's value: never stored. */
  secret: string;
  businessId: string;
  expiresAt: Date;
}

export type RedeemFailure = 'unknown' | 'expired' | 'used';

/**
 * Turns a link into a session, once: the link is marked used in the same statement that checks it, so two
 * browsers opening the same link get one session between them.
 */
export async function redeemPageLink(
  db: Db,
  token: string,
  sessionSeconds: number,
): Promise<PageSession | RedeemFailure> {
  if (!TOKEN_PATTERN.test(token)) return 'unknown';
  const { rows } = await db.query<{ business_id: string }>(
    `UPDATE page_links SET used_at = now()
     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING business_id`,
    [hash(token)],
  );
  const businessId = rows[0]?.business_id;
  if (!businessId) return whyRefused(db, token);
  const secret = newToken();
  const created = await db.query<{ expires_at: Date }>(
    `INSERT INTO page_sessions (secret_hash, business_id, expires_at)
     VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING expires_at`,
    [hash(secret), businessId, sessionSeconds],
  );
  await db.query(`DELETE FROM page_sessions WHERE expires_at < now() - interval '1 day'`);
  return { secret, businessId, expiresAt: created.rows[0]!.expires_at };
}

async function whyRefused(db: Db, token: string): Promise<RedeemFailure> {
  const { rows } = await db.query<{ used: boolean }>(
    'SELECT used_at IS NOT NULL AS used FROM page_links WHERE token_hash = $1',
    [hash(token)],
  );
  const row = rows[0];
  if (!row) return 'unknown';
  return row.used ? 'used' : 'expired';
}

/** The business and expiry of a live session, or null (malformed, unknown, expired or ended). */
export async function verifyPageSession(
  db: Db,
  secret: string,
): Promise<{ businessId: string; expiresAt: Date } | null> {
  if (!TOKEN_PATTERN.test(secret)) return null;
  const { rows } = await db.query<{ business_id: string; expires_at: Date }>(
    'SELECT business_id, expires_at FROM page_sessions WHERE secret_hash = $1 AND expires_at > now()',
    [hash(secret)],
  );
  const row = rows[0];
  return row ? { businessId: row.business_id, expiresAt: row.expires_at } : null;
}

/** Ends a session (signing out, or a test's way to expire one). */
export async function endPageSession(db: Db, secret: string): Promise<void> {
  await db.query('DELETE FROM page_sessions WHERE secret_hash = $1', [hash(secret)]);
}

/**
 * The session's CSRF token: derived from its secret, so it needs no storage, and a page of another origin, which
 * cannot read the cookie or the page, cannot know it. The page sends it back in X-CSRF-Token on every write.
 */
export function csrfTokenOf(secret: string): string {
  return createHash('sha256').update(`csrf:${secret}`).digest('base64url');
}

export function isCsrfTokenOf(secret: string, candidate: string): boolean {
  const expected = Buffer.from(csrfTokenOf(secret));
  const given = Buffer.from(candidate);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
