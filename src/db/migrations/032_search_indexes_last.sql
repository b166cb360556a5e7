-- The history search's indexes (migration 018) led with business_id, so the planner could take them for any
-- statement that names a business and a set of orders: the engine's ledger statements (`business_id = $1 AND
-- order_id = ANY($2)`, per page of orders) and the follow-ups' order reads walked every ledger row (or order) of the
-- business through them, a page's cost growing with the business's ledger (bench P5: 7,300 index entries read per
-- scan, 3.7 million over one 10,000-order request). Led by the searched text instead, they still serve the search
-- (`business_id = $1 AND lower(invoice_number) = lower($2)`: both equalities) and nothing else; the primary keys
-- serve the engine.
DROP INDEX order_ledger_by_invoice_number;
CREATE INDEX order_ledger_by_invoice_number ON order_ledger (lower(invoice_number), business_id);
DROP INDEX orders_by_number;
CREATE INDEX orders_by_number ON orders (lower(number), business_id);
