-- Data Center / Server apps whose Jira shows a self-signed or private-CA certificate: like
-- an integration's `verify_tls`, 0 lets the consent calls (and the integration a connection
-- stores) accept any certificate. Atlassian 3LO apps always verify (1).

ALTER TABLE oauth_apps ADD COLUMN verify_tls INTEGER NOT NULL DEFAULT 1;
