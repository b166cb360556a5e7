-- What Xero holds for an order's invoice, as Xero answered it (docs/reconciliation.md): its Total, kept when the
-- invoice is written or found. NULL for orders synced before: the reconciliation then reads the order's total,
-- which the invoice's money check confirmed at the time (a mismatch is in money_checks).
ALTER TABLE order_ledger ADD COLUMN xero_total numeric(19, 4);
