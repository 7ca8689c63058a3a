-- Organizations, integrations (connected Jira instances), their links, and caller tokens.
-- Later schemes (oauth1, oauth2, connect-jwt, encrypted secrets) add columns in new
-- migrations; this file is never rewritten once released.

CREATE TABLE orgs (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE integrations (
    id          INTEGER PRIMARY KEY,
    provider    TEXT NOT NULL CHECK (provider IN ('jira_server', 'jira')),
    name        TEXT NOT NULL,
    base_url    TEXT NOT NULL,
    verify_tls  INTEGER NOT NULL DEFAULT 1,
    enabled     INTEGER NOT NULL DEFAULT 1,
    -- 'pat' or 'basic' today; not a CHECK so that new schemes need no table rebuild.
    auth_method TEXT NOT NULL,
    -- the user of 'basic' (Server user name or Cloud account email); NULL otherwise
    auth_user   TEXT,
    -- the credential itself (token or password)
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE org_integrations (
    org_id         INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    integration_id INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, integration_id)
);

CREATE INDEX org_integrations_integration ON org_integrations(integration_id);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    -- hex SHA-256 of the whole token: the only form in which a token is kept
    token_hash TEXT NOT NULL UNIQUE,
    -- the token's first 12 characters, in clear, to name it in `token revoke`
    token_id   TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    revoked_at TEXT
);

CREATE INDEX api_tokens_token_id ON api_tokens(token_id);
CREATE INDEX api_tokens_org ON api_tokens(org_id);
