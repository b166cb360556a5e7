import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Db } from '../db/pool';
import type { XeroConnectionView } from '../contract';
import type { TokenCipher } from './token-crypto';

/**
 * The xero_connections and xero_oauth_states tables. Every token and secret is sealed here on the way in and
 * opened on the way out; nothing above this module sees a sealed value, and nothing below it a plaintext one.
 * Each value is sealed for its row and column (`<business>:<column>`), so it cannot be moved elsewhere.
 */

export type ConnectionKind = 'oauth' | 'custom';
export type ConnectionStatus = 'active' | 'needs_reconnect' | 'disconnected';

type Queryable = Db | PoolClient;

/** What may be shown anywhere (API, CLI, logs): no token, no secret. */
export interface ConnectionSummary {
  businessId: string;
  kind: ConnectionKind;
  tenantId: string;
  tenantName: string | null;
  status: ConnectionStatus;
  lastError: string | null;
  expiresAt: Date | null;
  updatedAt: Date;
}

export interface StoredConnection extends ConnectionSummary {
  xeroConnectionId: string | null;
  accessToken: string | null;
  refreshToken: string | null;
  /** Custom Connections only. */
  client: { clientId: string; clientSecret: string } | null;
  refreshedAt: Date | null;
}

interface Row {
  business_id: string;
  kind: ConnectionKind;
  tenant_id: string;
  tenant_name: string | null;
  xero_connection_id: string | null;
  access_token_enc: string | null;
  expires_at: Date | null;
  refresh_token_enc: string | null;
  client_id_enc: string | null;
  client_secret_enc: string | null;
  status: ConnectionStatus;
  last_error: string | null;
  refreshed_at: Date | null;
  updated_at: Date;
}

const SEALED_COLUMNS = [
  'access_token_enc',
  'refresh_token_enc',
  'client_id_enc',
  'client_secret_enc',
] as const;

function summaryOf(row: Row): ConnectionSummary {
  return {
    businessId: row.business_id,
    kind: row.kind,
    tenantId: row.tenant_id,
    tenantName: row.tenant_name,
    status: row.status,
    lastError: row.last_error,
    expiresAt: row.expires_at,
    updatedAt: row.updated_at,
  };
}

function context(businessId: string, column: string): string {
  return `${businessId}:${column}`;
}

/** The connection's status alone (no token opened, so no key needed); null when the business has none. */
export async function connectionStatusOf(
  db: Queryable,
  businessId: string,
): Promise<ConnectionStatus | null> {
  const { rows } = await db.query<{ status: ConnectionStatus }>(
    'SELECT status FROM xero_connections WHERE business_id = $1',
    [businessId],
  );
  return rows[0]?.status ?? null;
}

/** A connection as the API and the merchant page show it (XeroConnectionView): no token, no secret. */
export function connectionView(
  c: Pick<ConnectionSummary, 'status' | 'kind' | 'tenantId' | 'tenantName' | 'lastError'> | null,
): XeroConnectionView {
  const current = c && c.status !== 'disconnected';
  return {
    status: c?.status ?? 'not_connected',
    kind: c?.kind ?? null,
    tenantId: current ? c.tenantId : null,
    tenantName: current ? c.tenantName : null,
    lastError: c?.lastError ?? null,
  };
}

/** The connection views of several businesses at once (those without a connection are absent). */
export async function connectionViewsOf(
  db: Queryable,
  businessIds: string[],
): Promise<Map<string, XeroConnectionView>> {
  const { rows } = await db.query<
    Pick<Row, 'business_id' | 'kind' | 'tenant_id' | 'tenant_name' | 'status' | 'last_error'>
  >(
    `SELECT business_id, kind, tenant_id, tenant_name, status, last_error FROM xero_connections
     WHERE business_id = ANY($1)`,
    [businessIds],
  );
  return new Map(
    rows.map((r) => [
      r.business_id,
      connectionView({
        status: r.status,
        kind: r.kind,
        tenantId: r.tenant_id,
        tenantName: r.tenant_name,
        lastError: r.last_error,
      }),
    ]),
  );
}

export class ConnectionStore {
  constructor(
    readonly db: Db,
    private readonly cipher: TokenCipher,
  ) {}

  private seal(businessId: string, column: string, value: string | null | undefined): string | null {
    return value ? this.cipher.encrypt(value, context(businessId, column)) : null;
  }

  private open(businessId: string, column: string, value: string | null): string | null {
    return value === null ? null : this.cipher.decrypt(value, context(businessId, column));
  }

  private fromRow(row: Row): StoredConnection {
    const b = row.business_id;
    const clientId = this.open(b, 'client_id_enc', row.client_id_enc);
    const clientSecret = this.open(b, 'client_secret_enc', row.client_secret_enc);
    return {
      ...summaryOf(row),
      xeroConnectionId: row.xero_connection_id,
      accessToken: this.open(b, 'access_token_enc', row.access_token_enc),
      refreshToken: this.open(b, 'refresh_token_enc', row.refresh_token_enc),
      client: clientId && clientSecret ? { clientId, clientSecret } : null,
      refreshedAt: row.refreshed_at,
    };
  }

  async summary(businessId: string): Promise<ConnectionSummary | null> {
    const { rows } = await this.db.query<Row>(
      `SELECT business_id, kind, tenant_id, tenant_name, status, last_error, expires_at, updated_at
         FROM xero_connections WHERE business_id = $1`,
      [businessId],
    );
    return rows[0] ? summaryOf(rows[0]) : null;
  }

  /** Reads and opens the connection. `forUpdate` (inside a transaction) locks the row: the refresh lock. */
  async get(q: Queryable, businessId: string, forUpdate = false): Promise<StoredConnection | null> {
    const { rows } = await q.query<Row>(
      `SELECT * FROM xero_connections WHERE business_id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [businessId],
    );
    return rows[0] ? this.fromRow(rows[0]) : null;
  }

  /**
   * Makes this the business's current connection (a new consent, or new Custom Connection credentials), active,
   * and points businesses.xero_tenant_id at its organisation. Run inside a transaction.
   */
  async put(
    tx: PoolClient,
    c: {
      businessId: string;
      kind: ConnectionKind;
      tenantId: string;
      tenantName: string | null;
      xeroConnectionId: string | null;
      accessToken?: string | null;
      expiresAt?: Date | null;
      refreshToken?: string | null;
      client?: { clientId: string; clientSecret: string } | null;
    },
  ): Promise<void> {
    const b = c.businessId;
    await tx.query(
      `INSERT INTO xero_connections (business_id, kind, tenant_id, tenant_name, xero_connection_id,
         access_token_enc, expires_at, refresh_token_enc, client_id_enc, client_secret_enc, status, last_error,
         refreshed_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', NULL, CASE WHEN $6::text IS NULL THEN NULL ELSE now() END, now())
       ON CONFLICT (business_id) DO UPDATE SET kind = EXCLUDED.kind, tenant_id = EXCLUDED.tenant_id,
         tenant_name = EXCLUDED.tenant_name, xero_connection_id = EXCLUDED.xero_connection_id,
         access_token_enc = EXCLUDED.access_token_enc, expires_at = EXCLUDED.expires_at,
         refresh_token_enc = EXCLUDED.refresh_token_enc, client_id_enc = EXCLUDED.client_id_enc,
         client_secret_enc = EXCLUDED.client_secret_enc, status = 'active', last_error = NULL,
         refreshed_at = EXCLUDED.refreshed_at, updated_at = now()`,
      [
        b,
        c.kind,
        c.tenantId,
        c.tenantName,
        c.xeroConnectionId,
        this.seal(b, 'access_token_enc', c.accessToken),
        c.expiresAt ?? null,
        this.seal(b, 'refresh_token_enc', c.refreshToken),
        this.seal(b, 'client_id_enc', c.client?.clientId),
        this.seal(b, 'client_secret_enc', c.client?.clientSecret),
      ],
    );
    await tx.query('UPDATE businesses SET xero_tenant_id = $2, updated_at = now() WHERE id = $1', [
      b,
      c.tenantId,
    ]);
  }

  /**
   * Stores a refreshed token set. A response without a refresh token keeps the stored one. `refreshedAt` (the
   * token provider's clock) is when the refresh token was last used, which the keep-alive measures idleness by.
   */
  async saveTokens(
    tx: PoolClient,
    businessId: string,
    tokens: { accessToken: string; expiresAt: Date; refreshToken?: string; refreshedAt: Date },
  ): Promise<void> {
    await tx.query(
      `UPDATE xero_connections SET access_token_enc = $2, expires_at = $3,
         refresh_token_enc = COALESCE($4, refresh_token_enc), refreshed_at = $5, last_error = NULL,
         updated_at = now()
       WHERE business_id = $1`,
      [
        businessId,
        this.seal(businessId, 'access_token_enc', tokens.accessToken),
        tokens.expiresAt,
        this.seal(businessId, 'refresh_token_enc', tokens.refreshToken),
        tokens.refreshedAt,
      ],
    );
  }

  /** Active OAuth connections whose refresh token was last used before `before` (the keep-alive's work). */
  async idleOAuthConnections(before: Date): Promise<string[]> {
    const { rows } = await this.db.query<{ business_id: string }>(
      `SELECT business_id FROM xero_connections
       WHERE kind = 'oauth' AND status = 'active' AND (refreshed_at IS NULL OR refreshed_at < $1)
       ORDER BY refreshed_at NULLS FIRST`,
      [before],
    );
    return rows.map((r) => r.business_id);
  }

  /** Connections that turned needs_reconnect within the last `withinMs` (database time), with when. */
  async recentlyNeedingReconnect(withinMs: number): Promise<ConnectionSummary[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT business_id, kind, tenant_id, tenant_name, status, last_error, expires_at, updated_at
       FROM xero_connections
       WHERE status = 'needs_reconnect' AND updated_at > now() - make_interval(secs => $1::double precision / 1000)
       ORDER BY updated_at`,
      [withinMs],
    );
    return rows.map(summaryOf);
  }

  /** Only an active connection moves to needs_reconnect (a disconnected one stays disconnected). */
  async markNeedsReconnect(q: Queryable, businessId: string, reason: string): Promise<void> {
    await q.query(
      `UPDATE xero_connections SET status = 'needs_reconnect', last_error = $2, updated_at = now()
       WHERE business_id = $1 AND status = 'active'`,
      [businessId, reason],
    );
  }

  /** Forgets every token and secret, and the business's organisation. */
  async markDisconnected(tx: PoolClient, businessId: string, note: string | null): Promise<void> {
    await tx.query(
      `UPDATE xero_connections SET status = 'disconnected', last_error = $2, access_token_enc = NULL,
         refresh_token_enc = NULL, client_id_enc = NULL, client_secret_enc = NULL, expires_at = NULL,
         updated_at = now()
       WHERE business_id = $1`,
      [businessId, note],
    );
    await tx.query('UPDATE businesses SET xero_tenant_id = NULL, updated_at = now() WHERE id = $1', [
      businessId,
    ]);
    // The contact picker's copy of the organisation's contacts (src/xero/contact-directory.ts) goes with it.
    await tx.query('DELETE FROM xero_contact_directory WHERE business_id = $1', [businessId]);
    await tx.query('DELETE FROM xero_contact_directory_reads WHERE business_id = $1', [businessId]);
  }

  /** Rewrites every value sealed with an old key with TOKEN_ENCRYPTION_KEY; returns how many rows changed. */
  async reencryptAll(): Promise<{ connections: number; states: number }> {
    let connections = 0;
    const { rows } = await this.db.query<Row>('SELECT * FROM xero_connections');
    for (const row of rows) {
      const stale = SEALED_COLUMNS.filter((col) => row[col] !== null && this.cipher.isStale(row[col]!));
      if (stale.length === 0) continue;
      const values = stale.map((col) =>
        this.seal(row.business_id, col, this.open(row.business_id, col, row[col])),
      );
      // Only if those values did not change meanwhile (a refresh, which seals with the new key anyway).
      const set = stale.map((col, i) => `${col} = $${i + 2}`).join(', ');
      const where = stale.map((col, i) => `${col} = $${i + 2 + stale.length}`).join(' AND ');
      const result = await this.db.query(
        `UPDATE xero_connections SET ${set} WHERE business_id = $1 AND ${where}`,
        [row.business_id, ...values, ...stale.map((col) => row[col])],
      );
      connections += result.rowCount ?? 0;
    }
    // Consent in progress lasts minutes: states sealed with an old key are simply dropped.
    const states = await this.db.query<{ state_hash: string; code_verifier_enc: string }>(
      'SELECT state_hash, code_verifier_enc FROM xero_oauth_states',
    );
    let dropped = 0;
    for (const s of states.rows) {
      if (!this.cipher.isStale(s.code_verifier_enc)) continue;
      await this.db.query('DELETE FROM xero_oauth_states WHERE state_hash = $1', [s.state_hash]);
      dropped += 1;
    }
    return { connections, states: dropped };
  }

  async saveOAuthState(
    state: string,
    businessId: string,
    codeVerifier: string,
    expiresAt: Date,
  ): Promise<void> {
    const hash = stateHash(state);
    await this.db.query('DELETE FROM xero_oauth_states WHERE expires_at < now()');
    await this.db.query(
      `INSERT INTO xero_oauth_states (state_hash, business_id, code_verifier_enc, expires_at)
       VALUES ($1, $2, $3, $4)`,
      [hash, businessId, this.cipher.encrypt(codeVerifier, context(hash, 'code_verifier_enc')), expiresAt],
    );
  }

  /** Uses up a state: deleted as it is read, so a replayed callback finds nothing. Null if unknown or expired. */
  async takeOAuthState(state: string): Promise<{ businessId: string; codeVerifier: string } | null> {
    const hash = stateHash(state);
    const { rows } = await this.db.query<{
      business_id: string;
      code_verifier_enc: string;
      expired: boolean;
    }>(
      `DELETE FROM xero_oauth_states WHERE state_hash = $1
       RETURNING business_id, code_verifier_enc, expires_at < now() AS expired`,
      [hash],
    );
    const row = rows[0];
    if (!row || row.expired) return null;
    return {
      businessId: row.business_id,
      codeVerifier: this.cipher.decrypt(row.code_verifier_enc, context(hash, 'code_verifier_enc')),
    };
  }
}

function stateHash(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}
