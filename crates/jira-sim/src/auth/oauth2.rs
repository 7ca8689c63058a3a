//! OAuth 2.0 with rotating refresh tokens: the token endpoint (refresh grant, and the
//! authorization-code grant of both authorization servers) and the access tokens it issues.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::codes::{AuthCodes, AuthServer, Grant, Redemption};
use super::credentials::Credentials;
use super::random::random_token;
use crate::sync::lock;

/// The scope the token endpoint reports for the families of the configured refresh tokens.
const SCOPE: &str = "read:jira-user read:jira-work";
/// Who the access tokens of the configured refresh tokens' families are.
const DEFAULT_LOGIN: &str = "oauth2-user";
/// The 3LO scope without which Atlassian issues no refresh token.
const OFFLINE_ACCESS: &str = "offline_access";

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

/// What every token of a family stands for: granted once, kept through rotations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AccessGrant {
    /// Who the tokens act as (the login typed on the consent page, or `oauth2-user`).
    pub(crate) login: String,
    /// The scopes granted, space-separated.
    pub(crate) scope: String,
}

#[derive(Default)]
struct OAuth2State {
    refresh: HashMap<String, RefreshEntry>,
    access: HashMap<String, AccessEntry>,
    families: HashMap<u64, AccessGrant>,
    /// The number the next family gets.
    next_family: u64,
}

impl OAuth2State {
    fn new_family(&mut self, grant: AccessGrant) -> u64 {
        let family = self.next_family;
        self.next_family += 1;
        self.families.insert(family, grant);
        family
    }

    fn issue_access(&mut self, family: u64, ttl: u64) -> String {
        let access = random_token("sim-at-");
        self.access.insert(
            access.clone(),
            AccessEntry {
                family,
                expires: Instant::now() + Duration::from_secs(ttl),
            },
        );
        access
    }

    fn issue_refresh(&mut self, client_id: &str, family: u64) -> String {
        let refresh = random_token("sim-rt-");
        self.refresh.insert(
            refresh.clone(),
            RefreshEntry {
                client_id: client_id.to_string(),
                family,
                state: RefreshState::Current,
            },
        );
        refresh
    }
}

/// A client allowed to use the token endpoint and the authorization servers.
struct Client {
    id: String,
    secret: String,
}

/// The token endpoint's state: clients, authorization codes, refresh token families and
/// issued access tokens.
pub(crate) struct OAuth2 {
    clients: Vec<Client>,
    ttl: u64,
    codes: AuthCodes,
    state: Mutex<OAuth2State>,
    refreshes: AtomicU64,
    reuse_rejections: AtomicU64,
    codes_redeemed: AtomicU64,
    codes_refused: AtomicU64,
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
    pub(crate) code: Option<String>,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) code_verifier: Option<String>,
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
            code: fields.remove("code"),
            redirect_uri: fields.remove("redirect_uri"),
            code_verifier: fields.remove("code_verifier"),
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

impl OAuth2 {
    /// `clients` are `(client id, client secret, initial refresh token)` (an empty refresh
    /// token is none); `ttl` is the lifetime of issued access tokens, `code_ttl` that of
    /// authorization codes, in seconds.
    pub(crate) fn new(clients: &[(String, String, String)], ttl: u64, code_ttl: u64) -> Self {
        let mut state = OAuth2State {
            next_family: 1,
            ..OAuth2State::default()
        };
        // Each initial refresh token starts a token family.
        for (id, _secret, refresh) in clients.iter().filter(|c| !c.2.is_empty()) {
            let family = state.new_family(AccessGrant {
                login: DEFAULT_LOGIN.into(),
                scope: SCOPE.into(),
            });
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
            codes: AuthCodes::new(code_ttl),
            state: Mutex::new(state),
            refreshes: AtomicU64::new(0),
            reuse_rejections: AtomicU64::new(0),
            codes_redeemed: AtomicU64::new(0),
            codes_refused: AtomicU64::new(0),
        }
    }

    /// Whether a client with this id is registered.
    pub(crate) fn knows_client(&self, client_id: &str) -> bool {
        self.clients.iter().any(|c| c.id == client_id)
    }

    /// A new authorization code for what a user consented to.
    pub(crate) fn issue_code(&self, grant: Grant) -> String {
        self.codes.issue(grant)
    }

    /// What an issued access token stands for, while it is valid.
    pub(crate) fn access(&self, token: &str) -> Option<AccessGrant> {
        let state = lock(&self.state);
        let entry = state
            .access
            .get(token)
            .filter(|a| a.expires > Instant::now())?;
        state.families.get(&entry.family).cloned()
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

    /// How many authorization codes were exchanged for tokens.
    pub(crate) fn codes_redeemed(&self) -> u64 {
        self.codes_redeemed.load(Ordering::Relaxed)
    }

    /// How many authorization-code grants were refused after client authentication (unknown,
    /// reused or expired code, another redirect URI, a wrong PKCE verifier).
    pub(crate) fn codes_refused(&self) -> u64 {
        self.codes_refused.load(Ordering::Relaxed)
    }

    /// Answers a token request that came to `server`'s token endpoint.
    pub(crate) fn token(&self, req: &TokenRequest, server: AuthServer) -> TokenAnswer {
        let is_refresh = match req.grant_type.as_deref() {
            Some("refresh_token") => true,
            Some("authorization_code") => false,
            None => return TokenAnswer::error(400, "invalid_request", "Missing grant_type."),
            Some(_) => {
                return TokenAnswer::error(
                    400,
                    "unsupported_grant_type",
                    "Only the authorization_code and refresh_token grants are supported.",
                )
            }
        };
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
        if is_refresh {
            self.refresh(req, client_id)
        } else {
            self.exchange_code(req, client_id, server)
        }
    }

    /// The authorization-code grant: a new token family for what the user consented to.
    fn exchange_code(
        &self,
        req: &TokenRequest,
        client_id: &str,
        server: AuthServer,
    ) -> TokenAnswer {
        let Some(code) = req.code.as_deref() else {
            return TokenAnswer::error(400, "invalid_request", "Missing code.");
        };
        let redemption = Redemption {
            server,
            client_id,
            code,
            redirect_uri: req.redirect_uri.as_deref(),
            code_verifier: req.code_verifier.as_deref(),
        };
        let grant = match self.codes.redeem(&redemption) {
            Ok(grant) => grant,
            Err(why) => {
                self.codes_refused.fetch_add(1, Ordering::Relaxed);
                return TokenAnswer::error(400, "invalid_grant", why);
            }
        };
        let mut state = lock(&self.state);
        let family = state.new_family(AccessGrant {
            login: grant.login,
            scope: grant.scope.clone(),
        });
        let access = state.issue_access(family, self.ttl);
        let mut body = Map::new();
        body.insert("access_token".into(), access.into());
        body.insert("expires_in".into(), self.ttl.into());
        // Atlassian issues a refresh token only for `offline_access`; Data Center always.
        let offline = grant.scope.split_whitespace().any(|s| s == OFFLINE_ACCESS);
        if server == AuthServer::DataCenter || offline {
            body.insert(
                "refresh_token".into(),
                state.issue_refresh(client_id, family).into(),
            );
        }
        match server {
            AuthServer::Atlassian => {
                body.insert("scope".into(), grant.scope.into());
                body.insert("token_type".into(), "Bearer".into());
            }
            AuthServer::DataCenter => {
                body.insert("token_type".into(), "bearer".into());
            }
        }
        self.codes_redeemed.fetch_add(1, Ordering::Relaxed);
        TokenAnswer {
            status: 200,
            body: Value::Object(body),
        }
    }

    /// The refresh grant: rotates the refresh token; reusing a rotated one revokes its family.
    fn refresh(&self, req: &TokenRequest, client_id: &str) -> TokenAnswer {
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
                let access = state.issue_access(family, self.ttl);
                let new_refresh = state.issue_refresh(client_id, family);
                let scope = state
                    .families
                    .get(&family)
                    .map_or(SCOPE, |f| f.scope.as_str())
                    .to_string();
                self.refreshes.fetch_add(1, Ordering::Relaxed);
                TokenAnswer {
                    status: 200,
                    body: json!({
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": self.ttl,
                        "refresh_token": new_refresh,
                        "scope": scope,
                    }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
