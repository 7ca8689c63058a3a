//! The `oauth_apps` table: the OAuth clients a product registers once per authorization
//! server. The secret (client secret or OAuth 1.0a private key) is a secret bundle
//! `{"secret"}`, sealed bound to the app's id (see `store_common::apps`).

use domain::model::{AppId, AppSummary, NewApp, OAuthApp};
use domain::BaseUrl;
use store_common::apps::{AppRow, SealedAppRow};
use store_common::{secrets, SecretOwner};

use crate::{SqliteStore, SqliteStoreError};

/// The public columns of an app, `created_at` in RFC 3339 to the second.
const PUBLIC: &str = "id, kind, base_url, client_id, public_key_pem, verify_tls, \
                      coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', created_at), created_at) \
                        AS created_at";

impl SqliteStore {
    /// Stores an app, its secret sealed when the store has a key, in one `BEGIN IMMEDIATE`
    /// transaction (the seal is bound to the id, known only after the INSERT).
    pub(crate) async fn insert_app(&self, new: &NewApp) -> Result<AppId, SqliteStoreError> {
        let bundle = secrets::one_secret(&new.secret);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO oauth_apps (kind, base_url, client_id, public_key_pem, verify_tls, \
             secret) VALUES (?, ?, ?, ?, ?, '') RETURNING id",
        )
        .bind(new.kind.as_str())
        .bind(new.base_url.as_ref().map(BaseUrl::as_str))
        .bind(&new.client_id)
        .bind(new.public_key_pem.as_deref())
        .bind(new.verify_tls)
        .fetch_one(&mut *tx)
        .await?;
        let stored = secrets::encode(self.key.as_ref(), &SecretOwner::App(id), &bundle)?;
        sqlx::query("UPDATE oauth_apps SET secret = ? WHERE id = ?")
            .bind(stored)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(AppId(id))
    }

    /// Every app by id, public parts only (no secret is read).
    pub(crate) async fn all_apps(&self) -> Result<Vec<AppSummary>, SqliteStoreError> {
        let rows: Vec<AppRow> =
            sqlx::query_as(&format!("SELECT {PUBLIC} FROM oauth_apps ORDER BY id"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(AppRow::summary)
            .collect::<Result<_, _>>()?)
    }

    /// The app with this id, its secret opened.
    pub(crate) async fn app_by_id(&self, id: AppId) -> Result<Option<OAuthApp>, SqliteStoreError> {
        let row: Option<SealedAppRow> = sqlx::query_as(&format!(
            "SELECT {PUBLIC}, secret FROM oauth_apps WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| row.open(self.key.as_ref())).transpose()?)
    }

    /// Deletes an app; its connections in flight go with it (`ON DELETE CASCADE`), the
    /// integrations made through it stay. `false` when there was none.
    pub(crate) async fn delete_app(&self, id: AppId) -> Result<bool, SqliteStoreError> {
        let done = sqlx::query("DELETE FROM oauth_apps WHERE id = ?")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
