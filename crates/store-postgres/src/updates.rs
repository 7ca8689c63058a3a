//! Changes to stored integrations: renaming and enabling, new credentials (by hand or from a
//! finished consent), and the rotated OAuth 2.0 refresh token.

use domain::{
    AuthMethod, Credentials, IntegrationId, IntegrationName, NewIntegration, OrgId, Secret,
};
use sqlx::PgConnection;
use store_common::integrations::parse_auth_method;
use store_common::{credentials, secrets, Error, SecretOwner};

use crate::integrations::insert_linked;
use crate::{PgStore, PgStoreError, SecretKey};

impl PgStore {
    /// Renames and/or enables or disables an integration (`None`: unchanged). `false` when
    /// there is none.
    pub(crate) async fn update_fields(
        &self,
        id: IntegrationId,
        name: Option<&IntegrationName>,
        enabled: Option<bool>,
    ) -> Result<bool, PgStoreError> {
        let _forget = self.memo.change();
        // PostgreSQL counts the rows an UPDATE wrote, changed or not: an existing
        // integration is found even when nothing changes.
        let done = sqlx::query(
            "UPDATE integrations \
             SET name = coalesce($1, name), enabled = coalesce($2, enabled) WHERE id = $3",
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
    ) -> Result<bool, PgStoreError> {
        let _forget = self.memo.change();
        let mut conn = self.pool.acquire().await?;
        write_credentials(&mut conn, self.key.as_ref(), id, credentials, false).await
    }

    /// What a finished consent stores, in one transaction: the integration with the same
    /// provider and base URL linked to `org` (the oldest, if several) gets the new
    /// credentials and is enabled; without one, `new` is added and linked. Returns the id and
    /// whether an existing integration was updated.
    ///
    /// Two consents of one org finishing together (on two replicas) take turns on the org's
    /// row (`FOR NO KEY UPDATE`, which other writes for the org do not wait for), so the
    /// second finds what the first added instead of adding a twin.
    pub(crate) async fn connect(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<(IntegrationId, bool), PgStoreError> {
        let _forget = self.memo.change();
        let mut tx = self.pool.begin().await?;
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM orgs WHERE id = $1 FOR NO KEY UPDATE")
                .bind(org.0)
                .fetch_optional(&mut *tx)
                .await?;
        found.ok_or(Error::UnknownOrg(org.0))?;
        let same: Option<i64> = sqlx::query_scalar(
            "SELECT i.id FROM integrations i \
             JOIN org_integrations l ON l.integration_id = i.id \
             WHERE l.org_id = $1 AND i.provider = $2 AND i.base_url = $3 \
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

    /// Replaces the refresh token of an OAuth 2.0 integration, in one transaction that locks
    /// the row first (read, open, replace, re-seal, write): committed when it returns `Ok`.
    /// Two replicas saving at once take turns; the last one's token stays.
    ///
    /// # Errors
    /// `IntegrationNotFound`, `NoRefreshToken` when the integration does not use oauth2,
    /// `SecretKeyMissing`, `SecretKeyWrong`, `CorruptRow` (all [`PgStoreError::Store`]),
    /// [`PgStoreError::Database`].
    pub(crate) async fn replace_refresh_token(
        &self,
        id: IntegrationId,
        refresh_token: &Secret,
    ) -> Result<(), PgStoreError> {
        let _forget = self.memo.change();
        let mut tx = self.pool.begin().await?;
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT auth_method, secret FROM integrations WHERE id = $1 FOR UPDATE")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let (method, stored) = row.ok_or(Error::IntegrationNotFound(id.0))?;
        let method = parse_auth_method(id.0, &method)?;
        if method != AuthMethod::OAuth2 {
            return Err(Error::NoRefreshToken { id: id.0, method }.into());
        }
        let owner = SecretOwner::Integration(id.0);
        let mut bundle = secrets::decode(self.key.as_ref(), &owner, &stored)?;
        bundle.insert(
            "refresh_token".into(),
            refresh_token.expose().to_owned().into(),
        );
        let rewritten = secrets::encode(self.key.as_ref(), &owner, &bundle)?;
        sqlx::query("UPDATE integrations SET secret = $1 WHERE id = $2")
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
    conn: &mut PgConnection,
    key: Option<&SecretKey>,
    id: IntegrationId,
    credentials: &Credentials,
    enable: bool,
) -> Result<bool, PgStoreError> {
    let (user, token_url, bundle) = credentials::split(credentials);
    let stored = secrets::encode(key, &SecretOwner::Integration(id.0), &bundle)?;
    let done = sqlx::query(
        "UPDATE integrations \
         SET auth_method = $1, auth_user = $2, token_url = $3, secret = $4, \
             enabled = enabled OR $5 \
         WHERE id = $6",
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
