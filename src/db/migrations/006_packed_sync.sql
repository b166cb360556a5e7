-- The packed sync engine: work is packed by Xero calls across days, not by calendar batches.

-- Each request's live progress, written by its activities as they go (so reads never ask the worker) and kept
-- incrementally: the outcome counts by the trigger below, the Xero calls by the limiter as each call starts.
CREATE TABLE sync_request_progress (
  request_id     text PRIMARY KEY,
  synced         integer NOT NULL DEFAULT 0,
  failed         integer NOT NULL DEFAULT 0,
  skipped        integer NOT NULL DEFAULT 0,
  xero_calls     integer NOT NULL DEFAULT 0,
  -- What the request expects to do, from the same call plan the preview shows.
  expected       integer,
  planned_calls  integer,
  phase          text NOT NULL DEFAULT 'queued',
  contacts_total integer NOT NULL DEFAULT 0,
  contacts_done  integer NOT NULL DEFAULT 0,
  -- placed_at of the last order the walk has passed: the local date the sync has reached.
  reached_at     timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Statement-level, with transition tables: one update of the counts row per statement, however many rows (a page
-- of 50 outcomes is one statement), so the counts stay cheap and do not contend row by row.
CREATE FUNCTION sync_request_orders_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_request_progress AS p (request_id, synced, failed, skipped, updated_at)
  SELECT request_id, sum(ds), sum(df), sum(dk), now() FROM (
    SELECT n.request_id, (n.outcome = 'synced')::int AS ds, (n.outcome = 'failed')::int AS df,
           (n.outcome = 'skipped')::int AS dk FROM new_rows n
    UNION ALL
    SELECT o.request_id, -(o.outcome = 'synced')::int, -(o.outcome = 'failed')::int, -(o.outcome = 'skipped')::int
    FROM old_rows o
  ) d GROUP BY request_id
  ON CONFLICT (request_id) DO UPDATE SET
    synced = p.synced + EXCLUDED.synced,
    failed = p.failed + EXCLUDED.failed,
    skipped = p.skipped + EXCLUDED.skipped,
    updated_at = now();
  RETURN NULL;
END $$;

-- Inserts have no old rows; a trigger with transition tables takes one event, so each event has its own.
CREATE FUNCTION sync_request_orders_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_request_progress AS p (request_id, synced, failed, skipped, updated_at)
  SELECT request_id, count(*) FILTER (WHERE outcome = 'synced'), count(*) FILTER (WHERE outcome = 'failed'),
         count(*) FILTER (WHERE outcome = 'skipped'), now()
  FROM new_rows GROUP BY request_id
  ON CONFLICT (request_id) DO UPDATE SET
    synced = p.synced + EXCLUDED.synced,
    failed = p.failed + EXCLUDED.failed,
    skipped = p.skipped + EXCLUDED.skipped,
    updated_at = now();
  RETURN NULL;
END $$;

CREATE TRIGGER sync_request_orders_inserted AFTER INSERT ON sync_request_orders
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sync_request_orders_inserted();
CREATE TRIGGER sync_request_orders_updated AFTER UPDATE ON sync_request_orders
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sync_request_orders_counted();

-- Counts of requests recorded before this migration.
INSERT INTO sync_request_progress (request_id, synced, failed, skipped)
SELECT request_id, count(*) FILTER (WHERE outcome = 'synced'), count(*) FILTER (WHERE outcome = 'failed'),
       count(*) FILTER (WHERE outcome = 'skipped')
FROM sync_request_orders GROUP BY request_id
ON CONFLICT DO NOTHING;

-- Follow-up writes waiting to fill a Xero batch: payments (and refunds paid out of credit notes) share PUT
-- /Payments, credit notes go 50 to a PUT, allocations one per credit note. Rows leave when written. The ledger's
-- claims stay the exactly-once authority; this is only the work list.
CREATE TABLE sync_work (
  request_id text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('payments', 'refund', 'credit_note', 'allocation')),
  order_id   text NOT NULL,
  placed_at  timestamptz NOT NULL,
  -- How many elements the order adds to its batch (an order paid two ways: 2 payments).
  elements   integer NOT NULL DEFAULT 1,
  PRIMARY KEY (request_id, kind, order_id)
);
CREATE INDEX sync_work_by_order ON sync_work (request_id, kind, placed_at, order_id);

-- Claims carry who holds them and since when. A claim of an earlier attempt of the same request is taken over at
-- once (Temporal gave up on that attempt before retrying); another request's claim only once it is stale (it may
-- have a write in flight). The credit note's allocation and refund get claims of their own.
ALTER TABLE order_ledger
  ADD COLUMN payments_claimed_by    text,
  ADD COLUMN payments_claimed_at    timestamptz,
  ADD COLUMN credit_note_claimed_by text,
  ADD COLUMN credit_note_claimed_at timestamptz,
  ADD COLUMN refund_status          text NOT NULL DEFAULT 'none' CHECK (refund_status IN ('none', 'pending', 'done')),
  ADD COLUMN refund_claimed_by      text,
  ADD COLUMN refund_claimed_at      timestamptz,
  ADD COLUMN allocation_status      text NOT NULL DEFAULT 'none'
    CHECK (allocation_status IN ('none', 'pending', 'done')),
  ADD COLUMN allocation_claimed_by  text,
  ADD COLUMN allocation_claimed_at  timestamptz;
-- Before this migration credit_note_status 'done' meant note, allocation and refund all written.
UPDATE order_ledger SET refund_status = 'done', allocation_status = 'done' WHERE credit_note_status = 'done';
-- A note created but not finished: its allocation and refund are unknown, to be settled by asking Xero.
UPDATE order_ledger SET credit_note_status = 'done', refund_status = 'pending', allocation_status = 'pending',
  refund_claimed_at = '-infinity', allocation_claimed_at = '-infinity'
WHERE credit_note_status = 'pending' AND credit_note_id IS NOT NULL;

-- A contact name the request could not use (archived in Xero) is remembered with the reason; a name found missing
-- is remembered until it is created (contact_id NULL, error NULL).
ALTER TABLE request_contacts ALTER COLUMN contact_id DROP NOT NULL, ADD COLUMN error text, ADD COLUMN spelling text;

-- Daily quota knowledge per organisation: when the window resets (exact from a day-429's Retry-After, or learnt
-- from X-DayLimit-Remaining rising), when the next probe may spend a call, the largest remaining seen (the limit),
-- and how many contacts the organisation has (for choosing how to find contacts).
ALTER TABLE xero_tenant_pacing
  ADD COLUMN probe_at        timestamptz,
  ADD COLUMN day_limit_seen  integer,
  ADD COLUMN contacts_count  integer,
  ADD COLUMN contacts_seen_at timestamptz;
