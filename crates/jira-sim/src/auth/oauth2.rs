//! OAuth 2.0 with rotating refresh tokens: the token endpoint and the access tokens it issues.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rand::Rng as _;
use serde_json::{json, Value};

use super::credentials::Credentials;
use crate::sync::lock;

/// The scope the token endpoint reports.
const SCOPE: &str = "read:jira-user read:jira-work";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RefreshState {
    /// The family's live refresh token.
    Current,
    /// Already exchanged: presenting it again is reuse.
    Rotated,
    /// Its family was revoked.
    Revoked,
}

struct RefreshEntry {
    client_id: String,
    family: u64,
    state: RefreshState,
}

struct AccessEntry {
    family: u64,
    expires: Instant,
}

#[derive(Default)]
struct OAuth2State {
    refresh: HashMap<String, RefreshEntry>,
    access: HashMap<String, AccessEntry>,
}

/// A client allowed to use the token endpoint.
struct Client {
    id: String,
    secret: String,
}

/// The token endpoint's state: clients, refresh token families and issued access tokens.
pub(crate) struct OAuth2 {
    clients: Vec<Client>,
    ttl: u64,
    state: Mutex<OAuth2State>,
    refreshes: AtomicU64,
    reuse_rejections: AtomicU64,
}

/// What the token endpoint answers: a status and a JSON body, in the words of Atlassian's.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TokenAnswer {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl TokenAnswer {
    /// An OAuth 2.0 error (RFC 6749 5.2): `{"error":..,"error_description":..}`.
    pub(crate) fn error(status: u16, error: &str, description: &str) -> Self {
        Self {
            status,
            body: json!({ "error": error, "error_description": description }),
        }
    }
}

/// What a token request carried.
#[derive(Default)]
pub(crate) struct TokenRequest {
    pub(crate) grant_type: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    pub(crate) refresh_token: Option<String>,
}

impl TokenRequest {
    /// Reads a form or JSON body; `Basic` client credentials fill in a missing id and secret.
    pub(crate) fn parse(
        content_type: Option<&str>,
        body: &[u8],
        credentials: &Credentials,
    ) -> Result<Self, String> {
        let is_json = content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
        let mut fields: HashMap<String, String> = HashMap::new();
        if is_json {
            let value: Value =
                serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
            let Value::Object(map) = value else {
                return Err("body is not a JSON object".into());
            };
            for (k, v) in map {
                if let Value::String(s) = v {
                    fields.insert(k, s);
                }
            }
        } else {
            for (k, v) in url::form_urlencoded::parse(body) {
                fields.insert(k.into_owned(), v.into_owned());
            }
        }
        let mut req = TokenRequest {
            grant_type: fields.remove("grant_type"),
            client_id: fields.remove("client_id"),
            client_secret: fields.remove("client_secret"),
            refresh_token: fields.remove("refresh_token"),
        };
        if req.client_id.is_none() && req.client_secret.is_none() {
            if let Credentials::Basic { user, secret } = credentials {
                req.client_id = Some(user.clone());
                req.client_secret = Some(secret.clone());
            }
        }
        Ok(req)
    }
}

fn random_token(prefix: &str) -> String {
    let bytes: [u8; 24] = rand::rng().random();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

impl OAuth2 {
    /// `clients` are `(client id, client secret, initial refresh token)`; `ttl` is the lifetime
    /// of issued access tokens, in seconds.
    pub(crate) fn new(clients: &[(String, String, String)], ttl: u64) -> Self {
        let mut state = OAuth2State::default();
        // Each initial refresh token starts a token family, numbered from 1.
        for (family, (id, _secret, refresh)) in (1u64..).zip(clients) {
            state.refresh.insert(
                refresh.clone(),
                RefreshEntry {
                    client_id: id.clone(),
                    family,
                    state: RefreshState::Current,
                },
            );
        }
        Self {
            clients: clients
                .iter()
                .map(|(id, secret, _)| Client {
                    id: id.clone(),
                    secret: secret.clone(),
                })
                .collect(),
            ttl,
            state: Mutex::new(state),
            refreshes: AtomicU64::new(0),
            reuse_rejections: AtomicU64::new(0),
        }
    }

    /// Whether an issued access token is still valid.
    pub(crate) fn access_ok(&self, token: &str) -> bool {
        lock(&self.state)
            .access
            .get(token)
            .is_some_and(|a| a.expires > Instant::now())
    }

    /// Expires every issued access token; returns how many there were.
    pub(crate) fn expire_all(&self) -> usize {
        let now = Instant::now();
        let mut state = lock(&self.state);
        for a in state.access.values_mut() {
            a.expires = now;
        }
        state.access.len()
    }

    pub(crate) fn refreshes(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    pub(crate) fn reuse_rejections(&self) -> u64 {
        self.reuse_rejections.load(Ordering::Relaxed)
    }

    /// Answers a token request.
    pub(crate) fn token(&self, req: &TokenRequest) -> TokenAnswer {
        match req.grant_type.as_deref() {
            Some("refresh_token") => {}
            None => return TokenAnswer::error(400, "invalid_request", "Missing grant_type."),
            Some(_) => {
                return TokenAnswer::error(
                    400,
                    "unsupported_grant_type",
                    "Only the refresh_token grant is supported.",
                )
            }
        }
        let client_id = match (req.client_id.as_deref(), req.client_secret.as_deref()) {
            (Some(id), Some(secret))
                if self
                    .clients
                    .iter()
                    .any(|c| c.id == id && c.secret == secret) =>
            {
                id
            }
            _ => return TokenAnswer::error(401, "invalid_client", "Client authentication failed."),
        };
        let Some(refresh) = req.refresh_token.as_deref() else {
            return TokenAnswer::error(400, "invalid_request", "Missing refresh_token.");
        };
        let invalid_grant =
            || TokenAnswer::error(403, "invalid_grant", "Unknown or invalid refresh token.");
        let mut state = lock(&self.state);
        let Some(entry) = state.refresh.get_mut(refresh) else {
            return invalid_grant();
        };
        if entry.client_id != client_id {
            return invalid_grant();
        }
        match entry.state {
            RefreshState::Revoked => invalid_grant(),
            RefreshState::Rotated => {
                // Reuse detection: revoke the whole family.
                let family = entry.family;
                for r in state.refresh.values_mut() {
                    if r.family == family {
                        r.state = RefreshState::Revoked;
                    }
                }
                state.access.retain(|_, a| a.family != family);
                self.reuse_rejections.fetch_add(1, Ordering::Relaxed);
                invalid_grant()
            }
            RefreshState::Current => {
                entry.state = RefreshState::Rotated;
                let family = entry.family;
                let access = random_token("sim-at-");
                let new_refresh = random_token("sim-rt-");
                state.access.insert(
                    access.clone(),
                    AccessEntry {
                        family,
                        expires: Instant::now() + Duration::from_secs(self.ttl),
                    },
                );
                state.refresh.insert(
                    new_refresh.clone(),
                    RefreshEntry {
                        client_id: client_id.to_string(),
                        family,
                        state: RefreshState::Current,
                    },
                );
                self.refreshes.fetch_add(1, Ordering::Relaxed);
                TokenAnswer {
                    status: 200,
                    body: json!({
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": self.ttl,
                        "refresh_token": new_refresh,
                        "scope": SCOPE,
                    }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth2_rotation_and_reuse() {
        let o = OAuth2::new(&[("cid".into(), "sec".into(), "rt0".into())], 60);
        let req = |rt: &str| TokenRequest {
            grant_type: Some("refresh_token".into()),
            client_id: Some("cid".into()),
            client_secret: Some("sec".into()),
            refresh_token: Some(rt.into()),
        };
        let answer = o.token(&req("rt0"));
        assert_eq!(answer.status, 200);
        let access = answer.body["access_token"].as_str().unwrap().to_string();
        let rt1 = answer.body["refresh_token"].as_str().unwrap().to_string();
        assert!(o.access_ok(&access));
        assert_eq!(o.token(&req("rt0")).status, 403);
        assert!(!o.access_ok(&access));
        assert_eq!(o.token(&req(&rt1)).status, 403);
        assert_eq!((o.refreshes(), o.reuse_rejections()), (1, 1));
    }
}
