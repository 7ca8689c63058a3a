//! The store the configuration names: SQLite (`sqlite://`, the default) or PostgreSQL
//! (`postgres://`, `postgresql://`), chosen by the scheme of `DATABASE_URL`. [`AnyStore`]
//! implements the domain's store ports by handing each call to the adapter it holds, so the
//! rest of the composition root does not care which database it runs on.

use std::path::Path;

use domain::browser_token::{NewSigningKey, SigningKey, SigningKeySummary};
use domain::model::{AppId, AppSummary, NewApp, OAuthApp, PendingConnection};
use domain::ports::{RevokeOutcome, TokenSelector};
use domain::token::{StoredToken, TokenSummary};
use domain::{
    AdminStore, CredentialUpdates, Credentials, Integration, IntegrationId, IntegrationName,
    IntegrationStore, IntegrationSummary, NewIntegration, Org, OrgId, OrgRef, Secret,
    SigningKeyStore, Slug, StoreError,
};
use store_postgres::PgStore;
use store_sqlite::{SecretKey, SecretsReport, SqliteStore};

use crate::error::{error_chain, CliError};

/// Which database a `DATABASE_URL` names, by its scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// `sqlite:` (the default: one file, one host).
    Sqlite,
    /// `postgres://` or `postgresql://` (several replicas).
    Postgres,
}

impl StoreKind {
    /// The kind of `database_url`, by its scheme (case-insensitive). Anything else is
    /// left to the SQLite adapter, which says what it accepts.
    pub fn of(database_url: &str) -> Self {
        let scheme = database_url
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("postgres" | "postgresql") => Self::Postgres,
            _ => Self::Sqlite,
        }
    }
}

/// The store of a running service or a CLI command. Cloning shares the pool.
#[derive(Debug, Clone)]
pub enum AnyStore {
    /// One SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL database shared by replicas.
    Postgres(PgStore),
}

/// `database_url` fit for a message: no user, no password.
pub fn shown(database_url: &str) -> String {
    store_common::url::redact(database_url)
}

/// Opens the database `database_url` names with `key`, saying which database failed
/// (without its password). A malformed `DATABASE_URL` is the user's mistake (exit 2).
///
/// # Errors
/// [`CliError::Usage`] for a URL or key that cannot be used, [`CliError::Failure`] when the
/// database cannot be opened.
pub async fn open_store(database_url: &str, key: Option<SecretKey>) -> Result<AnyStore, CliError> {
    let failure = |user: bool, why: String| {
        if user {
            CliError::Usage(why)
        } else {
            CliError::Failure(format!(
                "cannot open the database {}: {why}",
                shown(database_url)
            ))
        }
    };
    let kind = StoreKind::of(database_url);
    let scheme_known = database_url.starts_with("sqlite:");
    if kind == StoreKind::Sqlite && !database_url.trim().is_empty() && !scheme_known {
        return Err(CliError::Usage(format!(
            "DATABASE_URL {:?} is neither a SQLite nor a PostgreSQL URL: use sqlite://FILE, sqlite::memory: or postgres://USER:PASSWORD@HOST:PORT/DB",
            shown(database_url)
        )));
    }
    match kind {
        StoreKind::Sqlite => SqliteStore::open_with_key(database_url, key)
            .await
            .map(AnyStore::Sqlite)
            .map_err(|e| failure(e.is_user_error(), error_chain(&e))),
        StoreKind::Postgres => PgStore::open_with_key(database_url, key)
            .await
            .map(AnyStore::Postgres)
            .map_err(|e| failure(e.is_user_error(), error_chain(&e))),
    }
}

impl AnyStore {
    /// How many stored secrets are sealed and how many are plain.
    ///
    /// # Errors
    /// A secret cannot be opened with the store's key, or the database failed.
    pub async fn secrets_report(&self) -> Result<SecretsReport, CliError> {
        match self {
            Self::Sqlite(s) => Ok(s.secrets_report().await?),
            Self::Postgres(p) => Ok(p.secrets_report().await?),
        }
    }

    /// Re-seals every stored secret under `new_key` (`None`: plain text); how many.
    ///
    /// # Errors
    /// A secret cannot be opened with the current key, or the database failed.
    pub async fn rotate_secrets(&self, new_key: Option<&SecretKey>) -> Result<usize, CliError> {
        match self {
            Self::Sqlite(s) => Ok(s.rotate_secrets(new_key).await?),
            Self::Postgres(p) => Ok(p.rotate_secrets(new_key).await?),
        }
    }

    /// A consistent copy of the live SQLite database at `path`. PostgreSQL has its own
    /// tools for that, so it is refused there with a pointer to them.
    ///
    /// # Errors
    /// The copy failed, or the store is PostgreSQL.
    pub async fn backup_to(&self, path: &Path) -> Result<(), CliError> {
        match self {
            Self::Sqlite(s) => Ok(s.backup_to(path).await?),
            Self::Postgres(_) => Err(CliError::Usage(
                "backup copies a SQLite database; back up PostgreSQL with pg_dump (docs/operations.md)"
                    .to_owned(),
            )),
        }
    }
}

/// Hands `$call` to whichever adapter `$store` holds and converts its error.
macro_rules! each {
    ($store:expr, $s:ident => $call:expr) => {
        match $store {
            AnyStore::Sqlite($s) => $call.await,
            AnyStore::Postgres($s) => $call.await,
        }
    };
}

impl IntegrationStore for AnyStore {
    async fn org_for_token_hash(&self, token_hash: &str) -> Result<Option<OrgId>, StoreError> {
        each!(self, s => s.org_for_token_hash(token_hash))
    }

    async fn find_org(&self, org: &OrgRef) -> Result<Option<Org>, StoreError> {
        each!(self, s => s.find_org(org))
    }

    async fn linked_integration(
        &self,
        org: OrgId,
        id: IntegrationId,
    ) -> Result<Option<Integration>, StoreError> {
        each!(self, s => s.linked_integration(org, id))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        each!(self, s => IntegrationStore::ping(s))
    }
}

impl AdminStore for AnyStore {
    async fn create_org(&self, slug: &Slug) -> Result<Option<Org>, StoreError> {
        each!(self, s => s.create_org(slug))
    }

    async fn list_orgs(&self) -> Result<Vec<Org>, StoreError> {
        each!(self, s => s.list_orgs())
    }

    async fn add_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<IntegrationId, StoreError> {
        each!(self, s => s.add_integration(org, new))
    }

    async fn list_integrations(
        &self,
        org: Option<OrgId>,
    ) -> Result<Vec<IntegrationSummary>, StoreError> {
        each!(self, s => s.list_integrations(org))
    }

    async fn integration(&self, id: IntegrationId) -> Result<Option<Integration>, StoreError> {
        each!(self, s => s.integration(id))
    }

    async fn remove_integration(&self, id: IntegrationId) -> Result<bool, StoreError> {
        each!(self, s => s.remove_integration(id))
    }

    async fn set_integration_enabled(
        &self,
        id: IntegrationId,
        enabled: bool,
    ) -> Result<bool, StoreError> {
        each!(self, s => s.set_integration_enabled(id, enabled))
    }

    async fn add_token(&self, org: OrgId, token: &StoredToken) -> Result<bool, StoreError> {
        each!(self, s => s.add_token(org, token))
    }

    async fn revoke_token(&self, selector: &TokenSelector) -> Result<RevokeOutcome, StoreError> {
        each!(self, s => s.revoke_token(selector))
    }

    async fn delete_org(&self, org: OrgId) -> Result<bool, StoreError> {
        each!(self, s => s.delete_org(org))
    }

    async fn list_tokens(&self, org: OrgId) -> Result<Vec<TokenSummary>, StoreError> {
        each!(self, s => s.list_tokens(org))
    }

    async fn update_integration(
        &self,
        id: IntegrationId,
        name: Option<&IntegrationName>,
        enabled: Option<bool>,
    ) -> Result<bool, StoreError> {
        each!(self, s => s.update_integration(id, name, enabled))
    }

    async fn replace_credentials(
        &self,
        id: IntegrationId,
        credentials: &Credentials,
    ) -> Result<bool, StoreError> {
        each!(self, s => s.replace_credentials(id, credentials))
    }

    async fn connect_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<(IntegrationId, bool), StoreError> {
        each!(self, s => s.connect_integration(org, new))
    }

    async fn add_admin_token(&self, token: &StoredToken) -> Result<bool, StoreError> {
        each!(self, s => s.add_admin_token(token))
    }

    async fn is_admin_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        each!(self, s => s.is_admin_token(token_hash))
    }

    async fn revoke_admin_token(
        &self,
        selector: &TokenSelector,
    ) -> Result<RevokeOutcome, StoreError> {
        each!(self, s => s.revoke_admin_token(selector))
    }

    async fn add_app(&self, new: &NewApp) -> Result<AppId, StoreError> {
        each!(self, s => s.add_app(new))
    }

    async fn list_apps(&self) -> Result<Vec<AppSummary>, StoreError> {
        each!(self, s => s.list_apps())
    }

    async fn app(&self, id: AppId) -> Result<Option<OAuthApp>, StoreError> {
        each!(self, s => s.app(id))
    }

    async fn remove_app(&self, id: AppId) -> Result<bool, StoreError> {
        each!(self, s => s.remove_app(id))
    }

    async fn save_connection(
        &self,
        state_hash: &str,
        connection: &PendingConnection,
    ) -> Result<(), StoreError> {
        each!(self, s => s.save_connection(state_hash, connection))
    }

    async fn take_connection(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingConnection>, StoreError> {
        each!(self, s => s.take_connection(state_hash))
    }

    async fn purge_connections(&self, now: i64) -> Result<u64, StoreError> {
        each!(self, s => s.purge_connections(now))
    }
}

impl SigningKeyStore for AnyStore {
    async fn add_signing_key(
        &self,
        org: OrgId,
        key: &NewSigningKey,
    ) -> Result<Option<SigningKeySummary>, StoreError> {
        each!(self, s => s.add_signing_key(org, key))
    }

    async fn list_signing_keys(&self, org: OrgId) -> Result<Vec<SigningKeySummary>, StoreError> {
        each!(self, s => s.list_signing_keys(org))
    }

    async fn revoke_signing_key(&self, id: &str) -> Result<bool, StoreError> {
        each!(self, s => s.revoke_signing_key(id))
    }

    async fn active_signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        each!(self, s => s.active_signing_keys())
    }
}

impl CredentialUpdates for AnyStore {
    async fn save_refresh_token(
        &self,
        integration: IntegrationId,
        refresh_token: &Secret,
    ) -> Result<(), StoreError> {
        each!(self, s => s.save_refresh_token(integration, refresh_token))
    }

    async fn begin_renewal(
        &self,
        integration: IntegrationId,
    ) -> Result<domain::ports::RenewalLease, StoreError> {
        each!(self, s => s.begin_renewal(integration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_names_the_store() {
        for url in [
            "postgres://u@h/db",
            "postgresql://h/db",
            "PostgreSQL://h/db",
        ] {
            assert_eq!(StoreKind::of(url), StoreKind::Postgres, "{url}");
        }
        for url in [
            "sqlite:///data/js.db",
            "sqlite::memory:",
            "mysql://h/db",
            "",
            "x",
        ] {
            assert_eq!(StoreKind::of(url), StoreKind::Sqlite, "{url}");
        }
    }

    #[test]
    fn a_shown_url_has_no_password() {
        let s = shown("postgres://app:hunter2@db.internal:5432/js");
        assert!(!s.contains("hunter2"), "{s}");
        assert!(s.contains("db.internal:5432/js"), "{s}");
    }
}
