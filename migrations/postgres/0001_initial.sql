-- The whole schema of jira-search on PostgreSQL, as SQLite's migrations 0001 to 0005 leave
-- it (migrations/sqlite/), with PostgreSQL's types. This file is never rewritten once
-- released: later changes are new migrations, as on SQLite.
--
-- Ids are identity columns: a sequence never gives a number twice (not even after a
-- rollback, nor after the newest row is deleted), so a caller holding a deleted org's or
-- integration's id never reaches another's. GENERATED ALWAYS refuses an id given by hand
-- (a copy of a deployment gives them with OVERRIDING SYSTEM VALUE, then moves the
-- sequence past them).
--
-- Times are TIMESTAMPTZ (the store reads them as RFC 3339 in UTC); `connections.expires_at`
-- is seconds since the Unix epoch, as the domain gives it.
--
-- `secret` columns hold the same text as on SQLite, a versioned bundle of the row's secret
-- fields: `plain:v1:<JSON>` or `sealed:v1:<base64(nonce || AES-256-GCM(JSON))>`, sealed
-- bound to `jira-search/<kind>/<id>/secret/v1`; a sealed bundle copied from SQLite opens
-- here with the same key.

CREATE TABLE orgs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE integrations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider    TEXT NOT NULL CHECK (provider IN ('jira_server', 'jira')),
    name        TEXT NOT NULL,
    base_url    TEXT NOT NULL,
    verify_tls  BOOLEAN NOT NULL DEFAULT TRUE,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    -- not a CHECK, so that new schemes need no table change
    auth_method TEXT NOT NULL,
    -- the non-secret name of the credentials (basic user, consumer key, client id, issuer)
    auth_user   TEXT,
    -- where OAuth 2.0 tokens are renewed (NULL for other methods)
    token_url   TEXT,
    -- the versioned secret bundle (see above). JSON fields: pat {token}; basic {secret};
    -- oauth1 {private_key_pem, access_token, token_secret}; oauth2 {client_secret,
    -- refresh_token}; connect-jwt {shared_secret}.
    secret      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- "The same Jira" of a finished consent: provider and base URL among an org's integrations.
CREATE INDEX integrations_jira ON integrations (base_url, provider);

CREATE TABLE org_integrations (
    org_id         BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    integration_id BIGINT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, integration_id)
);
CREATE INDEX org_integrations_integration ON org_integrations (integration_id);

-- Caller tokens of an org, kept as their hash and public id only.
CREATE TABLE api_tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    -- hex SHA-256 of the whole token: the only form in which a token is kept
    token_hash TEXT NOT NULL UNIQUE,
    -- the token's first 12 characters, in clear, to name it in `token revoke`
    token_id   TEXT NOT NULL,
    -- the name the administrator gave it, shown in listings
    name       TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_token_id ON api_tokens (token_id);
CREATE INDEX api_tokens_org ON api_tokens (org_id);

-- Admin tokens: like caller tokens (hash and public id only), of no org.
CREATE TABLE admin_tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    token_id   TEXT NOT NULL,
    name       TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);
CREATE INDEX admin_tokens_token_id ON admin_tokens (token_id);

-- OAuth clients ("apps"). `secret`: {"secret"} (the OAuth 2.0 client secret or the OAuth
-- 1.0a private key, PEM).
CREATE TABLE oauth_apps (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- 'atlassian-3lo', 'dc-oauth2' or 'server-oauth1'; not a CHECK (new kinds, no change)
    kind           TEXT NOT NULL,
    -- NULL for Atlassian 3LO (any Cloud site)
    base_url       TEXT,
    -- the OAuth 2.0 client id or the OAuth 1.0a consumer key
    client_id      TEXT NOT NULL,
    secret         TEXT NOT NULL,
    -- OAuth 1.0a: the public key (PEM) to paste into Jira
    public_key_pem TEXT,
    -- FALSE lets the consent calls accept any certificate (Data Center / Server only)
    verify_tls     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Connections (consent round trips) in flight, under the SHA-256 (hex) of their state,
-- used once or purged when expired. `stage` says which columns mean something:
--   'authorize'   secret {} or {"pkce_verifier"}
--   'authorize1'  request_token; secret {"request_token_secret"}
--   'choose_site' sites (JSON text [{"id","url","name"}]); secret {"refresh_token"}
CREATE TABLE connections (
    state_hash    TEXT PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    app_id        BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    return_url    TEXT NOT NULL,
    -- seconds since the Unix epoch
    expires_at    BIGINT NOT NULL,
    stage         TEXT NOT NULL,
    request_token TEXT,
    -- the same text as on SQLite (not JSONB, which would not keep it byte for byte)
    sites         TEXT,
    secret        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX connections_expires_at ON connections (expires_at);
CREATE INDEX connections_org ON connections (org_id);
CREATE INDEX connections_app ON connections (app_id);

-- Signing keys of browser tokens. `key_id` (`jsk_` and 12 hex digits) is UNIQUE: a revoked
-- key keeps its row, so its id is never given to another key. `secret`: {"secret"}; a
-- revocation empties it.
CREATE TABLE signing_keys (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_id     TEXT NOT NULL UNIQUE,
    org_id     BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name       TEXT,
    secret     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);
CREATE INDEX signing_keys_org ON signing_keys (org_id);
