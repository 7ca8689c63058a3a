//! The tokens of OAuth 1.0a's three legs (RFC 5849 2), as Jira's application links hand them
//! out: a request token waits for the user's decision, then is exchanged once, with its
//! verifier, for an access token bound to the consumer that asked.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::random::random_token;
use crate::sync::lock;

/// A problem in the words of the OAuth Problem Reporting extension, as Jira answers it.
type ProblemName = &'static str;

/// The verifier Jira sends back to the callback when the user denies access.
pub(crate) const DENIED_VERIFIER: &str = "denied";

/// A token and its secret, as the request-token and access-token endpoints answer them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IssuedToken {
    pub(crate) token: String,
    pub(crate) secret: String,
}

/// A request token waiting for the user's decision, as the consent page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PendingToken {
    pub(crate) consumer: String,
    pub(crate) callback: String,
}

/// The user's decision on a request token: where to send the browser, with which verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decided {
    pub(crate) callback: String,
    /// A random verifier when allowed, [`DENIED_VERIFIER`] when denied.
    pub(crate) verifier: String,
}

enum Decision {
    Allowed { login: String, verifier: String },
    Denied,
}

struct RequestToken {
    consumer: String,
    callback: String,
    expires: Instant,
    decision: Option<Decision>,
}

struct AccessToken {
    consumer: String,
    login: String,
}

#[derive(Default)]
struct State {
    request: HashMap<String, RequestToken>,
    access: HashMap<String, AccessToken>,
}

/// Request tokens and the access tokens exchanged for them.
pub(crate) struct OAuth1Tokens {
    ttl: Duration,
    state: Mutex<State>,
    exchanged: AtomicU64,
}

impl OAuth1Tokens {
    /// Request tokens stay usable `ttl_secs` seconds after they are issued.
    pub(crate) fn new(ttl_secs: u64) -> Self {
        Self {
            ttl: Duration::from_secs(ttl_secs),
            state: Mutex::new(State::default()),
            exchanged: AtomicU64::new(0),
        }
    }

    /// A new request token of `consumer`, whose user comes back to `callback`; expired request
    /// tokens are forgotten on the way.
    pub(crate) fn issue_request_token(&self, consumer: &str, callback: &str) -> IssuedToken {
        let issued = IssuedToken {
            token: random_token("sim-rt1-"),
            secret: random_token(""),
        };
        let now = Instant::now();
        let mut state = lock(&self.state);
        state.request.retain(|_, t| t.expires > now);
        state.request.insert(
            issued.token.clone(),
            RequestToken {
                consumer: consumer.to_string(),
                callback: callback.to_string(),
                expires: now + self.ttl,
                decision: None,
            },
        );
        issued
    }

    /// The request token, when it exists, has not expired and awaits a decision.
    pub(crate) fn pending(&self, token: &str) -> Option<PendingToken> {
        let state = lock(&self.state);
        let t = state.request.get(token)?;
        (t.decision.is_none() && t.expires > Instant::now()).then(|| PendingToken {
            consumer: t.consumer.clone(),
            callback: t.callback.clone(),
        })
    }

    /// Records the user's decision on a pending request token: `Some(login)` allows access
    /// as that user, `None` denies it. `None` when the token is not pending.
    pub(crate) fn decide(&self, token: &str, allowed_as: Option<&str>) -> Option<Decided> {
        let mut state = lock(&self.state);
        let t = state.request.get_mut(token)?;
        if t.decision.is_some() || t.expires <= Instant::now() {
            return None;
        }
        let (decision, verifier) = match allowed_as {
            Some(login) => {
                let verifier = random_token("");
                let decision = Decision::Allowed {
                    login: login.to_string(),
                    verifier: verifier.clone(),
                };
                (decision, verifier)
            }
            None => (Decision::Denied, DENIED_VERIFIER.to_string()),
        };
        t.decision = Some(decision);
        Some(Decided {
            callback: t.callback.clone(),
            verifier,
        })
    }

    /// Exchanges a request token of `consumer` and its verifier for an access token. A token
    /// presented by its consumer is spent whatever the outcome; `Err` names the problem.
    pub(crate) fn exchange(
        &self,
        consumer: &str,
        token: &str,
        verifier: &str,
    ) -> Result<IssuedToken, ProblemName> {
        let mut state = lock(&self.state);
        match state.request.get(token) {
            Some(t) if t.consumer == consumer => {}
            _ => return Err("token_rejected"),
        }
        let Some(request) = state.request.remove(token) else {
            return Err("token_rejected");
        };
        if request.expires <= Instant::now() {
            return Err("token_expired");
        }
        let login = match request.decision {
            None => return Err("permission_unknown"),
            Some(Decision::Denied) => return Err("permission_denied"),
            Some(Decision::Allowed { login, verifier: v }) if v == verifier => login,
            Some(Decision::Allowed { .. }) => return Err("token_rejected"),
        };
        let issued = IssuedToken {
            token: random_token("sim-at1-"),
            secret: random_token(""),
        };
        state.access.insert(
            issued.token.clone(),
            AccessToken {
                consumer: consumer.to_string(),
                login,
            },
        );
        self.exchanged.fetch_add(1, Ordering::Relaxed);
        Ok(issued)
    }

    /// Who an access token issued to `consumer` acts as.
    pub(crate) fn access_login(&self, consumer: &str, token: &str) -> Option<String> {
        lock(&self.state)
            .access
            .get(token)
            .filter(|a| a.consumer == consumer)
            .map(|a| a.login.clone())
    }

    /// How many request tokens were exchanged for access tokens.
    pub(crate) fn exchanged(&self) -> u64 {
        self.exchanged.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_legs() {
        let tokens = OAuth1Tokens::new(60);
        let rt = tokens.issue_request_token("ck", "http://app/cb?state=1");
        assert_eq!(tokens.pending(&rt.token).unwrap().consumer, "ck");
        // Not yet authorized.
        let early = tokens.issue_request_token("ck", "oob");
        assert_eq!(
            tokens.exchange("ck", &early.token, "x"),
            Err("permission_unknown")
        );
        let decided = tokens.decide(&rt.token, Some("alice")).unwrap();
        assert_eq!(decided.callback, "http://app/cb?state=1");
        assert!(tokens.pending(&rt.token).is_none());
        assert!(tokens.decide(&rt.token, None).is_none());
        // Another consumer cannot use it, and does not spend it.
        assert_eq!(
            tokens.exchange("other", &rt.token, &decided.verifier),
            Err("token_rejected")
        );
        let at = tokens.exchange("ck", &rt.token, &decided.verifier).unwrap();
        assert_eq!(
            tokens.access_login("ck", &at.token).as_deref(),
            Some("alice")
        );
        assert_eq!(tokens.access_login("other", &at.token), None);
        assert_eq!(
            tokens.exchange("ck", &rt.token, &decided.verifier),
            Err("token_rejected")
        );
        assert_eq!(tokens.exchanged(), 1);
    }

    #[test]
    fn denied_wrong_verifier_and_expired() {
        let tokens = OAuth1Tokens::new(60);
        let rt = tokens.issue_request_token("ck", "http://app/cb");
        let decided = tokens.decide(&rt.token, None).unwrap();
        assert_eq!(decided.verifier, DENIED_VERIFIER);
        assert_eq!(
            tokens.exchange("ck", &rt.token, DENIED_VERIFIER),
            Err("permission_denied")
        );
        let rt = tokens.issue_request_token("ck", "http://app/cb");
        tokens.decide(&rt.token, Some("bob")).unwrap();
        assert_eq!(
            tokens.exchange("ck", &rt.token, "guess"),
            Err("token_rejected")
        );
        let expired = OAuth1Tokens::new(0);
        let rt = expired.issue_request_token("ck", "http://app/cb");
        assert!(expired.pending(&rt.token).is_none());
        assert!(expired.decide(&rt.token, Some("bob")).is_none());
        assert_eq!(expired.exchange("ck", &rt.token, "v"), Err("token_expired"));
    }
}
