import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/pool';

/**
 * API keys look like `xms_<id>_<secret>`. The id finds the row; only a hash of the secret is stored, so a
 * database leak does not leak usable keys. A key is shown once, when it is created.
 */
const KEY_PATTERN = /^xms_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface CreatedKey {
  id: string;
  businessId: string;
  /** The whole key; never stored, shown once. */
  key: string;
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

function newKeyParts(): { id: string; secret: string } {
  const id = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  return { id, secret: randomBytes(32).toString('base64url') };
}

export async function createApiKey(db: Db, businessId: string, label = ''): Promise<CreatedKey> {
  const { id, secret } = newKeyParts();
  await db.query('INSERT INTO api_keys (id, business_id, secret_hash, label) VALUES ($1, $2, $3, $4)', [
    id,
    businessId,
    hashSecret(secret),
    label,
  ]);
  return { id, businessId, key: `xms_${id}_${secret}` };
}

/** Stores a key whose text is already known (the demo key kept in DATA_DIR); no-op when it exists. */
export async function ensureApiKey(db: Db, businessId: string, key: string, label: string): Promise<void> {
  const match = KEY_PATTERN.exec(key);
  if (!match) throw new Error('not an API key of this service');
  await db.query(
    `INSERT INTO api_keys (id, business_id, secret_hash, label) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET revoked_at = NULL WHERE api_keys.secret_hash = EXCLUDED.secret_hash`,
    [match[1], businessId, hashSecret(match[2]!), label],
  );
}

export function newApiKeyText(): string {
  const { id, secret } = newKeyParts();
  return `xms_${id}_${secret}`;
}

type Found = { keyId: string; businessId: string };

/**
 * The business a key belongs to, or null when the key is malformed, unknown or revoked. `last_used_at` moves only
 * after the secret's hash matched, so a wrong secret leaves no trace on the key, and at most once a minute per
 * process.
 *
 * A key this process verified is trusted for a second; for a second more it is still trusted while one lookup
 * checks it again (stale while revalidating), so no request waits for PostgreSQL on a busy machine: 50 clients
 * polling with one key cost one lookup a second and none of them waits for it (issue 24's P5). A revoked key
 * stops working within two seconds, one second plus a lookup when it is in use. Lookups of one key at one moment
 * are shared.
 */
export async function verifyApiKey(db: Db, key: string, now = Date.now()): Promise<Found | null> {
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  const cacheKey = hashSecret(key).toString('hex');
  const hit = verified.get(cacheKey);
  const age = hit ? now - hit.at : Infinity;
  if (hit && age < VERIFIED_FOR_MS) return hit.found;
  const lookup = lookupOf(db, cacheKey, match[1]!, match[2]!, now);
  return hit && age < 2 * VERIFIED_FOR_MS ? hit.found : lookup;
}

/** The one lookup of a key in flight (a new one when none is): it stores what it finds, a found key only. */
function lookupOf(db: Db, cacheKey: string, id: string, secret: string, now: number): Promise<Found | null> {
  const running = lookups.get(cacheKey);
  if (running) return running;
  const lookup = lookUp(db, id, secret)
    .then((found) => {
      if (verified.size > 10_000) verified.clear();
      if (found) verified.set(cacheKey, { at: now, found });
      else verified.delete(cacheKey);
      return found;
    })
    .finally(() => lookups.delete(cacheKey));
  // A background lookup's failure reaches its waiters, if any; otherwise the next request's lookup meets it.
  lookup.catch(() => undefined);
  lookups.set(cacheKey, lookup);
  return lookup;
}

async function lookUp(db: Db, id: string, secret: string): Promise<Found | null> {
  const { rows } = await db.query<{ business_id: string; secret_hash: Buffer }>(
    'SELECT business_id, secret_hash FROM api_keys WHERE id = $1 AND revoked_at IS NULL',
    [id],
  );
  const row = rows[0];
  if (!row || !timingSafeEqual(row.secret_hash, hashSecret(secret))) return null;
  await touchKey(db, id);
  return { keyId: id, businessId: row.business_id };
}

// Keys this process verified lately, by the whole key's hash (a wrong secret never matches one).
const verified = new Map<string, { at: number; found: Found }>();
const lookups = new Map<string, Promise<Found | null>>();
const VERIFIED_FOR_MS = 1000;

// When this process last moved each key's last_used_at: a key used 200 times a second costs one UPDATE a minute,
// not a second round trip on every request.
const touchedAt = new Map<string, number>();
const TOUCH_EVERY_MS = 60_000;

async function touchKey(db: Db, keyId: string): Promise<void> {
  const now = Date.now();
  if (now - (touchedAt.get(keyId) ?? -Infinity) < TOUCH_EVERY_MS) return;
  await db.query(
    `UPDATE api_keys SET last_used_at = now()
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [keyId],
  );
  touchedAt.set(keyId, now);
  if (touchedAt.size > 10_000) touchedAt.clear();
}

/** Revokes a key by its id (the `xms_<id>` part) or by the whole key. True when a live key was revoked. */
export async function revokeApiKey(db: Db, idOrKey: string): Promise<boolean> {
  const id = KEY_PATTERN.exec(idOrKey)?.[1] ?? idOrKey.replace(/^xms_/, '');
  const { rowCount } = await db.query(
    'UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
    [id],
  );
  return (rowCount ?? 0) > 0;
}

export async function listApiKeys(
  db: Db,
  businessId: string,
): Promise<Array<{ id: string; label: string; createdAt: Date; revokedAt: Date | null }>> {
  const { rows } = await db.query<{ id: string; label: string; created_at: Date; revoked_at: Date | null }>(
    'SELECT id, label, created_at, revoked_at FROM api_keys WHERE business_id = $1 ORDER BY created_at',
    [businessId],
  );
  return rows.map((r) => ({ id: r.id, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at }));
}
