//! Changes to stored integrations: renaming and enabling, new credentials (by hand or from a
//! finished consent), and the rotated OAuth 2.0 refresh token.

use domain::{
    AuthMethod, Credentials, IntegrationId, IntegrationName, NewIntegration, OrgId, Secret,
};
use sqlx::SqliteConnection;
use store_common::integrations::parse_auth_method;
use store_common::{credentials, secrets, SecretOwner};

use crate::integrations::insert_linked;
use crate::orgs::require_org;
use crate::{SecretKey, SqliteStore, SqliteStoreError};

impl SqliteStore {
    /// Renames and/or enables or disables an integration (`None`: unchanged). `false` when
    /// there is none.
    pub(crate) async fn update_fields(
        &self,
        id: IntegrationId,
        name: Option<&IntegrationName>,
        enabled: Option<bool>,
    ) -> Result<bool, SqliteStoreError> {
        // SQLite counts the rows an UPDATE matched, changed or not: an existing integration
        // is found even when nothing changes.
        let done = sqlx::query(
            "UPDATE integrations \
             SET name = coalesce(?, name), enabled = coalesce(?, enabled) WHERE id = ?",
        )
        .bind(name.map(IntegrationName::as_str))
        .bind(enabled)
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Replaces an integration's credentials (the method may change), keeping the rest of
    /// the row and its links. `false` when there is none. One statement: atomic.
    pub(crate) async fn replace_credentials_of(
        &self,
        id: IntegrationId,
        credentials: &Credentials,
    ) -> Result<bool, SqliteStoreError> {
        let mut conn = self.pool.acquire().await?;
        write_credentials(&mut conn, self.key.as_ref(), id, credentials, false).await
    }

    /// What a finished consent stores, in one `BEGIN IMMEDIATE` transaction: the
    /// integration with the same provider and base URL linked to `org` (the oldest, if
    /// several) gets the new credentials and is enabled; without one, `new` is added and
    /// linked. Returns the id and whether an existing integration was updated.
    ///
    /// # Errors
    /// [`SqliteStoreError::UnknownOrg`], [`SqliteStoreError::Database`].
    pub(crate) async fn connect(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<(IntegrationId, bool), SqliteStoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        require_org(&mut tx, org).await?;
        let same: Option<i64> = sqlx::query_scalar(
            "SELECT i.id FROM integrations i \
             JOIN org_integrations l ON l.integration_id = i.id \
             WHERE l.org_id = ? AND i.provider = ? AND i.base_url = ? \
             ORDER BY i.id LIMIT 1",
        )
        .bind(org.0)
        .bind(new.provider.as_str())
        .bind(new.base_url.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match same {
            Some(id) => {
                let id = IntegrationId(id);
                write_credentials(&mut tx, self.key.as_ref(), id, &new.credentials, true).await?;
                (id, true)
            }
            None => (
                insert_linked(&mut tx, self.key.as_ref(), org, new).await?,
                false,
            ),
        };
        tx.commit().await?;
        Ok(outcome)
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
        let method = parse_auth_method(id.0, &method)?;
        if method != AuthMethod::OAuth2 {
            return Err(SqliteStoreError::NoRefreshToken { id: id.0, method });
        }
        let owner = SecretOwner::Integration(id.0);
        let mut bundle = secrets::decode(self.key.as_ref(), &owner, &stored)?;
        bundle.insert(
            "refresh_token".into(),
            serde_json::Value::String(refresh_token.expose().to_owned()),
        );
        let rewritten = secrets::encode(self.key.as_ref(), &owner, &bundle)?;
        sqlx::query("UPDATE integrations SET secret = ? WHERE id = ?")
            .bind(rewritten)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Writes `credentials` over those of integration `id` (and enables it when `enable`), in
/// one statement. `false` when there is no such integration.
async fn write_credentials(
    conn: &mut SqliteConnection,
    key: Option<&SecretKey>,
    id: IntegrationId,
    credentials: &Credentials,
    enable: bool,
) -> Result<bool, SqliteStoreError> {
    let (user, token_url, bundle) = credentials::split(credentials);
    let stored = secrets::encode(key, &SecretOwner::Integration(id.0), &bundle)?;
    let done = sqlx::query(
        "UPDATE integrations \
         SET auth_method = ?, auth_user = ?, token_url = ?, secret = ?, \
             enabled = CASE WHEN ? THEN 1 ELSE enabled END \
         WHERE id = ?",
    )
    .bind(credentials.method().as_str())
    .bind(user)
    .bind(token_url)
    .bind(stored)
    .bind(enable)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}
