-- A disconnect forgets every token and secret of the connection, whatever its kind. 005 required a Custom
-- Connection's client id and secret on every row, so forgetting them failed the constraint (and the disconnect
-- answered 500 while the secrets stayed stored). They are required only while the connection is not disconnected.
ALTER TABLE xero_connections DROP CONSTRAINT IF EXISTS xero_connections_check;
ALTER TABLE xero_connections ADD CONSTRAINT xero_connections_custom_credentials
  CHECK (kind <> 'custom' OR status = 'disconnected'
         OR (client_id_enc IS NOT NULL AND client_secret_enc IS NOT NULL));
-- A disconnected row holds nothing that opens anything in Xero.
ALTER TABLE xero_connections ADD CONSTRAINT xero_connections_disconnected_forgets
  CHECK (status <> 'disconnected'
         OR (access_token_enc IS NULL AND refresh_token_enc IS NULL
             AND client_id_enc IS NULL AND client_secret_enc IS NULL));
