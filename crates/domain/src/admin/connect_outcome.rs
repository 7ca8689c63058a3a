//! What a connection answers at each step: the consent URL, the callback's outcome and its
//! error codes, and the URL helpers that build them.

use sha2::{Digest, Sha256};

use crate::model::{CloudSite, IntegrationId, PendingConnection};

/// How long a state is usable, in seconds.
pub const STATE_TTL_SECS: i64 = 600;

/// The scopes asked of Atlassian (3LO): read users and issues, and a refresh token.
pub const ATLASSIAN_SCOPES: &str = "read:jira-user read:jira-work offline_access";

/// The scope asked of Jira Data Center's OAuth 2.0 provider.
pub const DC_SCOPE: &str = "READ";

/// What starting a connection answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedConnection {
    /// Where to send the customer's browser.
    pub authorize_url: String,
    /// When the state stops being usable, in seconds since the Unix epoch.
    pub expires_at: i64,
}

/// The randomness a connection needs, from a cryptographic generator (the domain has none).
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectRandom {
    /// The state: 128 bits.
    pub state: [u8; 16],
    /// The PKCE verifier's bits.
    pub pkce: [u8; 32],
}

impl std::fmt::Debug for ConnectRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectRandom(***)")
    }
}

/// What Jira sent the browser back with (`/connect/callback`'s query).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackParams {
    /// Our state.
    pub state: Option<String>,
    /// OAuth 2.0: the code.
    pub code: Option<String>,
    /// OAuth 2.0: the error (`access_denied` when the customer declined).
    pub error: Option<String>,
    /// OAuth 1.0a: the request token.
    pub oauth_token: Option<String>,
    /// OAuth 1.0a: the verifier (`denied` when the customer declined).
    pub oauth_verifier: Option<String>,
}

/// How a connection ended, as the browser sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// 303 to this URL: the product's return URL with `status=...`.
    Redirect(String),
    /// Atlassian 3LO with several sites: the page that lets the customer pick one, posting
    /// the same state back.
    ChooseSite {
        /// The state, to post back.
        state: String,
        /// The sites.
        sites: Vec<CloudSite>,
    },
    /// An unknown, reused or missing state: a 400 page, no redirect.
    BadState(&'static str),
}

/// Why a connection ended in error, as the return URL's `error=` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFailure {
    /// The customer declined at Jira.
    AccessDenied,
    /// The state does not fit what came back (another request token, no code, an unknown
    /// site).
    InvalidState,
    /// The state expired.
    ExpiredState,
    /// Jira refused or failed the exchange.
    ExchangeFailed,
    /// The Atlassian grant covers no Jira site.
    NoJiraSite,
}

impl ConnectFailure {
    /// The code in the return URL.
    pub fn code(self) -> &'static str {
        match self {
            Self::AccessDenied => "access_denied",
            Self::InvalidState => "invalid_state",
            Self::ExpiredState => "expired_state",
            Self::ExchangeFailed => "exchange_failed",
            Self::NoJiraSite => "no_jira_site",
        }
    }
}

/// The message of the 400 page for a state the service does not know.
pub const UNKNOWN_STATE: &str =
    "This connection link is unknown or was already used. Start the connection again from the product.";

/// The message of the 400 page for a callback without a state.
pub const MISSING_STATE: &str =
    "This page was opened without a connection state. Start the connection again from the product.";

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(super) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `base?k=v&...`, each value percent-encoded.
pub(super) fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{}", query.join("&"))
}

/// The PKCE verifier (64 hex digits: unreserved characters) and its S256 challenge.
pub(super) fn pkce(random: &[u8; 32]) -> (String, String) {
    use base64::Engine as _;
    let verifier = hex::encode(random);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The return URL with the outcome's parameters appended.
pub(super) fn return_to(return_url: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(return_url) {
        Ok(mut url) => {
            {
                let mut q = url.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k, v);
                }
            }
            url.into()
        }
        // Checked when the connection started; kept as is if it somehow no longer parses.
        Err(_) => with_query(return_url, pairs),
    }
}

pub(super) fn failed(c: &PendingConnection, why: ConnectFailure) -> CallbackOutcome {
    CallbackOutcome::Redirect(return_to(
        &c.return_url,
        &[("status", "error"), ("error", why.code())],
    ))
}

pub(super) fn connected(c: &PendingConnection, slug: &str, id: IntegrationId) -> String {
    return_to(
        &c.return_url,
        &[
            ("status", "connected"),
            ("org", slug),
            ("integration_id", &id.to_string()),
        ],
    )
}
