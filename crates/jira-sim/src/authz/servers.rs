//! What the authorization servers are set up with (the Cloud sites, the registered redirect
//! URIs), what they count, and the request they answer.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::auth::{Authenticator, Credentials, RequestInfo};
use crate::config::{SimConfig, SimSite};

/// What the authorization servers did so far: the users' decisions on the consent pages and
/// the exchanges that followed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationStats {
    /// Consent pages answered "Allow" (OAuth 2.0 codes issued, OAuth 1.0a request tokens
    /// authorized).
    pub consents_allowed: u64,
    /// Consent pages answered "Deny".
    pub consents_denied: u64,
    /// OAuth 2.0 authorization codes exchanged for tokens.
    pub codes_redeemed: u64,
    /// OAuth 2.0 authorization-code grants refused after client authentication (unknown,
    /// reused or expired code, another redirect URI, a wrong PKCE verifier).
    pub codes_refused: u64,
    /// OAuth 1.0a request tokens exchanged for access tokens.
    pub oauth1_access_tokens: u64,
}

/// The authorization servers' settings and counters.
pub(crate) struct AuthzServers {
    sites: Vec<SimSite>,
    redirect_uris: Vec<String>,
    allowed: AtomicU64,
    denied: AtomicU64,
}

impl AuthzServers {
    /// `Err` when a site's id is empty or holds a `/` (it could not be a path segment).
    pub(crate) fn new(cfg: &SimConfig) -> Result<Self, String> {
        if let Some(bad) = cfg
            .cloud_sites
            .iter()
            .find(|s| s.id.is_empty() || s.id.contains('/'))
        {
            return Err(format!(
                "cloud site id '{}' must be non-empty and hold no '/'",
                bad.id
            ));
        }
        Ok(Self {
            sites: cfg.cloud_sites.clone(),
            redirect_uris: cfg.oauth2_redirect_uris.clone(),
            allowed: AtomicU64::new(0),
            denied: AtomicU64::new(0),
        })
    }

    /// Every configured Cloud site, in order.
    pub(crate) fn sites(&self) -> &[SimSite] {
        &self.sites
    }

    /// The Cloud site with this id.
    pub(crate) fn site(&self, id: &str) -> Option<&SimSite> {
        self.sites.iter().find(|s| s.id == id)
    }

    /// Whether a redirect URI is registered (any is when none are).
    pub(crate) fn redirect_registered(&self, uri: &str) -> bool {
        self.redirect_uris.is_empty() || self.redirect_uris.iter().any(|r| r == uri)
    }

    /// Counts a user's decision on a consent page.
    pub(crate) fn count_decision(&self, allowed: bool) {
        let counter = if allowed { &self.allowed } else { &self.denied };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters, with the token endpoints' from `auth`.
    pub(crate) fn stats(&self, auth: &Authenticator) -> AuthorizationStats {
        AuthorizationStats {
            consents_allowed: self.allowed.load(Ordering::Relaxed),
            consents_denied: self.denied.load(Ordering::Relaxed),
            codes_redeemed: auth.oauth2().codes_redeemed(),
            codes_refused: auth.oauth2().codes_refused(),
            oauth1_access_tokens: auth.oauth1().tokens().exchanged(),
        }
    }
}

/// A request to an authorization server.
pub(crate) struct AuthzRequest<'a> {
    /// Method, raw path (context path included), host and decoded query.
    pub(crate) info: &'a RequestInfo,
    pub(crate) credentials: &'a Credentials,
    /// The decoded pairs of a form-urlencoded body (empty for other bodies).
    pub(crate) form: &'a [(String, String)],
}

impl AuthzRequest<'_> {
    /// The query and the form body together, as OAuth 1.0a signs them.
    pub(crate) fn query_and_form(&self) -> Vec<(String, String)> {
        let mut all = self.info.query.clone();
        all.extend(self.form.iter().cloned());
        all
    }
}
