-- The organisation's measured send rate (issue 24): the ETA assumed the minute budget's pace, and a sync that
-- goes slower (Xero's latency, a busy worker) finished long after its ETA. Each call the limiter starts counts
-- here: the calls started since `rate_since` (not counting the first), the start of the latest. Gaps longer than
-- two minute windows (a quota wait) and the probes of a spent budget are left out, so the rate is that of sending;
-- an old measure is halved so it follows a change of pace. src/requests/progress.ts (sendRate) reads it.
ALTER TABLE xero_tenant_pacing
  ADD COLUMN rate_since    timestamptz,
  ADD COLUMN rate_calls    integer NOT NULL DEFAULT 0,
  ADD COLUMN last_start_at timestamptz;
