//! The `integrations` and `org_integrations` tables: registering, listing, reading,
//! enabling and removing integrations, and mapping a row back to the domain's types.
//! Changes to a stored integration are in `updates`.

use domain::{
    AuthMethod, BaseUrl, Credentials, Integration, IntegrationId, IntegrationSummary,
    NewIntegration, OrgId, Provider, Slug,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use crate::orgs::require_org;
use crate::secrets::{self, SecretOwner};
use crate::{credentials, SecretKey, SqliteStore, SqliteStoreError};

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
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        require_org(&mut tx, org).await?;
        let id = insert_linked(&mut tx, self.key.as_ref(), org, new).await?;
        tx.commit().await?;
        Ok(id)
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
            "SELECT id, provider, name, base_url, verify_tls, enabled, auth_method, auth_user, \
                    coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', created_at), created_at) \
                      AS created_at \
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
                    created_at: row.try_get("created_at")?,
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

pub(crate) fn parse_auth_method(id: i64, method: String) -> Result<AuthMethod, SqliteStoreError> {
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
    let owner = SecretOwner::Integration(id);
    let bundle = secrets::decode(key, &owner, &row.try_get::<String, _>("secret")?)?;
    let credentials: Credentials = credentials::join(id, method, user, token_url, &bundle)?;
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

/// Writes `new` (enabled) and links it to `org`, inside the caller's transaction; its
/// secrets sealed under `key`, or kept in clear without one.
pub(crate) async fn insert_linked(
    conn: &mut SqliteConnection,
    key: Option<&SecretKey>,
    org: OrgId,
    new: &NewIntegration,
) -> Result<IntegrationId, SqliteStoreError> {
    let (user, token_url, bundle) = credentials::split(&new.credentials);
    // The seal is bound to the row id, known only after the INSERT: insert an empty secret,
    // then write the bundle, in the same transaction.
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
    .fetch_one(&mut *conn)
    .await?;
    let stored = secrets::encode(key, &SecretOwner::Integration(id), &bundle)?;
    sqlx::query("UPDATE integrations SET secret = ? WHERE id = ?")
        .bind(stored)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO org_integrations (org_id, integration_id) VALUES (?, ?)")
        .bind(org.0)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(IntegrationId(id))
}
