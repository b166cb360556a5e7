-- Undo of a request (issue 27 part 2, docs/undo.md). One row per request that was ever undone: its workflow, the
-- state it last recorded, how many times it was started (a cancelled undo is started again to finish), and a
-- cancel accepted, which the step in flight reads before each take-back and stops at.
CREATE TABLE request_undos (
  request_id       text PRIMARY KEY REFERENCES sync_requests (id),
  business_id      text NOT NULL,
  undo_id          text NOT NULL,
  state            text NOT NULL DEFAULT 'queued',
  runs             integer NOT NULL DEFAULT 1,
  -- Set once the take-backs are listed (the first step of the first run reads Xero and writes undo_items).
  planned          boolean NOT NULL DEFAULT false,
  cancel_requested boolean NOT NULL DEFAULT false,
  resume_at        timestamptz,
  last_error       text,
  started_at       timestamptz NOT NULL DEFAULT now(),
  closed_at        timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_undos_by_business ON request_undos (business_id, state);

-- The undo's ledger: one row per take-back (a payment or refund to delete, an allocation to remove, a credit note
-- or invoice to void or delete), written before (pending, with the attempt that holds it) and after (done, or
-- left with the reason) each Xero write under `idempotency_key`. A pending row found later means the outcome of
-- that write is unknown: Xero is read back before anything is written again. `grp` is what is taken back whole or
-- left whole: the order (per-order requests) or the summary's number (daily summaries).
CREATE TABLE undo_items (
  request_id      text NOT NULL,
  item_key        text NOT NULL,
  -- 1 payments and refunds, 2 allocations, 3 credit notes, 4 invoices: Xero's order.
  phase           integer NOT NULL CHECK (phase BETWEEN 1 AND 4),
  kind            text NOT NULL CHECK (kind IN ('payment', 'refund', 'allocation', 'credit_note', 'invoice')),
  action          text NOT NULL CHECK (action IN ('delete', 'void', 'remove')),
  xero_id         text NOT NULL,
  -- The credit note an allocation or refund belongs to; the invoice a payment is on.
  parent_id       text,
  grp             text NOT NULL,
  order_id        text,
  order_number    text,
  number          text,
  amount          text,
  status          text NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'pending', 'done', 'left')),
  reason          text,
  detail          text,
  claimed_by      text,
  idempotency_key text NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_id, item_key)
);
CREATE INDEX undo_items_walk ON undo_items (request_id, phase, status);

-- Which contacts a request created (auto-match), so an undo can list them as left in place. Rows written before
-- this migration do not say (false).
ALTER TABLE request_contacts ADD COLUMN created boolean NOT NULL DEFAULT false;

-- A daily summary an undo took back (its documents voided in Xero): its orders leave summary_orders, so they can be
-- summarised again; the row stays (its number is Xero's still), and the next summary of its key is numbered after it.
ALTER TABLE summaries ADD COLUMN undone_by text;
