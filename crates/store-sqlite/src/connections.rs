//! The `connections` table: consent round trips in flight, under the SHA-256 of their
//! state, each taken once (or purged once expired). The stage's secrets (PKCE verifier,
//! request token secret, refresh token) are a secret bundle sealed bound to the state hash;
//! the rest is in clear.

use domain::model::{AppId, CloudSite, ConnectionStage, PendingConnection};
use domain::{OrgId, Secret};
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::orgs::require_org;
use crate::secrets::{self, Bundle, SecretOwner};
use crate::{SqliteStore, SqliteStoreError};

/// `stage` of an OAuth 2.0 consent: secret `{}` or `{"pkce_verifier"}`.
const AUTHORIZE: &str = "authorize";
/// `stage` of an OAuth 1.0a consent: `request_token`, secret `{"request_token_secret"}`.
const AUTHORIZE1: &str = "authorize1";
/// `stage` of a 3LO grant over several sites: `sites`, secret `{"refresh_token"}`.
const CHOOSE_SITE: &str = "choose_site";

fn corrupt(why: &str) -> SqliteStoreError {
    SqliteStoreError::CorruptRow(format!("a connection in flight: {why}"))
}

impl SqliteStore {
    /// Stores (or replaces) the connection under `state_hash`, in one `BEGIN IMMEDIATE`
    /// transaction.
    ///
    /// # Errors
    /// [`SqliteStoreError::UnknownOrg`], [`SqliteStoreError::UnknownApp`],
    /// [`SqliteStoreError::Database`].
    pub(crate) async fn insert_connection(
        &self,
        state_hash: &str,
        connection: &PendingConnection,
    ) -> Result<(), SqliteStoreError> {
        let (stage, request_token, sites, bundle) = split(&connection.stage);
        let owner = SecretOwner::Connection(state_hash.to_owned());
        let stored = secrets::encode(self.key.as_ref(), &owner, &bundle)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        require_org(&mut tx, connection.org).await?;
        let app: Option<i64> = sqlx::query_scalar("SELECT id FROM oauth_apps WHERE id = ?")
            .bind(connection.app.0)
            .fetch_optional(&mut *tx)
            .await?;
        app.ok_or(SqliteStoreError::UnknownApp(connection.app.0))?;
        sqlx::query(
            "INSERT INTO connections \
             (state_hash, org_id, app_id, return_url, expires_at, stage, request_token, sites, \
              secret) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (state_hash) DO UPDATE SET \
               org_id = excluded.org_id, app_id = excluded.app_id, \
               return_url = excluded.return_url, expires_at = excluded.expires_at, \
               stage = excluded.stage, request_token = excluded.request_token, \
               sites = excluded.sites, secret = excluded.secret, \
               created_at = excluded.created_at",
        )
        .bind(state_hash)
        .bind(connection.org.0)
        .bind(connection.app.0)
        .bind(&connection.return_url)
        .bind(connection.expires_at)
        .bind(stage)
        .bind(request_token)
        .bind(sites)
        .bind(stored)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes and returns the connection under `state_hash`, in one `BEGIN IMMEDIATE`
    /// transaction (`DELETE … RETURNING`): of two callers racing, one gets it. When the row
    /// cannot be read (a wrong key), the transaction is rolled back and the row stays.
    pub(crate) async fn take_connection_row(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingConnection>, SqliteStoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query(
            "DELETE FROM connections WHERE state_hash = ? \
             RETURNING org_id, app_id, return_url, expires_at, stage, request_token, sites, \
                       secret",
        )
        .bind(state_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let connection = self.connection_from_row(state_hash, &row)?;
        tx.commit().await?;
        Ok(Some(connection))
    }

    /// Deletes the connections that expired before `now` (seconds since the Unix epoch).
    pub(crate) async fn purge_expired(&self, now: i64) -> Result<u64, SqliteStoreError> {
        let done = sqlx::query("DELETE FROM connections WHERE expires_at < ?")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    fn connection_from_row(
        &self,
        state_hash: &str,
        row: &SqliteRow,
    ) -> Result<PendingConnection, SqliteStoreError> {
        let owner = SecretOwner::Connection(state_hash.to_owned());
        let bundle = secrets::decode(
            self.key.as_ref(),
            &owner,
            &row.try_get::<String, _>("secret")?,
        )?;
        let field = |name: &str| match bundle.get(name) {
            Some(Value::String(s)) => Ok(Secret::new(s.clone())),
            _ => Err(corrupt(&format!("the secret bundle has no {name}"))),
        };
        let stage: String = row.try_get("stage")?;
        let stage = match stage.as_str() {
            AUTHORIZE => ConnectionStage::Authorize {
                pkce_verifier: bundle
                    .contains_key("pkce_verifier")
                    .then(|| field("pkce_verifier"))
                    .transpose()?,
            },
            AUTHORIZE1 => ConnectionStage::Authorize1 {
                request_token: row
                    .try_get::<Option<String>, _>("request_token")?
                    .ok_or_else(|| corrupt("stage authorize1 without a request token"))?,
                request_token_secret: field("request_token_secret")?,
            },
            CHOOSE_SITE => ConnectionStage::ChooseSite {
                refresh_token: field("refresh_token")?,
                sites: parse_sites(row.try_get::<Option<String>, _>("sites")?.as_deref())?,
            },
            other => return Err(corrupt(&format!("unknown stage {other:?}"))),
        };
        Ok(PendingConnection {
            org: OrgId(row.try_get("org_id")?),
            app: AppId(row.try_get("app_id")?),
            return_url: row.try_get("return_url")?,
            expires_at: row.try_get("expires_at")?,
            stage,
        })
    }
}

/// The stage's columns: its name, the request token, the sites (JSON) and the secret bundle.
fn split(stage: &ConnectionStage) -> (&'static str, Option<&str>, Option<String>, Bundle) {
    let mut bundle = Bundle::new();
    let mut put = |name: &str, secret: &Secret| {
        bundle.insert(name.to_owned(), Value::String(secret.expose().to_owned()));
    };
    let (stage, request_token, sites) = match stage {
        ConnectionStage::Authorize { pkce_verifier } => {
            if let Some(verifier) = pkce_verifier {
                put("pkce_verifier", verifier);
            }
            (AUTHORIZE, None, None)
        }
        ConnectionStage::Authorize1 {
            request_token,
            request_token_secret,
        } => {
            put("request_token_secret", request_token_secret);
            (AUTHORIZE1, Some(request_token.as_str()), None)
        }
        ConnectionStage::ChooseSite {
            refresh_token,
            sites,
        } => {
            put("refresh_token", refresh_token);
            // A struct, not `json!`: the stored text is the same whether or not serde_json's
            // `preserve_order` is unified into the build.
            let sites: Vec<StoredSite<'_>> = sites
                .iter()
                .map(|s| StoredSite {
                    id: &s.id,
                    url: &s.url,
                    name: &s.name,
                })
                .collect();
            let text = serde_json::to_string(&sites).unwrap_or_else(|_| "[]".into());
            (CHOOSE_SITE, None, Some(text))
        }
    };
    (stage, request_token, sites, bundle)
}

/// A site as a `choose_site` row keeps it: `{"id","url","name"}`, in that order.
#[derive(serde::Serialize)]
struct StoredSite<'a> {
    id: &'a str,
    url: &'a str,
    name: &'a str,
}

/// The sites of a `choose_site` row.
fn parse_sites(json: Option<&str>) -> Result<Vec<CloudSite>, SqliteStoreError> {
    let bad = || corrupt("stage choose_site without a readable list of sites");
    let Some(Value::Array(sites)) = json.and_then(|j| serde_json::from_str(j).ok()) else {
        return Err(bad());
    };
    sites
        .iter()
        .map(|site| {
            let text = |name: &str| site.get(name).and_then(Value::as_str).map(str::to_owned);
            Ok(CloudSite {
                id: text("id").ok_or_else(bad)?,
                url: text("url").ok_or_else(bad)?,
                name: text("name").ok_or_else(bad)?,
            })
        })
        .collect()
}
