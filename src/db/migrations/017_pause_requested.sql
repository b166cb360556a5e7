-- A pause the workflow accepted, kept where the step in flight can read it (issue 24): the orders walk and the
-- contacts step look before each page and before each Xero call, and stop there. Set by the workflow's pause
-- handler before it answers, cleared by its resume handler before the next step starts; the API's `pausing` is
-- this flag while the request is not yet paused.
ALTER TABLE sync_requests ADD COLUMN pause_requested boolean NOT NULL DEFAULT false;
