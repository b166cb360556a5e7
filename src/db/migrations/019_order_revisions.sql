-- Revisions of orders already in Xero (docs/revisions.md). orders.payload stays the content the order was first
-- synced with (its invoice and that sync's payments and credit note follow it); each later import with other
-- content is a revision here, and what it changed is a list of changes in order_changes for a sync to apply once.
ALTER TABLE orders ADD COLUMN revision integer NOT NULL DEFAULT 0;

CREATE TABLE order_revisions (
  business_id text NOT NULL,
  order_id    text NOT NULL,
  revision    integer NOT NULL,
  payload     jsonb NOT NULL,
  -- What the import reported as changed, one line each.
  changes     text[] NOT NULL,
  import_run  text,
  import_line integer,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (business_id, order_id, revision),
  FOREIGN KEY (business_id, order_id) REFERENCES orders (business_id, id)
);

-- One row per change to bring to Xero (a payment, a refund, a void, an update of the invoice), keyed so that the
-- same change imported again adds nothing. A sync claims a row (pending) before its writes and marks it done
-- with what Xero holds for it (`xero`: the ids and amounts Xero returned); a pending row found later is settled by
-- asking Xero first. `failed` rows keep the reason and what to do; a later sync tries them again.
CREATE TABLE order_changes (
  business_id text NOT NULL,
  order_id    text NOT NULL,
  change_key  text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('payment', 'refund', 'void', 'amend')),
  revision    integer NOT NULL,
  detail      jsonb NOT NULL,
  status      text NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'pending', 'done', 'failed')),
  claimed_by  text,
  claimed_at  timestamptz,
  xero        jsonb,
  error       text,
  request_id  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (business_id, order_id, change_key),
  FOREIGN KEY (business_id, order_id) REFERENCES orders (business_id, id)
);
CREATE INDEX order_changes_open ON order_changes (business_id, order_id) WHERE status <> 'done';
