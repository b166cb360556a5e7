-- What each Xero organisation said of itself (GET /Organisation, and GET /Currencies when it was asked), with when
-- it said it: base and enabled currencies, plan (Class), short code and lock dates (src/sync/organisation.ts).
-- Written by each request's start, by the preview and by the settings check; read by GET /api/business.
CREATE TABLE xero_organisation_facts (
  tenant_id  text PRIMARY KEY,
  facts      jsonb NOT NULL,
  read_at    timestamptz NOT NULL
);

-- The facts a request runs by, taken at its start: its steps, their retries and later steps (after a quota wait
-- or a continue-as-new) use the same facts without asking Xero again, and the workflow's input stays as it was.
CREATE TABLE sync_request_facts (
  request_id text PRIMARY KEY,
  facts      jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
