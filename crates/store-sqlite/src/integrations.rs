//! The `integrations` and `org_integrations` tables: registering, listing, reading,
//! enabling and removing integrations, replacing an OAuth 2.0 refresh token, and mapping a
//! row back to the domain's types.

use domain::{
    AuthMethod, BaseUrl, Credentials, Integration, IntegrationId, IntegrationSummary,
    NewIntegration, OrgId, Provider, Secret, Slug,
};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::orgs::require_org;
use crate::{secrets, SecretKey, SqliteStore, SqliteStoreError};

/// The columns [`integration_from_row`] reads.
const COLUMNS: &str = "i.id, i.provider, i.name, i.base_url, i.verify_tls, i.enabled, \
                       i.auth_method, i.auth_user, i.token_url, i.secret";

impl SqliteStore {
    /// Registers an integration and links it to `org`, in one `BEGIN IMMEDIATE`
    /// transaction: on any error nothing is written. Its secrets are sealed when the store
    /// has a key, kept in clear otherwise.
    pub(crate) async fn insert_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<IntegrationId, SqliteStoreError> {
        let (user, token_url, bundle) = secrets::split(&new.credentials);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        require_org(&mut tx, org).await?;
        // The seal is bound to the row id, known only after the INSERT: insert an empty
        // secret, then write the bundle, in the same transaction.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO integrations \
             (provider, name, base_url, verify_tls, enabled, auth_method, auth_user, token_url, \
              secret) \
             VALUES (?, ?, ?, ?, 1, ?, ?, ?, '') RETURNING id",
        )
        .bind(new.provider.as_str())
        .bind(new.name.as_str())
        .bind(new.base_url.as_str())
        .bind(new.verify_tls)
        .bind(new.credentials.method().as_str())
        .bind(user)
        .bind(token_url)
        .fetch_one(&mut *tx)
        .await?;
        let stored = secrets::encode(self.key.as_ref(), id, &bundle)?;
        sqlx::query("UPDATE integrations SET secret = ? WHERE id = ?")
            .bind(stored)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO org_integrations (org_id, integration_id) VALUES (?, ?)")
            .bind(org.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(IntegrationId(id))
    }

    /// Integrations, by id: all of them, or those linked to `org`. Each lists the slugs of
    /// every org it is linked to, by org id. No secret is read.
    pub(crate) async fn summaries(
        &self,
        org: Option<OrgId>,
    ) -> Result<Vec<IntegrationSummary>, SqliteStoreError> {
        // One read transaction, so the links match the integrations read.
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT id, provider, name, base_url, verify_tls, enabled, auth_method, auth_user \
             FROM integrations \
             WHERE ?1 IS NULL \
                OR id IN (SELECT integration_id FROM org_integrations WHERE org_id = ?1) \
             ORDER BY id",
        )
        .bind(org.map(|o| o.0))
        .fetch_all(&mut *tx)
        .await?;
        let links: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT l.integration_id, o.id, o.slug \
             FROM org_integrations l JOIN orgs o ON o.id = l.org_id \
             ORDER BY l.integration_id, o.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;

        rows.iter()
            .map(|row| {
                let head = Head::from_row(row)?;
                let auth_method = parse_auth_method(head.id, row.try_get("auth_method")?)?;
                let orgs = links
                    .iter()
                    .filter(|(i, _, _)| *i == head.id)
                    .map(|(_, org, slug)| {
                        Slug::from_stored(slug)
                            .map_err(|e| SqliteStoreError::CorruptRow(format!("org {org}: {e}")))
                    })
                    .collect::<Result<_, _>>()?;
                Ok(IntegrationSummary {
                    id: IntegrationId(head.id),
                    provider: head.provider,
                    name: head.name,
                    base_url: head.base_url,
                    verify_tls: head.verify_tls,
                    enabled: head.enabled,
                    auth_method,
                    user: row.try_get("auth_user")?,
                    orgs,
                })
            })
            .collect()
    }

    /// The integration `id` with its credentials opened, whatever it is linked to.
    pub(crate) async fn integration_by_id(
        &self,
        id: IntegrationId,
    ) -> Result<Option<Integration>, SqliteStoreError> {
        self.one_integration(
            &format!("SELECT {COLUMNS} FROM integrations i WHERE i.id = ?"),
            &[id.0],
        )
        .await
    }

    /// The integration `id` with its credentials opened, if it is linked to `org`.
    pub(crate) async fn integration_linked_to(
        &self,
        org: OrgId,
        id: IntegrationId,
    ) -> Result<Option<Integration>, SqliteStoreError> {
        self.one_integration(
            &format!(
                "SELECT {COLUMNS} FROM integrations i \
                 JOIN org_integrations l ON l.integration_id = i.id \
                 WHERE l.org_id = ? AND i.id = ?"
            ),
            &[org.0, id.0],
        )
        .await
    }

    /// The one integration `sql` selects (its `COLUMNS`, the `?`s bound to `ids` in order),
    /// credentials opened.
    async fn one_integration(
        &self,
        sql: &str,
        ids: &[i64],
    ) -> Result<Option<Integration>, SqliteStoreError> {
        let query = ids
            .iter()
            .fold(sqlx::query(sql), |query, id| query.bind(*id));
        let row = query.fetch_optional(&self.pool).await?;
        row.as_ref()
            .map(|row| integration_from_row(self.key.as_ref(), row))
            .transpose()
    }

    /// Deletes an integration; its links to orgs go with it (`ON DELETE CASCADE`). `false`
    /// when there was none.
    pub(crate) async fn delete_integration(
        &self,
        id: IntegrationId,
    ) -> Result<bool, SqliteStoreError> {
        let done = sqlx::query("DELETE FROM integrations WHERE id = ?")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Enables or disables an integration (a disabled one answers like a missing one).
    /// `false` when there is none.
    pub(crate) async fn update_enabled(
        &self,
        id: IntegrationId,
        enabled: bool,
    ) -> Result<bool, SqliteStoreError> {
        let done = sqlx::query("UPDATE integrations SET enabled = ? WHERE id = ?")
            .bind(enabled)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Replaces the refresh token of an OAuth 2.0 integration, in one `BEGIN IMMEDIATE`
    /// transaction (read, open, replace, re-seal, write): committed when it returns `Ok`.
    ///
    /// # Errors
    /// [`SqliteStoreError::IntegrationNotFound`], [`SqliteStoreError::NoRefreshToken`]
    /// when the integration does not use oauth2, [`SqliteStoreError::SecretKeyMissing`],
    /// [`SqliteStoreError::SecretKeyWrong`], [`SqliteStoreError::CorruptRow`],
    /// [`SqliteStoreError::Database`].
    pub(crate) async fn replace_refresh_token(
        &self,
        id: IntegrationId,
        refresh_token: &Secret,
    ) -> Result<(), SqliteStoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT auth_method, secret FROM integrations WHERE id = ?")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let (method, stored) = row.ok_or(SqliteStoreError::IntegrationNotFound(id.0))?;
        let method = parse_auth_method(id.0, method)?;
        if method != AuthMethod::OAuth2 {
            return Err(SqliteStoreError::NoRefreshToken { id: id.0, method });
        }
        let mut bundle = secrets::decode(self.key.as_ref(), id.0, &stored)?;
        bundle.insert(
            "refresh_token".into(),
            serde_json::Value::String(refresh_token.expose().to_owned()),
        );
        let rewritten = secrets::encode(self.key.as_ref(), id.0, &bundle)?;
        sqlx::query("UPDATE integrations SET secret = ? WHERE id = ?")
            .bind(rewritten)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The columns of an integration that every reader needs (no credentials).
struct Head {
    id: i64,
    provider: Provider,
    name: String,
    base_url: String,
    verify_tls: bool,
    enabled: bool,
}

impl Head {
    fn from_row(row: &SqliteRow) -> Result<Self, SqliteStoreError> {
        let id: i64 = row.try_get("id")?;
        let provider: String = row.try_get("provider")?;
        let provider = provider.parse().map_err(|_| {
            SqliteStoreError::CorruptRow(format!("integration {id}: unknown provider {provider:?}"))
        })?;
        Ok(Self {
            id,
            provider,
            name: row.try_get("name")?,
            base_url: row.try_get("base_url")?,
            verify_tls: row.try_get("verify_tls")?,
            enabled: row.try_get("enabled")?,
        })
    }
}

fn parse_auth_method(id: i64, method: String) -> Result<AuthMethod, SqliteStoreError> {
    method.parse().map_err(|_| {
        SqliteStoreError::CorruptRow(format!("integration {id}: unknown auth method {method:?}"))
    })
}

/// A whole integration, credentials included, its secrets opened with `key`. Error texts
/// name the row, never the secret.
fn integration_from_row(
    key: Option<&SecretKey>,
    row: &SqliteRow,
) -> Result<Integration, SqliteStoreError> {
    let head = Head::from_row(row)?;
    let id = head.id;
    let base_url = BaseUrl::from_stored(&head.base_url)
        .map_err(|e| SqliteStoreError::CorruptRow(format!("integration {id}: {e}")))?;
    let method = parse_auth_method(id, row.try_get("auth_method")?)?;
    let user: Option<String> = row.try_get("auth_user")?;
    let token_url: Option<String> = row.try_get("token_url")?;
    let bundle = secrets::decode(key, id, &row.try_get::<String, _>("secret")?)?;
    let credentials: Credentials = secrets::join(id, method, user, token_url, &bundle)?;
    Ok(Integration {
        id: IntegrationId(id),
        provider: head.provider,
        name: head.name,
        base_url,
        verify_tls: head.verify_tls,
        enabled: head.enabled,
        credentials,
    })
}
