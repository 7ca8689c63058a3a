//! OAuth app rows as domain values. The secret (client secret or OAuth 1.0a private key)
//! is a secret bundle `{"secret"}`, sealed bound to the app's id.

use domain::model::{AppId, AppKind, AppSummary, OAuthApp};
use domain::BaseUrl;

use crate::secrets::{self, SecretKey, SecretOwner};
use crate::Error;

/// The public columns of an app row, under their own names.
#[derive(Debug, sqlx::FromRow)]
pub struct AppRow {
    /// `id`
    pub id: i64,
    /// `kind`
    pub kind: String,
    /// `base_url`
    pub base_url: Option<String>,
    /// `client_id`
    pub client_id: String,
    /// `public_key_pem`
    pub public_key_pem: Option<String>,
    /// `verify_tls`
    pub verify_tls: bool,
    /// `created_at`, as RFC 3339 in UTC.
    pub created_at: String,
}

/// A whole app row: [`AppRow`] and `secret`.
#[derive(Debug, sqlx::FromRow)]
pub struct SealedAppRow {
    /// The public columns.
    #[sqlx(flatten)]
    pub app: AppRow,
    /// `secret`: the stored bundle.
    pub secret: String,
}

fn corrupt(id: i64, why: &str) -> Error {
    Error::corrupt(SecretOwner::App(id), why)
}

impl AppRow {
    fn kind(&self) -> Result<AppKind, Error> {
        self.kind
            .parse()
            .map_err(|_| corrupt(self.id, &format!("unknown kind {:?}", self.kind)))
    }

    /// The app as listed (no secret).
    ///
    /// # Errors
    /// [`Error::CorruptRow`] for an unknown kind.
    pub fn summary(self) -> Result<AppSummary, Error> {
        Ok(AppSummary {
            id: AppId(self.id),
            kind: self.kind()?,
            base_url: self.base_url,
            client_id: self.client_id,
            public_key_pem: self.public_key_pem,
            verify_tls: self.verify_tls,
            created_at: self.created_at,
        })
    }
}

impl SealedAppRow {
    /// The app, its secret opened with `key`.
    ///
    /// # Errors
    /// [`Error::CorruptRow`], [`Error::SecretKeyMissing`], [`Error::SecretKeyWrong`].
    pub fn open(self, key: Option<&SecretKey>) -> Result<OAuthApp, Error> {
        let app = self.app;
        let kind = app.kind()?;
        let owner = SecretOwner::App(app.id);
        let bundle = secrets::decode(key, &owner, &self.secret)?;
        let secret = secrets::field(&owner, &bundle, "secret")?;
        let base_url = app
            .base_url
            .as_deref()
            .map(BaseUrl::from_stored)
            .transpose()
            .map_err(|e| corrupt(app.id, &e.to_string()))?;
        Ok(OAuthApp {
            id: AppId(app.id),
            kind,
            base_url,
            client_id: app.client_id,
            secret,
            public_key_pem: app.public_key_pem,
            verify_tls: app.verify_tls,
            created_at: app.created_at,
        })
    }
}
