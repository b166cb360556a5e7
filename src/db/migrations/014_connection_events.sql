-- Webhook events about a business's Xero connection (xero_connection.needs_reconnect, sent by the keep-alive) are
-- about no sync request.
ALTER TABLE webhook_events ALTER COLUMN request_id DROP NOT NULL;
