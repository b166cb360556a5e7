-- API keys: one business each. Only a SHA-256 of the secret is kept (keys are 32 random bytes, so a fast hash
-- is enough; there is nothing to brute-force). The prefix is the public part used to find the row.
CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  business_id  text NOT NULL REFERENCES businesses (id),
  secret_hash  bytea NOT NULL,
  label        text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_keys_by_business ON api_keys (business_id);

-- The history log beyond Temporal's retention: each request's row is written at submission and its state and
-- progress are recorded by the workflow on every state change.
ALTER TABLE sync_requests
  ADD COLUMN idempotency_key text,
  ADD COLUMN body_hash       text,
  ADD COLUMN retry_of        text REFERENCES sync_requests (id),
  ADD COLUMN closed_at       timestamptz;
CREATE UNIQUE INDEX sync_requests_idempotency ON sync_requests (business_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
