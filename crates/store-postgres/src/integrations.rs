//! The `integrations` and `org_integrations` tables: registering, listing, reading,
//! enabling and removing integrations (rows become domain values in
//! `store_common::integrations`). Changes to a stored integration are in `updates`.

use domain::{Integration, IntegrationId, IntegrationSummary, NewIntegration, OrgId};
use sqlx::PgConnection;
use store_common::integrations::{self, IntegrationRow, SummaryRow};
use store_common::{credentials, secrets, SecretOwner};

use crate::orgs::require_org;
use crate::{PgStore, PgStoreError, SecretKey, CREATED_AT};

/// The columns of an [`IntegrationRow`].
const COLUMNS: &str = "i.id, i.provider, i.name, i.base_url, i.verify_tls, i.enabled, \
                       i.auth_method, i.auth_user, i.token_url, i.secret";

/// A read transaction that sees one snapshot in every statement.
pub(crate) const SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

impl PgStore {
    /// Registers an integration and links it to `org`, in one transaction: on any error
    /// nothing is written. Its secrets are sealed when the store has a key, kept in clear
    /// otherwise.
    pub(crate) async fn insert_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<IntegrationId, PgStoreError> {
        let _forget = self.memo.change();
        let mut tx = self.pool.begin().await?;
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
    ) -> Result<Vec<IntegrationSummary>, PgStoreError> {
        // One snapshot, so the links match the integrations read.
        let mut tx = self.pool.begin_with(SNAPSHOT).await?;
        let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
            "SELECT id, provider, name, base_url, verify_tls, enabled, auth_method, auth_user, \
                    {CREATED_AT} \
             FROM integrations \
             WHERE $1::BIGINT IS NULL \
                OR id IN (SELECT integration_id FROM org_integrations WHERE org_id = $1) \
             ORDER BY id"
        ))
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
        Ok(integrations::summaries(rows, &links)?)
    }

    /// The integration `id` with its credentials opened, whatever it is linked to.
    pub(crate) async fn integration_by_id(
        &self,
        id: IntegrationId,
    ) -> Result<Option<Integration>, PgStoreError> {
        let row: Option<IntegrationRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM integrations i WHERE i.id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| row.open(self.key.as_ref())).transpose()?)
    }

    /// The integration `id` with its credentials opened, if it is linked to `org`.
    pub(crate) async fn integration_linked_to(
        &self,
        org: OrgId,
        id: IntegrationId,
    ) -> Result<Option<Integration>, PgStoreError> {
        let row: Option<IntegrationRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM integrations i \
             JOIN org_integrations l ON l.integration_id = i.id \
             WHERE l.org_id = $1 AND i.id = $2"
        ))
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| row.open(self.key.as_ref())).transpose()?)
    }

    /// Deletes an integration; its links to orgs go with it (`ON DELETE CASCADE`). `false`
    /// when there was none.
    pub(crate) async fn delete_integration(&self, id: IntegrationId) -> Result<bool, PgStoreError> {
        let _forget = self.memo.change();
        let done = sqlx::query("DELETE FROM integrations WHERE id = $1")
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
    ) -> Result<bool, PgStoreError> {
        let _forget = self.memo.change();
        let done = sqlx::query("UPDATE integrations SET enabled = $1 WHERE id = $2")
            .bind(enabled)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Writes `new` (enabled) and links it to `org`, inside the caller's transaction; its
/// secrets sealed under `key`, or kept in clear without one.
pub(crate) async fn insert_linked(
    conn: &mut PgConnection,
    key: Option<&SecretKey>,
    org: OrgId,
    new: &NewIntegration,
) -> Result<IntegrationId, PgStoreError> {
    let (user, token_url, bundle) = credentials::split(&new.credentials);
    // The seal is bound to the row id, known only after the INSERT: insert an empty secret,
    // then write the bundle, in the same transaction.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO integrations \
         (provider, name, base_url, verify_tls, enabled, auth_method, auth_user, token_url, \
          secret) \
         VALUES ($1, $2, $3, $4, TRUE, $5, $6, $7, '') RETURNING id",
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
    sqlx::query("UPDATE integrations SET secret = $1 WHERE id = $2")
        .bind(stored)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO org_integrations (org_id, integration_id) VALUES ($1, $2)")
        .bind(org.0)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(IntegrationId(id))
}
