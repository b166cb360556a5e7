-- Every sync request, kept beyond Temporal's retention for the history log.
CREATE TABLE sync_requests (
  id              text PRIMARY KEY,
  business_id     text NOT NULL REFERENCES businesses (id),
  channel         text NOT NULL,
  location_id     text,
  start_date      date NOT NULL,
  end_date        date NOT NULL,
  input           jsonb NOT NULL,
  state           text NOT NULL DEFAULT 'queued',
  progress        jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_requests_by_business ON sync_requests (business_id, created_at DESC, id DESC);

-- The exactly-once ledger: one row per order, what Xero holds for it. Written before (pending) and after
-- (synced/failed) every Xero write, so a crash between the two is resolved by asking Xero, never by guessing.
CREATE TABLE order_ledger (
  business_id         text NOT NULL,
  order_id            text NOT NULL,
  status              text NOT NULL CHECK (status IN ('pending', 'synced', 'failed')),
  request_id          text NOT NULL,
  invoice_number      text NOT NULL,
  xero_invoice_id     text,
  xero_contact_id     text,
  -- Payments and the credit note follow the invoice, each with its own claim: none -> pending -> done.
  payments_status     text NOT NULL DEFAULT 'none' CHECK (payments_status IN ('none', 'pending', 'done')),
  payment_ids         text[] NOT NULL DEFAULT '{}',
  credit_note_status  text NOT NULL DEFAULT 'none' CHECK (credit_note_status IN ('none', 'pending', 'done')),
  credit_note_id      text,
  error               text,
  attempts            integer NOT NULL DEFAULT 0,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (business_id, order_id)
);
CREATE INDEX order_ledger_by_request ON order_ledger (request_id, status);

-- What each request did with each order it saw (synced, failed or skipped), for per-order results.
CREATE TABLE sync_request_orders (
  request_id      text NOT NULL,
  order_id        text NOT NULL,
  outcome         text NOT NULL CHECK (outcome IN ('synced', 'failed', 'skipped')),
  error           text,
  xero_invoice_id text,
  invoice_number  text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, order_id)
);
CREATE INDEX sync_request_orders_by_outcome ON sync_request_orders (request_id, outcome, order_id);

-- Contacts a request has resolved (auto-match by name), so later batches of the run skip the lookup.
CREATE TABLE request_contacts (
  request_id text NOT NULL,
  name_key   text NOT NULL,
  contact_id text NOT NULL,
  PRIMARY KEY (request_id, name_key)
);
