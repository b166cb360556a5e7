-- Large organisations: Xero refuses a contacts `where` it deems inefficient with HighVolumeException. The most
-- names one lookup may OR for the organisation once it refused one (NULL: none refused; 0: no `where` at all,
-- searchTerm or the directory instead), remembered so that no later request of any business on it asks again.
ALTER TABLE xero_tenant_pacing ADD COLUMN contact_where_limit integer;
