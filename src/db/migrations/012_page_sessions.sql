-- The merchant page (Manual Syncing). The platform's backend, holding the business's API key, asks for a page
-- link; the link works once and briefly, and opens a browser session for that one business. Only SHA-256 hashes
-- of the link token and of the session secret are kept (both are 32 random bytes: nothing to brute-force).
CREATE TABLE page_links (
  token_hash  bytea PRIMARY KEY,
  business_id text NOT NULL REFERENCES businesses (id),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX page_links_by_expiry ON page_links (expires_at);

CREATE TABLE page_sessions (
  secret_hash bytea PRIMARY KEY,
  business_id text NOT NULL REFERENCES businesses (id),
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX page_sessions_by_expiry ON page_sessions (expires_at);

-- The page's live updates read, once a second per API process, the open requests of the businesses that have a
-- page open, and the requests whose row changed since the last look. sync_requests changes only on state
-- changes, so these indexes cost the sync nothing measurable (progress rows, written on every call, get none).
CREATE INDEX sync_requests_open_by_business ON sync_requests (business_id) WHERE closed_at IS NULL;
CREATE INDEX sync_requests_by_update ON sync_requests (updated_at);
