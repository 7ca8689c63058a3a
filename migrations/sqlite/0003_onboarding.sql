-- Onboarding: named caller tokens, admin tokens, OAuth apps, connections in flight; and ids
-- of orgs and integrations that are never reused.
--
-- Ids: with a plain `INTEGER PRIMARY KEY`, SQLite gives a new row max(id) + 1, so deleting
-- the newest integration (or org) hands its id to the next one, and a caller still holding
-- the old id (a saved search URL) would reach another tenant's Jira. AUTOINCREMENT never
-- gives an id twice. SQLite cannot add it to a table: `orgs` and `integrations` are rebuilt.
--
-- How the rebuild keeps every row. sqlx runs this file in one transaction, in which
-- `PRAGMA foreign_keys` cannot be switched off, so with foreign keys on:
--   * `DROP TABLE orgs` would first delete every row, and ON DELETE CASCADE would empty
--     `org_integrations` and `api_tokens`; so the child tables are copied aside (into tables
--     without constraints) and dropped BEFORE their parents, then made again afterwards;
--   * the children are re-created after the rename, so their REFERENCES name the final
--     `orgs` and `integrations` whatever `legacy_alter_table` says (renaming a parent
--     rewrites, or with the legacy behaviour does not rewrite, references to it; here
--     nothing references the renamed tables at rename time).
-- Ids are copied as they are; AUTOINCREMENT then continues after the largest copied one.
-- (An id deleted before this migration, above every remaining one, may still be given once.)

-- 1. The parents, rebuilt with AUTOINCREMENT, every column and row copied.

CREATE TABLE orgs_0003 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO orgs_0003 (id, slug, created_at) SELECT id, slug, created_at FROM orgs;

CREATE TABLE integrations_0003 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    provider    TEXT NOT NULL CHECK (provider IN ('jira_server', 'jira')),
    name        TEXT NOT NULL,
    base_url    TEXT NOT NULL,
    verify_tls  INTEGER NOT NULL DEFAULT 1,
    enabled     INTEGER NOT NULL DEFAULT 1,
    -- not a CHECK, so that new schemes need no table rebuild
    auth_method TEXT NOT NULL,
    -- the non-secret name of the credentials (basic user, consumer key, client id, issuer)
    auth_user   TEXT,
    -- the versioned secret bundle (plain:v1: or sealed:v1:, see 0002)
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    -- where OAuth 2.0 tokens are renewed (NULL for other methods)
    token_url   TEXT
);
INSERT INTO integrations_0003
    (id, provider, name, base_url, verify_tls, enabled, auth_method, auth_user, secret,
     created_at, token_url)
SELECT id, provider, name, base_url, verify_tls, enabled, auth_method, auth_user, secret,
       created_at, token_url
  FROM integrations;

-- 2. The children, copied aside (CREATE TABLE AS keeps no constraint), then dropped before
--    their parents so that no cascade runs.

CREATE TABLE org_integrations_0003 AS SELECT org_id, integration_id FROM org_integrations;
CREATE TABLE api_tokens_0003 AS
    SELECT id, org_id, token_hash, token_id, created_at, revoked_at FROM api_tokens;

DROP TABLE org_integrations;
DROP TABLE api_tokens;
DROP TABLE integrations;
DROP TABLE orgs;

ALTER TABLE orgs_0003 RENAME TO orgs;
ALTER TABLE integrations_0003 RENAME TO integrations;

-- 3. The children again, referencing the rebuilt parents, with their rows and indexes. The
--    foreign keys were enforced on every connection, so no row is an orphan; the joins only
--    make sure this migration cannot fail on a file edited by hand.

CREATE TABLE org_integrations (
    org_id         INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    integration_id INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, integration_id)
);
INSERT INTO org_integrations (org_id, integration_id)
SELECT l.org_id, l.integration_id
  FROM org_integrations_0003 l
  JOIN orgs o ON o.id = l.org_id
  JOIN integrations i ON i.id = l.integration_id;
CREATE INDEX org_integrations_integration ON org_integrations(integration_id);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    -- hex SHA-256 of the whole token: the only form in which a token is kept
    token_hash TEXT NOT NULL UNIQUE,
    -- the token's first 12 characters, in clear, to name it in `token revoke`
    token_id   TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    revoked_at TEXT,
    -- the name the administrator gave it, shown in listings (new in 0003)
    name       TEXT
);
INSERT INTO api_tokens (id, org_id, token_hash, token_id, created_at, revoked_at)
SELECT t.id, t.org_id, t.token_hash, t.token_id, t.created_at, t.revoked_at
  FROM api_tokens_0003 t
  JOIN orgs o ON o.id = t.org_id;
CREATE INDEX api_tokens_token_id ON api_tokens(token_id);
CREATE INDEX api_tokens_org ON api_tokens(org_id);

DROP TABLE org_integrations_0003;
DROP TABLE api_tokens_0003;

-- "The same Jira" of a finished consent: provider and base URL among an org's integrations.
CREATE INDEX integrations_jira ON integrations(base_url, provider);

-- 4. Admin tokens: like caller tokens (hash and public id only), of no org.

CREATE TABLE admin_tokens (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    token_id   TEXT NOT NULL,
    name       TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    revoked_at TEXT
);
CREATE INDEX admin_tokens_token_id ON admin_tokens(token_id);

-- 5. OAuth clients ("apps"). `secret` is a secret bundle like the integrations' one, sealed
--    bound to `jira-search/app/<id>/secret/v1`: {"secret"} (the OAuth 2.0 client secret or
--    the OAuth 1.0a private key, PEM).

CREATE TABLE oauth_apps (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 'atlassian-3lo', 'dc-oauth2' or 'server-oauth1'; not a CHECK (new kinds, no rebuild)
    kind           TEXT NOT NULL,
    -- NULL for Atlassian 3LO (any Cloud site)
    base_url       TEXT,
    -- the OAuth 2.0 client id or the OAuth 1.0a consumer key
    client_id      TEXT NOT NULL,
    secret         TEXT NOT NULL,
    -- OAuth 1.0a: the public key (PEM) to paste into Jira
    public_key_pem TEXT,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- 6. Connections (consent round trips) in flight, under the SHA-256 (hex) of their state,
--    used once or purged when expired. `stage` says which columns mean something:
--      'authorize'   secret {} or {"pkce_verifier"}
--      'authorize1'  request_token; secret {"request_token_secret"}
--      'choose_site' sites (JSON [{"id","url","name"}]); secret {"refresh_token"}
--    `secret` is sealed bound to `jira-search/connection/<state_hash>/secret/v1`.

CREATE TABLE connections (
    state_hash    TEXT PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    app_id        INTEGER NOT NULL REFERENCES oauth_apps(id) ON DELETE CASCADE,
    return_url    TEXT NOT NULL,
    -- seconds since the Unix epoch
    expires_at    INTEGER NOT NULL,
    stage         TEXT NOT NULL,
    request_token TEXT,
    sites         TEXT,
    secret        TEXT NOT NULL,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX connections_expires_at ON connections(expires_at);
CREATE INDEX connections_org ON connections(org_id);
CREATE INDEX connections_app ON connections(app_id);
