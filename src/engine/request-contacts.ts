import type { Db } from '../db/pool';

/**
 * The contacts a request resolved (table request_contacts), by contact key: found or created in Xero (contactId),
 * unusable (error: archived, refused), or found missing and not created yet (neither). Written as each Xero answer
 * arrives, so a retried step picks up where the last one stopped.
 */
export type ContactResolution =
  | { contactId: string; error?: undefined }
  | { contactId?: undefined; error: string }
  | { contactId?: undefined; error?: undefined; missing: true };

export interface ResolvedRow {
  key: string;
  /** The spelling a created contact gets (the first one the request's orders used). */
  spelling: string;
  resolution: ContactResolution;
  /** This request created it in Xero (an undo lists it as left in place). */
  created?: boolean;
}

export async function loadRequestContacts(
  db: Db,
  requestId: string,
  keys?: string[],
): Promise<Map<string, ContactResolution>> {
  const params: unknown[] = [requestId];
  let where = 'request_id = $1';
  if (keys) {
    params.push(keys);
    where += ' AND name_key = ANY($2)';
  }
  const { rows } = await db.query<{ name_key: string; contact_id: string | null; error: string | null }>(
    `SELECT name_key, contact_id, error FROM request_contacts WHERE ${where}`,
    params,
  );
  return new Map(
    rows.map((r) => [
      r.name_key,
      r.contact_id ? { contactId: r.contact_id } : r.error ? { error: r.error } : { missing: true as const },
    ]),
  );
}

export async function saveRequestContacts(db: Db, requestId: string, rows: ResolvedRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO request_contacts (request_id, name_key, spelling, contact_id, error, created)
     SELECT $1, k, s, c, e, n FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bool[]) AS t(k, s, c, e, n)
     ON CONFLICT (request_id, name_key) DO UPDATE SET contact_id = EXCLUDED.contact_id, error = EXCLUDED.error,
       created = request_contacts.created OR EXCLUDED.created`,
    [
      requestId,
      rows.map((r) => r.key),
      rows.map((r) => r.spelling),
      rows.map((r) => r.resolution.contactId ?? null),
      rows.map((r) => r.resolution.error ?? null),
      rows.map((r) => r.created === true),
    ],
  );
}
