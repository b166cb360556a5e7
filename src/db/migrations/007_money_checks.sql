-- Money checks (src/sync/money-checks.ts): where an amount Xero answered (invoice total or tax, credit note total
-- or tax, allocation, payment, refund) differs from the order's, one message per kind, e.g.
-- {"invoice": "Xero's total 11.90 differs from the order's 11.00"}. NULL when every answer agreed.
-- Numbered 007: 006 is kept free for the sync-engine rewrite.
ALTER TABLE order_ledger ADD COLUMN money_checks jsonb;
