-- The manual contact picker's own index of the organisation's contacts (issue 25): Xero's searchTerm is
-- case-insensitive but not accent-insensitive, so the picker searches a local copy whose `folded` text has its
-- accents and case removed (src/xero/contact-directory.ts). One copy per business, read from Xero's paged
-- summary directory and refreshed when older than a few minutes or of another organisation.
CREATE TABLE xero_contact_directory (
  business_id text NOT NULL,
  contact_id text NOT NULL,
  name text NOT NULL,
  status text NOT NULL,
  email text,
  account_number text,
  -- Name, first and last name, contact number and email (what Xero's searchTerm reads), folded.
  folded text NOT NULL,
  PRIMARY KEY (business_id, contact_id)
);

CREATE TABLE xero_contact_directory_reads (
  business_id text PRIMARY KEY,
  tenant_id text NOT NULL,
  read_at timestamptz NOT NULL
);

-- The manual contact's name as Xero had it when the request was submitted, for its row and detail.
ALTER TABLE sync_requests ADD COLUMN contact_name text;
