-- The per-tenant Xero limiter, shared by every worker and API process through PostgreSQL.
-- Pacing: each call reserves the next free start time (spaced window/budget apart); 429s push it back.
CREATE TABLE xero_tenant_pacing (
  tenant_id       text PRIMARY KEY,
  next_slot_at    timestamptz NOT NULL DEFAULT now(),
  blocked_until   timestamptz,
  -- Last X-DayLimit-Remaining seen, and when: the daily budget the tenant has left.
  day_remaining   integer,
  day_observed_at timestamptz,
  -- Learnt from a daily-limit 429's Retry-After: when the tenant's daily window resets.
  day_reset_at    timestamptz
);

-- Concurrency: a fixed set of lease slots per tenant; a call holds one while in flight. A crashed holder's
-- lease expires, so a SIGKILLed worker never blocks a tenant for longer than the lease.
CREATE TABLE xero_tenant_leases (
  tenant_id  text NOT NULL,
  slot       integer NOT NULL,
  holder     text,
  expires_at timestamptz,
  PRIMARY KEY (tenant_id, slot)
);
