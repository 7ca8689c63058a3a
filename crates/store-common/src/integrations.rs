//! Integration rows as domain values: whole (credentials opened) and as listed (no secret).

use domain::{AuthMethod, BaseUrl, Integration, IntegrationId, IntegrationSummary, Provider, Slug};

use crate::orgs::slug_of;
use crate::secrets::{self, SecretKey, SecretOwner};
use crate::{credentials, Error};

/// The columns of an integration that every reader needs (no secret), under their own
/// names.
#[derive(Debug, sqlx::FromRow)]
pub struct Head {
    /// `id`
    pub id: i64,
    /// `provider`
    pub provider: String,
    /// `name`
    pub name: String,
    /// `base_url`
    pub base_url: String,
    /// `verify_tls`
    pub verify_tls: bool,
    /// `enabled`
    pub enabled: bool,
    /// `auth_method`
    pub auth_method: String,
    /// `auth_user`
    pub auth_user: Option<String>,
}

/// A whole integration row: [`Head`], `token_url` and `secret`.
#[derive(Debug, sqlx::FromRow)]
pub struct IntegrationRow {
    /// The columns every reader needs.
    #[sqlx(flatten)]
    pub head: Head,
    /// `token_url`
    pub token_url: Option<String>,
    /// `secret`: the stored bundle.
    pub secret: String,
}

/// An integration row as listed: [`Head`] and `created_at` (RFC 3339, UTC).
#[derive(Debug, sqlx::FromRow)]
pub struct SummaryRow {
    /// The columns every reader needs.
    #[sqlx(flatten)]
    pub head: Head,
    /// `created_at`, as RFC 3339 in UTC.
    pub created_at: String,
}

impl Head {
    fn provider(&self) -> Result<Provider, Error> {
        self.provider.parse().map_err(|_| {
            Error::CorruptRow(format!(
                "integration {}: unknown provider {:?}",
                self.id, self.provider
            ))
        })
    }

    fn auth_method(&self) -> Result<AuthMethod, Error> {
        parse_auth_method(self.id, &self.auth_method)
    }
}

/// The auth method stored for integration `id`.
///
/// # Errors
/// [`Error::CorruptRow`] for a method this version does not know.
pub fn parse_auth_method(id: i64, method: &str) -> Result<AuthMethod, Error> {
    method
        .parse()
        .map_err(|_| Error::CorruptRow(format!("integration {id}: unknown auth method {method:?}")))
}

impl IntegrationRow {
    /// The integration, credentials included, its secrets opened with `key`. Error texts
    /// name the row, never the secret.
    ///
    /// # Errors
    /// [`Error::CorruptRow`], [`Error::SecretKeyMissing`], [`Error::SecretKeyWrong`].
    pub fn open(self, key: Option<&SecretKey>) -> Result<Integration, Error> {
        let provider = self.head.provider()?;
        let id = self.head.id;
        let base_url = BaseUrl::from_stored(&self.head.base_url)
            .map_err(|e| Error::CorruptRow(format!("integration {id}: {e}")))?;
        let method = self.head.auth_method()?;
        let bundle = secrets::decode(key, &SecretOwner::Integration(id), &self.secret)?;
        let credentials =
            credentials::join(id, method, self.head.auth_user, self.token_url, &bundle)?;
        Ok(Integration {
            id: IntegrationId(id),
            provider,
            name: self.head.name,
            base_url,
            verify_tls: self.head.verify_tls,
            enabled: self.head.enabled,
            credentials,
        })
    }
}

/// The listing of `rows`, each with the slugs of the orgs `links` (`(integration_id,
/// org_id, slug)`, by org id) link it to.
///
/// # Errors
/// [`Error::CorruptRow`] for an unknown provider or method, or a slug that is no slug.
pub fn summaries(
    rows: Vec<SummaryRow>,
    links: &[(i64, i64, String)],
) -> Result<Vec<IntegrationSummary>, Error> {
    rows.into_iter()
        .map(|SummaryRow { head, created_at }| {
            let provider = head.provider()?;
            let auth_method = head.auth_method()?;
            let orgs = links
                .iter()
                .filter(|(i, _, _)| *i == head.id)
                .map(|(_, org, slug)| slug_of(*org, slug))
                .collect::<Result<Vec<Slug>, _>>()?;
            Ok(IntegrationSummary {
                id: IntegrationId(head.id),
                provider,
                name: head.name,
                base_url: head.base_url,
                verify_tls: head.verify_tls,
                enabled: head.enabled,
                auth_method,
                user: head.auth_user,
                orgs,
                created_at,
            })
        })
        .collect()
}
