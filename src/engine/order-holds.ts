/**
 * SQL expressions for what already holds an order of a range in Xero: its per-order ledger row, the daily summary
 * invoice holding it. Each is a scalar subquery correlated with the order, which PostgreSQL never turns into a
 * join: it runs per order as primary-key probes, whatever the planner believes of the tables. As joins, a plan
 * made without statistics (orders or summaries bulk-written and not yet analysed by autovacuum, or a business whose
 * dates lie past its table's histogram: the range estimated at one order) ran the whole summary join, or read the
 * business's whole ledger, once per order: a year's nothing-to-send check took minutes (docs/performance.md,
 * "Plans that do not depend on statistics"). Use them for statements over a range's orders.
 */

/** The stage of the summary a `summary_orders` row names: one primary-key probe. */
export const summaryStageOf = (so: string): string =>
  `(SELECT x.stage FROM summaries x WHERE x.business_id = ${so}.business_id AND x.number = ${so}.number)`;

/** The order's per-order ledger status (null: none), one primary-key probe. */
export const ledgerStatusOf = (o: string): string =>
  `(SELECT l.status FROM order_ledger l WHERE l.business_id = ${o}.business_id AND l.order_id = ${o}.id)`;

/**
 * The number of the daily summary invoice holding the order (null: none). A summary Xero refused holds none: its
 * orders are released to the next (issue 23).
 */
export const summaryInvoiceOf = (o: string): string =>
  `(SELECT h.number FROM summary_orders h WHERE h.business_id = ${o}.business_id AND h.order_id = ${o}.id
      AND h.kind = 'invoice' AND ${summaryStageOf('h')} <> 'failed' LIMIT 1)`;

/** Whether a `summary_orders` row of the order passes `filter` (on `so`), counted by its primary key's prefix. */
export const heldBy = (o: string, filter: string): string =>
  `((SELECT count(*) FROM summary_orders so WHERE so.business_id = ${o}.business_id AND so.order_id = ${o}.id
      AND ${filter}) > 0)`;
