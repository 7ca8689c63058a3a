//! The `oauth_apps` table: the OAuth clients a product registers once per authorization
//! server. The secret (client secret or OAuth 1.0a private key) is a secret bundle
//! `{"secret"}`, sealed bound to the app's id.

use domain::model::{AppId, AppKind, AppSummary, NewApp, OAuthApp};
use domain::{BaseUrl, Secret};
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::secrets::{self, Bundle, SecretOwner};
use crate::{SqliteStore, SqliteStoreError};

/// The public columns of an app, `created_at` in RFC 3339 to the second.
const PUBLIC: &str = "id, kind, base_url, client_id, public_key_pem, verify_tls, \
                      coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', created_at), created_at) \
                        AS created_at";

fn corrupt(id: i64, why: &str) -> SqliteStoreError {
    SqliteStoreError::CorruptRow(format!("app {id}: {why}"))
}

impl SqliteStore {
    /// Stores an app, its secret sealed when the store has a key, in one `BEGIN IMMEDIATE`
    /// transaction (the seal is bound to the id, known only after the INSERT).
    pub(crate) async fn insert_app(&self, new: &NewApp) -> Result<AppId, SqliteStoreError> {
        let mut bundle = Bundle::new();
        bundle.insert(
            "secret".into(),
            Value::String(new.secret.expose().to_owned()),
        );
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
        let rows = sqlx::query(&format!("SELECT {PUBLIC} FROM oauth_apps ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok(Public::from_row(row)?.summary()))
            .collect()
    }

    /// The app with this id, its secret opened.
    pub(crate) async fn app_by_id(&self, id: AppId) -> Result<Option<OAuthApp>, SqliteStoreError> {
        let row = sqlx::query(&format!(
            "SELECT {PUBLIC}, secret FROM oauth_apps WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let public = Public::from_row(&row)?;
        let stored: String = row.try_get("secret")?;
        let bundle = secrets::decode(self.key.as_ref(), &SecretOwner::App(public.id), &stored)?;
        let secret = match bundle.get("secret") {
            Some(Value::String(s)) => Secret::new(s.clone()),
            _ => return Err(corrupt(public.id, "the secret bundle has no secret")),
        };
        let base_url = public
            .base_url
            .as_deref()
            .map(BaseUrl::from_stored)
            .transpose()
            .map_err(|e| corrupt(public.id, &e.to_string()))?;
        Ok(Some(OAuthApp {
            id: AppId(public.id),
            kind: public.kind,
            base_url,
            client_id: public.client_id,
            secret,
            public_key_pem: public.public_key_pem,
            verify_tls: public.verify_tls,
            created_at: public.created_at,
        }))
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

/// The public columns of an app row.
struct Public {
    id: i64,
    kind: AppKind,
    base_url: Option<String>,
    client_id: String,
    public_key_pem: Option<String>,
    verify_tls: bool,
    created_at: String,
}

impl Public {
    fn from_row(row: &SqliteRow) -> Result<Self, SqliteStoreError> {
        let id: i64 = row.try_get("id")?;
        let kind: String = row.try_get("kind")?;
        let kind = kind
            .parse()
            .map_err(|_| corrupt(id, &format!("unknown kind {kind:?}")))?;
        Ok(Self {
            id,
            kind,
            base_url: row.try_get("base_url")?,
            client_id: row.try_get("client_id")?,
            public_key_pem: row.try_get("public_key_pem")?,
            verify_tls: row.try_get("verify_tls")?,
            created_at: row.try_get("created_at")?,
        })
    }

    fn summary(self) -> AppSummary {
        AppSummary {
            id: AppId(self.id),
            kind: self.kind,
            base_url: self.base_url,
            client_id: self.client_id,
            public_key_pem: self.public_key_pem,
            verify_tls: self.verify_tls,
            created_at: self.created_at,
        }
    }
}
