//! Authorization codes of the OAuth 2.0 authorization-code grant, as Atlassian's 3LO and Jira
//! Data Center's (with PKCE) issue them: handed out on consent, redeemed once at the token
//! endpoint of the server that issued them, within their lifetime, by the same client with the
//! same redirect URI.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::random::random_token;
use crate::sync::lock;

/// Which authorization server a code belongs to: it is redeemed at that server's token
/// endpoint only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthServer {
    /// Atlassian's OAuth 2.0 (3LO): `/authorize` and `POST /oauth/token`.
    Atlassian,
    /// Jira Data Center's OAuth 2.0: `{context}/rest/oauth2/latest/authorize` and `.../token`.
    DataCenter,
}

/// What a user consented to: kept with the code, then carried into the tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) server: AuthServer,
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    /// The scopes asked, space-separated as sent.
    pub(crate) scope: String,
    /// Who consented (the login typed on the consent page).
    pub(crate) login: String,
    /// The PKCE challenge (S256), when the authorization request carried one.
    pub(crate) code_challenge: Option<String>,
}

/// What a token request presents to redeem a code.
pub(crate) struct Redemption<'a> {
    pub(crate) server: AuthServer,
    /// The authenticated client.
    pub(crate) client_id: &'a str,
    pub(crate) code: &'a str,
    pub(crate) redirect_uri: Option<&'a str>,
    pub(crate) code_verifier: Option<&'a str>,
}

struct Issued {
    grant: Grant,
    expires: Instant,
}

/// The codes issued and not yet redeemed.
pub(crate) struct AuthCodes {
    ttl: Duration,
    codes: Mutex<HashMap<String, Issued>>,
}

/// RFC 7636 4.2, S256: `BASE64URL-NOPAD(SHA256(ASCII(code_verifier)))`.
pub(crate) fn s256_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636 4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn well_formed_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

impl AuthCodes {
    /// Codes live `ttl_secs` seconds (0: they are expired as soon as issued).
    pub(crate) fn new(ttl_secs: u64) -> Self {
        Self {
            ttl: Duration::from_secs(ttl_secs),
            codes: Mutex::new(HashMap::new()),
        }
    }

    /// A new code for a grant; expired codes are forgotten on the way.
    pub(crate) fn issue(&self, grant: Grant) -> String {
        let code = random_token("sim-code-");
        let now = Instant::now();
        let mut codes = lock(&self.codes);
        codes.retain(|_, issued| issued.expires > now);
        codes.insert(
            code.clone(),
            Issued {
                grant,
                expires: now + self.ttl,
            },
        );
        code
    }

    /// The grant of a code, or why it is refused. A code presented by the client it was issued
    /// to is spent whatever the outcome (a failed attempt cannot be retried); one presented by
    /// another client stays for its own.
    pub(crate) fn redeem(&self, r: &Redemption<'_>) -> Result<Grant, &'static str> {
        let mut codes = lock(&self.codes);
        let issued = codes
            .get(r.code)
            .ok_or("Unknown, expired or already used authorization code.")?;
        if issued.grant.client_id != r.client_id {
            return Err("The authorization code was issued to another client.");
        }
        let Some(Issued { grant, expires }) = codes.remove(r.code) else {
            return Err("Unknown, expired or already used authorization code.");
        };
        if grant.server != r.server {
            return Err("The authorization code was issued by another authorization server.");
        }
        if expires <= Instant::now() {
            return Err("The authorization code has expired.");
        }
        if r.redirect_uri != Some(grant.redirect_uri.as_str()) {
            return Err("The redirect_uri does not match the authorization request's.");
        }
        if let Some(challenge) = &grant.code_challenge {
            let verifier = r.code_verifier.ok_or("Missing code_verifier.")?;
            if !well_formed_verifier(verifier) || s256_challenge(verifier) != *challenge {
                return Err("The code_verifier does not match the code_challenge.");
            }
        }
        Ok(grant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(challenge: Option<&str>) -> Grant {
        Grant {
            server: AuthServer::DataCenter,
            client_id: "cid".into(),
            redirect_uri: "http://app/cb".into(),
            scope: "READ".into(),
            login: "alice".into(),
            code_challenge: challenge.map(str::to_string),
        }
    }

    fn redemption<'a>(code: &'a str, verifier: Option<&'a str>) -> Redemption<'a> {
        Redemption {
            server: AuthServer::DataCenter,
            client_id: "cid",
            code,
            redirect_uri: Some("http://app/cb"),
            code_verifier: verifier,
        }
    }

    #[test]
    fn rfc7636_appendix_b_example() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn a_code_is_redeemed_once_with_its_verifier() {
        let codes = AuthCodes::new(60);
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let code = codes.issue(grant(Some(&s256_challenge(verifier))));
        // Another client's attempt leaves the code alone.
        let stranger = Redemption {
            client_id: "other",
            ..redemption(&code, Some(verifier))
        };
        assert!(codes.redeem(&stranger).is_err());
        assert_eq!(
            codes.redeem(&redemption(&code, Some(verifier))).unwrap(),
            grant(Some(&s256_challenge(verifier)))
        );
        assert!(codes.redeem(&redemption(&code, Some(verifier))).is_err());

        let code = codes.issue(grant(Some(&s256_challenge(verifier))));
        assert!(codes.redeem(&redemption(&code, None)).is_err());
        // Spent by the failed attempt.
        assert!(codes.redeem(&redemption(&code, Some(verifier))).is_err());
    }

    #[test]
    fn expiry_server_and_redirect_are_checked() {
        let expired = AuthCodes::new(0);
        let code = expired.issue(grant(None));
        assert_eq!(
            expired.redeem(&redemption(&code, None)),
            Err("The authorization code has expired.")
        );
        let codes = AuthCodes::new(60);
        let code = codes.issue(grant(None));
        let atlassian = Redemption {
            server: AuthServer::Atlassian,
            ..redemption(&code, None)
        };
        assert!(codes.redeem(&atlassian).is_err());
        let code = codes.issue(grant(None));
        let elsewhere = Redemption {
            redirect_uri: Some("http://app/cb2"),
            ..redemption(&code, None)
        };
        assert!(codes.redeem(&elsewhere).is_err());
        assert!(!well_formed_verifier("short"));
    }
}
