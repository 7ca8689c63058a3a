//! One connected Jira instance: as registered, as stored, and as listed.

use super::base_url::BaseUrl;
use super::credentials::Credentials;
use super::invalid::InvalidInput;
use super::org::{IntegrationId, Slug};
use super::provider::{AuthMethod, Provider};

/// One connected Jira instance, credentials included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// Numeric id.
    pub id: IntegrationId,
    /// Server / Data Center or Cloud.
    pub provider: Provider,
    /// A human name (defaults to the host).
    pub name: String,
    /// Where Jira lives.
    pub base_url: BaseUrl,
    /// Whether TLS certificates are verified (always true on Cloud).
    pub verify_tls: bool,
    /// A disabled integration answers 404, like a missing one.
    pub enabled: bool,
    /// How to authenticate.
    pub credentials: Credentials,
}

/// An integration's human name: 1 to [`IntegrationName::MAX_LEN`] characters, no control
/// character (listings are one line per integration, tab-separated, shown on terminals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationName(String);

impl IntegrationName {
    /// Most characters of a name.
    pub const MAX_LEN: usize = 200;

    /// Validates a name given by an administrator (surrounding whitespace dropped).
    ///
    /// # Errors
    /// [`InvalidInput`] for an empty name, a control character, or a name too long.
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let name = s.trim();
        if name.is_empty() {
            return Err(InvalidInput::new("--name must not be empty"));
        }
        if name.chars().any(char::is_control) {
            return Err(InvalidInput::new(
                "--name must not contain control characters (a tab, a newline or an escape)",
            ));
        }
        let len = name.chars().count();
        if len > Self::MAX_LEN {
            return Err(InvalidInput::new(format!(
                "--name is {len} characters long; at most {} are accepted",
                Self::MAX_LEN
            )));
        }
        Ok(Self(name.to_owned()))
    }

    /// The default name: the base URL's host.
    pub fn of_host(base_url: &BaseUrl) -> Self {
        Self(base_url.host().to_owned())
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An integration to register, every rule checked (see `crate::admin`). `Debug` prints no
/// secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntegration {
    /// Server / Data Center or Cloud.
    pub provider: Provider,
    /// A human name.
    pub name: IntegrationName,
    /// Where Jira lives.
    pub base_url: BaseUrl,
    /// Whether TLS certificates are verified.
    pub verify_tls: bool,
    /// How to authenticate.
    pub credentials: Credentials,
}

/// One line of `integration list`: everything about an integration except its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationSummary {
    /// Numeric id.
    pub id: IntegrationId,
    /// Server / Data Center or Cloud.
    pub provider: Provider,
    /// The human name.
    pub name: String,
    /// Where Jira lives.
    pub base_url: String,
    /// Whether TLS certificates are verified.
    pub verify_tls: bool,
    /// Whether searches may use it.
    pub enabled: bool,
    /// How it authenticates.
    pub auth_method: AuthMethod,
    /// The non-secret name of the credentials: the basic user, the OAuth 1.0a consumer
    /// key, the OAuth 2.0 client id or the Connect JWT issuer.
    pub user: Option<String>,
    /// The orgs it is linked to, by org id.
    pub orgs: Vec<Slug>,
    /// When it was stored (RFC 3339, UTC).
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(IntegrationName::parse("  Jira  ").unwrap().as_str(), "Jira");
        assert_eq!(
            IntegrationName::parse(&"é".repeat(200)).unwrap().as_str(),
            "é".repeat(200)
        );
        for (bad, why) in [
            ("", "must not be empty"),
            ("   ", "must not be empty"),
            ("a\tb", "control characters"),
            ("a\nb", "control characters"),
            ("\u{1b}[31mred", "control characters"),
            (&"n".repeat(201), "at most 200"),
        ] {
            let err = IntegrationName::parse(bad).unwrap_err();
            assert!(err.0.contains(why), "{bad:?}: {err}");
        }
        let url = BaseUrl::parse("https://jira.example.com:8443/jira", false).unwrap();
        assert_eq!(IntegrationName::of_host(&url).as_str(), "jira.example.com");
    }
}
