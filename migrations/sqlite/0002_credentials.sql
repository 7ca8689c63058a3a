-- Every credential kind, and secrets that may be encrypted at rest.
--
-- `token_url`: where OAuth 2.0 tokens are renewed (NULL for other methods).
-- `auth_user` now holds the non-secret name of every method: the basic user, the OAuth 1.0a
-- consumer key, the OAuth 2.0 client id or the Connect JWT issuer.
-- `secret` becomes a versioned bundle of the method's secret fields:
--   plain:v1:<JSON>                                   kept in clear (no SECRET_KEY)
--   sealed:v1:<base64(nonce || AES-256-GCM(JSON))>    sealed with SECRET_KEY, bound to the row
-- JSON fields: pat {token}; basic {secret}; oauth1 {private_key_pem, access_token,
-- token_secret}; oauth2 {client_secret, refresh_token}; connect-jwt {shared_secret}.

ALTER TABLE integrations ADD COLUMN token_url TEXT;

UPDATE integrations SET secret = 'plain:v1:' || json_object('token', secret)
 WHERE auth_method = 'pat';

UPDATE integrations SET secret = 'plain:v1:' || json_object('secret', secret)
 WHERE auth_method = 'basic';
