//! How a simulator is set up: which Jira it plays, where it listens, its data and the credentials
//! it accepts.

use std::net::SocketAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::data::{SimIssue, SimProject, SimSuggestion, SimUser};

/// Which Jira the simulator plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// Jira Server / Data Center (`/rest/api/2`, usernames, unpaginated project list).
    Server,
    /// Jira Cloud (`/rest/api/2|3`, account ids, paged project search).
    Cloud,
}

impl FromStr for Flavor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "server" | "datacenter" | "data-center" => Ok(Flavor::Server),
            "cloud" => Ok(Flavor::Cloud),
            other => Err(format!(
                "unknown flavor '{other}' (expected 'server' or 'cloud')"
            )),
        }
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Flavor::Server => "server",
            Flavor::Cloud => "cloud",
        })
    }
}

/// How the simulator is set up. Build it with struct-update syntax over `Default::default()`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// Server or Cloud behaviour.
    pub flavor: Flavor,
    /// Where to listen; port 0 picks a free one (default `127.0.0.1:0`).
    pub listen: SocketAddr,
    /// Prefix under which every Jira route lives (e.g. `/jira`); empty for none.
    pub context_path: String,
    /// How many users to generate.
    pub users: usize,
    /// How many projects to generate.
    pub projects: usize,
    /// Seed of the generated data.
    pub seed: u64,
    /// Exact users added after the generated ones.
    pub extra_users: Vec<SimUser>,
    /// Exact projects added after the generated ones.
    pub extra_projects: Vec<SimProject>,
    /// Issues generated in each project (numbered `KEY-1`, `KEY-2`, ...).
    pub issues_per_project: usize,
    /// Exact issues added after the generated ones.
    pub extra_issues: Vec<SimIssue>,
    /// Exact autocomplete values added after the generated ones.
    pub extra_suggestions: Vec<SimSuggestion>,
    /// Milliseconds added to every Jira answer.
    pub latency_ms: u64,
    /// Bearer tokens accepted (personal access tokens, OAuth 2.0 access tokens).
    pub accept_tokens: Vec<String>,
    /// `(user or e-mail, secret)` pairs accepted for Basic authentication.
    pub accept_basic: Vec<(String, String)>,
    /// Server only: the instance hides e-mail addresses, so `emailAddress` is absent.
    pub hide_emails: bool,
    /// OAuth 1.0a RSA-SHA1 consumers: `(consumer key, RSA public key PEM)`; the PEM is SPKI
    /// (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`).
    pub oauth1_consumers: Vec<(String, String)>,
    /// OAuth 1.0a access tokens accepted (`oauth_token`).
    pub oauth1_tokens: Vec<String>,
    /// Atlassian Connect apps: `(issuer = app key, shared secret)` for `Authorization: JWT`.
    pub connect_apps: Vec<(String, String)>,
    /// OAuth 2.0 clients: `(client id, client secret, initial refresh token)`.
    pub oauth2_clients: Vec<(String, String, String)>,
    /// Lifetime of the access tokens the token endpoint issues, in seconds.
    pub oauth2_access_ttl_secs: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            flavor: Flavor::Server,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            context_path: String::new(),
            users: 25,
            projects: 5,
            seed: 1,
            extra_users: Vec::new(),
            extra_projects: Vec::new(),
            issues_per_project: 3,
            extra_issues: Vec::new(),
            extra_suggestions: Vec::new(),
            latency_ms: 0,
            accept_tokens: Vec::new(),
            accept_basic: Vec::new(),
            hide_emails: false,
            oauth1_consumers: Vec::new(),
            oauth1_tokens: Vec::new(),
            connect_apps: Vec::new(),
            oauth2_clients: Vec::new(),
            oauth2_access_ttl_secs: 3600,
        }
    }
}

impl SimConfig {
    /// Whether the instance accepts anonymous requests (no credentials configured).
    pub fn is_open(&self) -> bool {
        self.accept_tokens.is_empty()
            && self.accept_basic.is_empty()
            && self.oauth1_consumers.is_empty()
            && self.connect_apps.is_empty()
            && self.oauth2_clients.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavor_parses() {
        assert_eq!("server".parse::<Flavor>().unwrap(), Flavor::Server);
        assert_eq!("Cloud".parse::<Flavor>().unwrap(), Flavor::Cloud);
        assert!("jira".parse::<Flavor>().is_err());
    }
}
