import type { RequestSummaries } from '../contract';
import type { Db } from '../db/pool';

/**
 * A daily-summary request's summaries for its detail (issue 23): counted from the summaries' ledger (migration
 * 020), with every money check that differed (Xero's total against the sum of the summary's orders).
 */
export async function requestSummaries(
  db: Db,
  businessId: string,
  requestId: string,
): Promise<RequestSummaries> {
  const [counts, differences] = await Promise.all([
    db.query<Omit<RequestSummaries, 'differences'>>(
      `SELECT count(*) FILTER (WHERE kind = 'invoice')::int AS invoices,
              count(*) FILTER (WHERE kind = 'credit_note')::int AS "creditNotes",
              count(*) FILTER (WHERE adjustment > 0)::int AS adjustments,
              count(*) FILTER (WHERE stage = 'done')::int AS written,
              count(*) FILTER (WHERE stage = 'failed')::int AS failed
       FROM summaries WHERE business_id = $1 AND request_id = $2`,
      [businessId, requestId],
    ),
    db.query<RequestSummaries['differences'][number]>(
      `SELECT number, expected_total AS expected, xero_total AS xero, difference FROM summaries
       WHERE business_id = $1 AND request_id = $2 AND difference IS NOT NULL ORDER BY local_date, number LIMIT 50`,
      [businessId, requestId],
    ),
  ]);
  return { ...counts.rows[0]!, differences: differences.rows };
}
