-- Each business's current Xero connection: an OAuth 2.0 app connection (authorization code + refresh token) or a
-- Custom Connection (client_credentials with the business's own client id and secret). Every token and secret is
-- sealed with AES-256-GCM (src/xero/token-crypto.ts): the *_enc columns never hold plaintext.
-- businesses.xero_tenant_id is kept equal to tenant_id while the connection exists (NULL once disconnected).
CREATE TABLE xero_connections (
  business_id          text PRIMARY KEY REFERENCES businesses (id),
  kind                 text NOT NULL CHECK (kind IN ('oauth', 'custom')),
  tenant_id            text NOT NULL,
  tenant_name          text,
  -- The id of the connection in Xero's GET /connections (what DELETE /connections/{id} takes).
  xero_connection_id   text,
  access_token_enc     text,
  expires_at           timestamptz,
  refresh_token_enc    text,
  client_id_enc        text,
  client_secret_enc    text,
  status               text NOT NULL CHECK (status IN ('active', 'needs_reconnect', 'disconnected')),
  last_error           text,
  refreshed_at         timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'custom' OR (client_id_enc IS NOT NULL AND client_secret_enc IS NOT NULL)),
  CHECK (kind <> 'oauth' OR status <> 'active' OR refresh_token_enc IS NOT NULL)
);

-- OAuth consent in progress: the state parameter (only its SHA-256 is kept), the business it is for and the
-- PKCE code verifier (sealed). Deleted when the callback uses it, so a state works once.
CREATE TABLE xero_oauth_states (
  state_hash          text PRIMARY KEY,
  business_id         text NOT NULL REFERENCES businesses (id),
  code_verifier_enc   text NOT NULL,
  expires_at          timestamptz NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX xero_oauth_states_by_expiry ON xero_oauth_states (expires_at);
