-- Changes of orders inside posted daily summaries (issue 26 meets issue 23; docs/revisions.md "Daily summaries"):
-- a later refund or void of a summarised order goes into an adjustment credit note of its summary's key and the
-- change's own day. An order may then sit in several credit notes, one per change: `change_key` names the change
-- (order_changes.change_key) a credit note holds the order for; '' is the order's own refund, summarised with it.
ALTER TABLE summary_orders ADD COLUMN change_key text NOT NULL DEFAULT '';
ALTER TABLE summary_orders DROP CONSTRAINT summary_orders_pkey;
ALTER TABLE summary_orders ADD PRIMARY KEY (business_id, order_id, kind, change_key);
