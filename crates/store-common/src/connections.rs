//! Connection rows (consent round trips in flight, under the SHA-256 of their state) as
//! domain values, and back. The stage's secrets (PKCE verifier, request token secret,
//! refresh token) are a secret bundle sealed bound to the state hash; the rest is in clear.

use domain::model::{AppId, CloudSite, ConnectionStage, PendingConnection};
use domain::{OrgId, Secret};
use serde_json::Value;

use crate::secrets::{self, Bundle, SecretKey, SecretOwner};
use crate::Error;

/// `stage` of an OAuth 2.0 consent: secret `{}` or `{"pkce_verifier"}`.
const AUTHORIZE: &str = "authorize";
/// `stage` of an OAuth 1.0a consent: `request_token`, secret `{"request_token_secret"}`.
const AUTHORIZE1: &str = "authorize1";
/// `stage` of a 3LO grant over several sites: `sites`, secret `{"refresh_token"}`.
const CHOOSE_SITE: &str = "choose_site";

fn corrupt(why: &str) -> Error {
    Error::CorruptRow(format!("a connection in flight: {why}"))
}

/// A connection row, under its columns' names (`state_hash` aside).
#[derive(Debug, sqlx::FromRow)]
pub struct ConnectionRow {
    /// `org_id`
    pub org_id: i64,
    /// `app_id`
    pub app_id: i64,
    /// `return_url`
    pub return_url: String,
    /// `expires_at`: seconds since the Unix epoch.
    pub expires_at: i64,
    /// `stage`
    pub stage: String,
    /// `request_token`
    pub request_token: Option<String>,
    /// `sites`: JSON.
    pub sites: Option<String>,
    /// `secret`: the stored bundle.
    pub secret: String,
}

/// What the columns of a connection's stage hold.
#[derive(Debug)]
pub struct StageColumns<'a> {
    /// `stage`
    pub stage: &'static str,
    /// `request_token`
    pub request_token: Option<&'a str>,
    /// `sites`: JSON `[{"id","url","name"}]`.
    pub sites: Option<String>,
    /// The stage's secrets, to seal bound to the state hash.
    pub bundle: Bundle,
}

impl ConnectionRow {
    /// The connection stored under `state_hash`, its secrets opened with `key`.
    ///
    /// # Errors
    /// [`Error::CorruptRow`], [`Error::SecretKeyMissing`], [`Error::SecretKeyWrong`].
    pub fn open(
        self,
        key: Option<&SecretKey>,
        state_hash: &str,
    ) -> Result<PendingConnection, Error> {
        let owner = SecretOwner::Connection(state_hash.to_owned());
        let bundle = secrets::decode(key, &owner, &self.secret)?;
        let field = |name: &str| match bundle.get(name) {
            Some(Value::String(s)) => Ok(Secret::new(s.clone())),
            _ => Err(corrupt(&format!("the secret bundle has no {name}"))),
        };
        let stage = match self.stage.as_str() {
            AUTHORIZE => ConnectionStage::Authorize {
                pkce_verifier: bundle
                    .contains_key("pkce_verifier")
                    .then(|| field("pkce_verifier"))
                    .transpose()?,
            },
            AUTHORIZE1 => ConnectionStage::Authorize1 {
                request_token: self
                    .request_token
                    .ok_or_else(|| corrupt("stage authorize1 without a request token"))?,
                request_token_secret: field("request_token_secret")?,
            },
            CHOOSE_SITE => ConnectionStage::ChooseSite {
                refresh_token: field("refresh_token")?,
                sites: parse_sites(self.sites.as_deref())?,
            },
            other => return Err(corrupt(&format!("unknown stage {other:?}"))),
        };
        Ok(PendingConnection {
            org: OrgId(self.org_id),
            app: AppId(self.app_id),
            return_url: self.return_url,
            expires_at: self.expires_at,
            stage,
        })
    }
}

/// The stage's columns: its name, the request token, the sites (JSON) and the secret bundle.
pub fn split(stage: &ConnectionStage) -> StageColumns<'_> {
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
    StageColumns {
        stage,
        request_token,
        sites,
        bundle,
    }
}

/// A site as a `choose_site` row keeps it: `{"id","url","name"}`, in that order.
#[derive(serde::Serialize)]
struct StoredSite<'a> {
    id: &'a str,
    url: &'a str,
    name: &'a str,
}

/// The sites of a `choose_site` row.
fn parse_sites(json: Option<&str>) -> Result<Vec<CloudSite>, Error> {
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
