-- Signed webhooks to the platform (src/webhooks). An endpoint belongs to one business; its signing secret is
-- sealed like the Xero tokens (src/xero/token-crypto.ts), and after a rotation the previous one keeps signing
-- beside it until previous_expires_at.
CREATE TABLE webhook_endpoints (
  id                   text PRIMARY KEY,
  business_id          text NOT NULL REFERENCES businesses (id),
  url                  text NOT NULL,
  events               text[] NOT NULL,
  description          text,
  secret_enc           text NOT NULL,
  previous_secret_enc  text,
  previous_expires_at  timestamptz,
  secret_rotated_at    timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_by_business ON webhook_endpoints (business_id);

-- One row per event that had a subscriber; its id is the webhook-id receivers de-duplicate on, derived from the
-- workflow's activity that recorded the state change, so a retried activity makes the same event.
CREATE TABLE webhook_events (
  id          text PRIMARY KEY,
  business_id text NOT NULL,
  request_id  text NOT NULL,
  type        text NOT NULL,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- One delivery per (event, endpoint), run by its own Temporal workflow (id = this id); the log the API shows.
CREATE TABLE webhook_deliveries (
  id               text PRIMARY KEY,
  seq              bigserial UNIQUE,
  endpoint_id      text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id         text NOT NULL REFERENCES webhook_events (id),
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz,
  last_status_code integer,
  last_error       text,
  delivered_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, seq DESC);

CREATE TABLE webhook_attempts (
  delivery_id text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt     integer NOT NULL,
  started_at  timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  error       text,
  PRIMARY KEY (delivery_id, attempt)
);

-- The API's /metrics counts open requests by state at every scrape.
CREATE INDEX sync_requests_open ON sync_requests (state) WHERE closed_at IS NULL;
