import { randomBytes } from 'node:crypto';
import type { Db } from '../db/pool';
import type { TokenCipher } from '../xero/token-crypto';
import type { AnyEventPayload, WebhookEventType } from './events';
import { deliveryIdOf } from './events';

/**
 * The webhook tables (migration 011): endpoints with their sealed secrets, events, deliveries and each delivery's
 * attempts. Secrets are sealed on the way in and opened only by `deliveryTarget`, for signing; nothing else here
 * returns one, so no view, log line or error can carry it.
 */
export interface EndpointRow {
  id: string;
  businessId: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  createdAt: Date;
  secretRotatedAt: Date | null;
  previousExpiresAt: Date | null;
}

interface DbEndpoint {
  id: string;
  business_id: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  created_at: Date;
  secret_rotated_at: Date | null;
  previous_expires_at: Date | null;
}

const ENDPOINT_COLUMNS =
  'id, business_id, url, events, description, created_at, secret_rotated_at, previous_expires_at';

function endpointOf(r: DbEndpoint): EndpointRow {
  return {
    id: r.id,
    businessId: r.business_id,
    url: r.url,
    events: r.events,
    description: r.description,
    createdAt: r.created_at,
    secretRotatedAt: r.secret_rotated_at,
    previousExpiresAt: r.previous_expires_at,
  };
}

/** Each sealed value is bound to its endpoint and column, so it cannot be moved to another row. */
const context = (endpointId: string, column: string) => `webhook:${endpointId}:${column}`;

export function newEndpointId(): string {
  return `wh_${randomBytes(10).toString('hex')}`;
}

/** Inserts the endpoint unless the business already has `max`; null when it has. */
export async function insertEndpoint(
  db: Db,
  cipher: TokenCipher,
  row: {
    id: string;
    businessId: string;
    url: string;
    events: WebhookEventType[];
    description: string | null;
  },
  secret: string,
  max: number,
): Promise<EndpointRow | null> {
  const { rows } = await db.query<DbEndpoint>(
    `INSERT INTO webhook_endpoints (id, business_id, url, events, description, secret_enc)
     SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT count(*) FROM webhook_endpoints WHERE business_id = $2) < $7
     RETURNING ${ENDPOINT_COLUMNS}`,
    [
      row.id,
      row.businessId,
      row.url,
      row.events,
      row.description,
      cipher.encrypt(secret, context(row.id, 'secret')),
      max,
    ],
  );
  return rows[0] ? endpointOf(rows[0]) : null;
}

export async function listEndpoints(db: Db, businessId: string): Promise<EndpointRow[]> {
  const { rows } = await db.query<DbEndpoint>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE business_id = $1 ORDER BY created_at, id`,
    [businessId],
  );
  return rows.map(endpointOf);
}

/** The endpoint if it is the business's; another business's is as absent as a missing one. */
export async function getEndpoint(db: Db, businessId: string, id: string): Promise<EndpointRow | null> {
  const { rows } = await db.query<DbEndpoint>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND business_id = $2`,
    [id, businessId],
  );
  return rows[0] ? endpointOf(rows[0]) : null;
}

/** Deletes the endpoint and its delivery log; deliveries still retrying stop at their next attempt. */
export async function deleteEndpoint(db: Db, businessId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM webhook_endpoints WHERE id = $1 AND business_id = $2', [
    id,
    businessId,
  ]);
  return (rowCount ?? 0) > 0;
}

/** A new secret; the current one becomes the previous, still signing beside it for `graceMs`. */
export async function rotateSecret(
  db: Db,
  cipher: TokenCipher,
  businessId: string,
  id: string,
  secret: string,
  graceMs: number,
): Promise<EndpointRow | null> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ secret_enc: string }>(
      'SELECT secret_enc FROM webhook_endpoints WHERE id = $1 AND business_id = $2 FOR UPDATE',
      [id, businessId],
    );
    if (!rows[0]) {
      await client.query('ROLLBACK');
      return null;
    }
    const previous = cipher.decrypt(rows[0].secret_enc, context(id, 'secret'));
    const updated = await client.query<DbEndpoint>(
      `UPDATE webhook_endpoints SET secret_enc = $2, previous_secret_enc = $3, secret_rotated_at = now(),
         previous_expires_at = now() + $4 * interval '1 millisecond'
       WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [
        id,
        cipher.encrypt(secret, context(id, 'secret')),
        cipher.encrypt(previous, context(id, 'previous_secret')),
        graceMs,
      ],
    );
    await client.query('COMMIT');
    return endpointOf(updated.rows[0]!);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The business's endpoints subscribed to this event type. */
export async function subscribers(db: Db, businessId: string, type: WebhookEventType): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM webhook_endpoints WHERE business_id = $1 AND $2 = ANY (events) ORDER BY id',
    [businessId, type],
  );
  return rows.map((r) => r.id);
}

/**
 * Records an event and one pending delivery per endpoint, in one statement. Recording the same event again (a
 * retried activity) changes nothing: the first payload and its timestamp stand.
 */
export async function recordEvent(
  db: Db,
  event: { id: string; businessId: string; requestId: string | null; payload: AnyEventPayload },
  endpointIds: readonly string[],
): Promise<Array<{ deliveryId: string; endpointId: string }>> {
  const deliveries = endpointIds.map((endpointId) => ({
    deliveryId: deliveryIdOf(event.id, endpointId),
    endpointId,
  }));
  await db.query(
    `WITH e AS (
       INSERT INTO webhook_events (id, business_id, request_id, type, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO NOTHING
     )
     INSERT INTO webhook_deliveries (id, endpoint_id, event_id)
     SELECT d.id, d.endpoint_id, $1 FROM unnest($6::text[], $7::text[]) AS d (id, endpoint_id)
     WHERE EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = d.endpoint_id)
     ON CONFLICT (id) DO NOTHING`,
    [
      event.id,
      event.businessId,
      event.requestId,
      event.payload.type,
      JSON.stringify(event.payload),
      deliveries.map((d) => d.deliveryId),
      deliveries.map((d) => d.endpointId),
    ],
  );
  return deliveries;
}

/** What an attempt needs: where, the body, and the secrets that sign it (opened here, used at once). */
export interface DeliveryTarget {
  deliveryId: string;
  eventId: string;
  status: 'pending' | 'delivered' | 'failed';
  url: string;
  payload: AnyEventPayload;
  secrets: string[];
  createdAt: Date;
}

export async function deliveryTarget(
  db: Db,
  cipher: TokenCipher,
  deliveryId: string,
): Promise<DeliveryTarget | null> {
  const { rows } = await db.query<{
    event_id: string;
    endpoint_id: string;
    status: DeliveryTarget['status'];
    url: string;
    payload: AnyEventPayload;
    secret_enc: string;
    previous_secret_enc: string | null;
    previous_live: boolean;
    created_at: Date;
  }>(
    `SELECT d.event_id, d.endpoint_id, d.status, d.created_at, w.url, w.secret_enc, w.previous_secret_enc,
       COALESCE(w.previous_expires_at > now(), false) AS previous_live, e.payload
     FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
       JOIN webhook_events e ON e.id = d.event_id
     WHERE d.id = $1`,
    [deliveryId],
  );
  const r = rows[0];
  if (!r) return null;
  const secrets = [cipher.decrypt(r.secret_enc, context(r.endpoint_id, 'secret'))];
  if (r.previous_live && r.previous_secret_enc)
    secrets.push(cipher.decrypt(r.previous_secret_enc, context(r.endpoint_id, 'previous_secret')));
  return {
    deliveryId,
    eventId: r.event_id,
    status: r.status,
    url: r.url,
    payload: r.payload,
    secrets,
    createdAt: r.created_at,
  };
}

export interface AttemptRecord {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  delivered: boolean;
  /** When Temporal will try again (null: delivered, or this was the last try). */
  nextAttemptAt: Date | null;
}

/** One attempt into the log, and the delivery's summary with it. A delivered delivery stays delivered. */
export async function recordAttempt(db: Db, deliveryId: string, a: AttemptRecord): Promise<void> {
  await db.query(
    `WITH a AS (
       INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (delivery_id, attempt) DO UPDATE SET started_at = EXCLUDED.started_at,
         duration_ms = EXCLUDED.duration_ms, status_code = EXCLUDED.status_code, error = EXCLUDED.error
     )
     UPDATE webhook_deliveries SET attempts = GREATEST(attempts, $2), last_status_code = $5, last_error = $6,
       status = CASE WHEN $7 THEN 'delivered' ELSE status END,
       delivered_at = CASE WHEN $7 THEN COALESCE(delivered_at, now()) ELSE delivered_at END,
       next_attempt_at = CASE WHEN $7 THEN NULL ELSE $8::timestamptz END
     WHERE id = $1`,
    [deliveryId, a.attempt, a.startedAt, a.durationMs, a.statusCode, a.error, a.delivered, a.nextAttemptAt],
  );
}

/** Temporal gave up (24 hours of tries): the delivery is failed, with no next try. */
export async function markGivenUp(db: Db, deliveryId: string): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL WHERE id = $1 AND status = 'pending'`,
    [deliveryId],
  );
}

export interface DeliveryView {
  id: string;
  seq: string;
  eventId: string;
  eventType: WebhookEventType;
  /** The request the event is about; null for a connection event. */
  requestId: string | null;
  status: DeliveryTarget['status'];
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  attempts: Array<{
    attempt: number;
    startedAt: Date;
    durationMs: number;
    statusCode: number | null;
    error: string | null;
  }>;
}

/** An endpoint's deliveries, newest first, keyset on `seq`, each with its attempts. */
export async function listDeliveries(
  db: Db,
  endpointId: string,
  filter: { status?: DeliveryTarget['status']; limit: number; before?: string },
): Promise<DeliveryView[]> {
  const { rows } = await db.query<{
    id: string;
    seq: string;
    event_id: string;
    type: WebhookEventType;
    request_id: string | null;
    status: DeliveryTarget['status'];
    attempts: number;
    next_attempt_at: Date | null;
    last_status_code: number | null;
    last_error: string | null;
    created_at: Date;
    delivered_at: Date | null;
    log: Array<{
      attempt: number;
      started_at: string;
      duration_ms: number;
      status_code: number | null;
      error: string | null;
    }> | null;
  }>(
    `SELECT d.id, d.seq::text AS seq, d.event_id, e.type, e.request_id, d.status, d.attempts, d.next_attempt_at,
       d.last_status_code, d.last_error, d.created_at, d.delivered_at,
       (SELECT json_agg(a ORDER BY a.attempt) FROM webhook_attempts a WHERE a.delivery_id = d.id) AS log
     FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
     WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.status = $2) AND ($3::bigint IS NULL OR d.seq < $3)
     ORDER BY d.seq DESC LIMIT $4`,
    [endpointId, filter.status ?? null, filter.before ?? null, filter.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    seq: r.seq,
    eventId: r.event_id,
    eventType: r.type,
    requestId: r.request_id,
    status: r.status,
    attemptCount: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    attempts: (r.log ?? []).map((a) => ({
      attempt: a.attempt,
      startedAt: new Date(a.started_at),
      durationMs: a.duration_ms,
      statusCode: a.status_code,
      error: a.error,
    })),
  }));
}

/** After a key rotation: every secret sealed with an old key, sealed again with the current one. */
export async function reencryptSecrets(db: Db, cipher: TokenCipher): Promise<number> {
  const { rows } = await db.query<{ id: string; secret_enc: string; previous_secret_enc: string | null }>(
    'SELECT id, secret_enc, previous_secret_enc FROM webhook_endpoints',
  );
  let done = 0;
  for (const row of rows) {
    const stale = (v: string | null) => v !== null && cipher.isStale(v);
    if (!stale(row.secret_enc) && !stale(row.previous_secret_enc)) continue;
    const again = (v: string | null, column: string) =>
      v === null ? null : cipher.encrypt(cipher.decrypt(v, context(row.id, column)), context(row.id, column));
    // Only if neither changed meanwhile (a rotation seals with the new key anyway).
    const result = await db.query(
      `UPDATE webhook_endpoints SET secret_enc = $2, previous_secret_enc = $3
       WHERE id = $1 AND secret_enc = $4 AND previous_secret_enc IS NOT DISTINCT FROM $5`,
      [
        row.id,
        again(row.secret_enc, 'secret'),
        again(row.previous_secret_enc, 'previous_secret'),
        row.secret_enc,
        row.previous_secret_enc,
      ],
    );
    done += result.rowCount ?? 0;
  }
  return done;
}
