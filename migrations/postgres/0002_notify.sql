-- Every committed change to what the hot path's memory holds says so on the channel
-- `jira_search_changes`, whoever made it: any replica, the CLI, an operator's SQL. Each
-- replica LISTENs there and forgets everything on each notification (crates/store-postgres,
-- `memo` and `listener`).
--
-- The memory holds every org and active caller token (`orgs`, `api_tokens`) and
-- integrations with their credentials as linked to an org (`integrations`,
-- `org_integrations`): those four tables notify. The others (admin tokens, apps,
-- connections, signing keys) are not remembered, so changing them costs no replica its
-- memory. A table the memory comes to derive from must get the same trigger.
--
-- Statement-level triggers (one notification per statement, not per row; TRUNCATE
-- included, which row triggers miss). PostgreSQL sends a transaction's notifications when
-- it commits, never when it rolls back, and folds identical ones of a transaction into one.
-- A statement that changes no row notifies too: a needless reset, never a missed one.

CREATE FUNCTION jira_search_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('jira_search_changes', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER orgs_notify_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs
    FOR EACH STATEMENT EXECUTE FUNCTION jira_search_notify_change();

CREATE TRIGGER api_tokens_notify_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION jira_search_notify_change();

CREATE TRIGGER integrations_notify_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON integrations
    FOR EACH STATEMENT EXECUTE FUNCTION jira_search_notify_change();

CREATE TRIGGER org_integrations_notify_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_integrations
    FOR EACH STATEMENT EXECUTE FUNCTION jira_search_notify_change();
