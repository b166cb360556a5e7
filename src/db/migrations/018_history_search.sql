-- Searching the history log by an order's number or its invoice number (GET /api/sync-requests?search=…, issue 25):
-- case-insensitive lookups of a business's orders and invoices, so a search reads a few index entries, then each
-- candidate request's order results by their primary key.
CREATE INDEX orders_by_number ON orders (business_id, lower(number));
CREATE INDEX order_ledger_by_invoice_number ON order_ledger (business_id, lower(invoice_number));
