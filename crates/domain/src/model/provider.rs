//! Which flavour of Jira an integration talks to, and how the service authenticates to it.

use std::fmt;
use std::str::FromStr;

use super::invalid::InvalidInput;

/// Which flavour of Jira an integration talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Jira Server / Data Center (`jira_server`).
    JiraServer,
    /// Jira Cloud (`jira`).
    JiraCloud,
}

impl Provider {
    /// The stored and CLI name: `jira_server` or `jira`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JiraServer => "jira_server",
            Self::JiraCloud => "jira",
        }
    }

    /// The name used in error messages: `Jira Server` or `Jira`.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::JiraServer => "Jira Server",
            Self::JiraCloud => "Jira",
        }
    }

    /// The user object's id field: `name` on Server, `accountId` on Cloud.
    pub fn user_id_field(self) -> &'static str {
        match self {
            Self::JiraServer => "name",
            Self::JiraCloud => "accountId",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "jira_server" => Ok(Self::JiraServer),
            "jira" => Ok(Self::JiraCloud),
            other => Err(InvalidInput::new(format!(
                "unknown provider {other:?}: use jira_server (Jira Server / Data Center) or jira (Jira Cloud)"
            ))),
        }
    }
}

/// How the service authenticates to Jira (`--auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Personal access token, sent as Bearer (Server / Data Center 8.14+).
    Pat,
    /// Basic user:password (Server) or email:api_token (Cloud).
    Basic,
    /// OAuth 1.0a RSA-SHA1 (Server application links).
    OAuth1,
    /// OAuth 2.0 with refresh-token renewal.
    OAuth2,
    /// Atlassian Connect JWT (Cloud).
    ConnectJwt,
}

impl AuthMethod {
    /// Every method, in the order messages list them.
    pub const ALL: [Self; 5] = [
        Self::Pat,
        Self::Basic,
        Self::OAuth1,
        Self::OAuth2,
        Self::ConnectJwt,
    ];

    /// The CLI and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pat => "pat",
            Self::Basic => "basic",
            Self::OAuth1 => "oauth1",
            Self::OAuth2 => "oauth2",
            Self::ConnectJwt => "connect-jwt",
        }
    }

    /// Whether the provider offers this method at all (docs/api.md's table).
    pub fn offered_by(self, provider: Provider) -> bool {
        match provider {
            Provider::JiraServer => {
                matches!(self, Self::Pat | Self::Basic | Self::OAuth1 | Self::OAuth2)
            }
            Provider::JiraCloud => matches!(self, Self::Basic | Self::OAuth2 | Self::ConnectJwt),
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthMethod {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pat" => Ok(Self::Pat),
            "basic" => Ok(Self::Basic),
            "oauth1" => Ok(Self::OAuth1),
            "oauth2" => Ok(Self::OAuth2),
            "connect-jwt" => Ok(Self::ConnectJwt),
            other => Err(InvalidInput::new(format!(
                "unknown auth method {other:?}: use pat, basic, oauth1, oauth2 or connect-jwt"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_and_methods() {
        assert_eq!(
            "jira_server".parse::<Provider>().unwrap(),
            Provider::JiraServer
        );
        assert_eq!("jira".parse::<Provider>().unwrap(), Provider::JiraCloud);
        assert!("cloud".parse::<Provider>().is_err());
        assert!(AuthMethod::Pat.offered_by(Provider::JiraServer));
        assert!(!AuthMethod::Pat.offered_by(Provider::JiraCloud));
        assert!(AuthMethod::ConnectJwt.offered_by(Provider::JiraCloud));
        assert!(!AuthMethod::OAuth1.offered_by(Provider::JiraCloud));
        for m in AuthMethod::ALL {
            assert_eq!(m.as_str().parse::<AuthMethod>().unwrap(), m);
        }
    }
}
