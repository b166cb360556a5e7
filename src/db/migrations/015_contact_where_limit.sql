-- Large organisations: Xero refuses a contacts `where` it deems inefficient with HighVolumeException, and does not
-- say how many names one may hold. What the organisation showed is remembered, so that no later request of any
-- business on it asks the same again: the fewest names of a `where` it refused (NULL: none refused yet), and the
-- most it answered since (NULL: none yet). src/sync/packing.ts (whereGroupSize) decides from both.
ALTER TABLE xero_tenant_pacing
  ADD COLUMN contact_where_refused  integer,
  ADD COLUMN contact_where_answered integer;
