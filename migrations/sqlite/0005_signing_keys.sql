-- Signing keys of browser tokens (docs/api.md, "Browser tokens"): a product's backend signs
-- short-lived JWTs (HS256) with one of its org's signing secrets; the service verifies them
-- with the secret named by the token's `kid`.
--
-- `key_id` is the public id (`jsk_` and 12 hex digits), made by the domain from random bytes
-- and UNIQUE: a revoked key keeps its row, so its id is never given to another key.
-- `secret` is a secret bundle like the integrations' one ({"secret": "jss_…"}), sealed bound
-- to `jira-search/signing-key/<key_id>/secret/v1`; a revocation empties it (the secret can
-- never be used again, so it is not kept).

CREATE TABLE signing_keys (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id     TEXT NOT NULL UNIQUE,
    org_id     INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name       TEXT,
    secret     TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    revoked_at TEXT
);
CREATE INDEX signing_keys_org ON signing_keys(org_id);
