-- Daily summaries (issue 23, docs/revisions.md "Daily summaries"): one Xero document per channel, location, local
-- day, currency and contact, and the orders each holds. `number` is the document's number in Xero (unique per
-- organisation, and the idempotency key: a write whose outcome is unknown is looked up by it before writing
-- again). An order imported later for a day already summarised goes into an adjustment summary of its own
-- (`adjustment` 1, 2, ...), never into the posted one.
CREATE TABLE summaries (
  business_id   text NOT NULL,
  number        text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
  -- The number of the day's first summary of this key: its adjustments share it.
  base_number   text NOT NULL,
  adjustment    integer NOT NULL DEFAULT 0,
  local_date    text NOT NULL,
  channel       text NOT NULL,
  location_id   text NOT NULL,
  currency      text NOT NULL,
  request_id    text NOT NULL,
  -- document: the invoice or credit note is to write; follow_ups: its payments (allocations, refund payments);
  -- done; failed (error says why and what to do).
  stage         text NOT NULL DEFAULT 'document' CHECK (stage IN ('document', 'follow_ups', 'done', 'failed')),
  -- A write of the current stage may have reached Xero (a crash, a fault): Xero is asked before writing again.
  tried         boolean NOT NULL DEFAULT false,
  -- What is written, exactly as built (a retry writes the same document and payments).
  document      jsonb NOT NULL,
  order_count   integer NOT NULL,
  expected_total text NOT NULL,
  expected_tax  text NOT NULL,
  xero_id       text,
  xero_total    text,
  xero_tax      text,
  -- Xero's total minus the sum of its orders when they differ (the money check); null when equal.
  difference    text,
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (business_id, number)
);
CREATE INDEX summaries_request ON summaries (request_id);
CREATE INDEX summaries_base ON summaries (business_id, base_number);

-- Which summary holds each order: an order is in at most one summary invoice and one refund credit note.
CREATE TABLE summary_orders (
  business_id text NOT NULL,
  order_id    text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
  number      text NOT NULL,
  PRIMARY KEY (business_id, order_id, kind),
  FOREIGN KEY (business_id, number) REFERENCES summaries (business_id, number)
);
CREATE INDEX summary_orders_number ON summary_orders (business_id, number);
