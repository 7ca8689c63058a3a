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

/// A Jira Cloud site the Atlassian authorization server grants access to: what
/// `GET /oauth/token/accessible-resources` lists, and whose REST API answers under
/// `/ex/jira/{id}/`. Every site serves the instance's data.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SimSite {
    /// The cloud id (a UUID on Atlassian's side; any text without `/` here).
    pub id: String,
    /// The site's name, e.g. `acme` for `https://acme.atlassian.net`.
    pub name: String,
    /// The site's URL, e.g. `https://acme.atlassian.net`.
    pub url: String,
}

impl SimSite {
    /// The site `name` at `https://{name}.atlassian.net`.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            id: id.into(),
            url: format!("https://{name}.atlassian.net"),
            name,
        }
    }
}

/// The cloud id of the site a default [`SimConfig`] grants access to.
pub const DEFAULT_CLOUD_ID: &str = "7d4f6a2e-3c1b-4e8a-9f05-2b6c8d1e0a93";

/// The prefix under which Atlassian's API gateway serves a site's REST API.
const GATEWAY_PREFIX: &str = "/ex/jira/";

/// Splits a path of Atlassian's API gateway, `/ex/jira/{cloud id}{rest}`, into the cloud id and
/// the rest (`""` when nothing follows the id); `None` for any other path.
pub(crate) fn split_gateway_path(path: &str) -> Option<(&str, &str)> {
    let after = path.strip_prefix(GATEWAY_PREFIX)?;
    let (id, rest) = match after.find('/') {
        Some(at) => after.split_at(at),
        None => (after, ""),
    };
    (!id.is_empty()).then_some((id, rest))
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
    /// OAuth 2.0 clients: `(client id, client secret, initial refresh token)`; an empty
    /// initial refresh token means none. They are the clients of both authorization servers
    /// (Atlassian's 3LO and Data Center's) as well.
    pub oauth2_clients: Vec<(String, String, String)>,
    /// Lifetime of the access tokens the token endpoint issues, in seconds.
    pub oauth2_access_ttl_secs: u64,
    /// The Cloud sites a 3LO grant covers (default: one site, `jira-sim`, whose id is
    /// [`DEFAULT_CLOUD_ID`]); empty means a grant covers no site.
    pub cloud_sites: Vec<SimSite>,
    /// Redirect URIs registered for every OAuth 2.0 client; an authorization request naming
    /// another one gets an error page. Empty (the default): any absolute URI is accepted.
    pub oauth2_redirect_uris: Vec<String>,
    /// How long an authorization code (OAuth 2.0) or an unexchanged request token (OAuth
    /// 1.0a) stays usable, in seconds (default 300; 0 expires them at once).
    pub oauth_code_ttl_secs: u64,
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
            cloud_sites: vec![SimSite::new(DEFAULT_CLOUD_ID, "jira-sim")],
            oauth2_redirect_uris: Vec::new(),
            oauth_code_ttl_secs: 300,
        }
    }
}

impl SimConfig {
    /// Whether the instance accepts anonymous requests (no credentials configured). Sites and
    /// redirect URIs configure no credential; OAuth 2.0 clients and OAuth 1.0a consumers do.
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

    #[test]
    fn gateway_paths_split() {
        assert_eq!(
            split_gateway_path("/ex/jira/abc/rest/api/3/myself"),
            Some(("abc", "/rest/api/3/myself"))
        );
        assert_eq!(split_gateway_path("/ex/jira/abc"), Some(("abc", "")));
        assert_eq!(split_gateway_path("/ex/jira/"), None);
        assert_eq!(split_gateway_path("/ex/jira//rest"), None);
        assert_eq!(split_gateway_path("/rest/api/3/myself"), None);
    }

    #[test]
    fn default_config_is_open_with_one_site() {
        let cfg = SimConfig::default();
        assert!(cfg.is_open());
        assert_eq!(cfg.cloud_sites.len(), 1);
        assert_eq!(cfg.cloud_sites[0].url, "https://jira-sim.atlassian.net");
        assert_eq!(cfg.oauth_code_ttl_secs, 300);
        let with_client = SimConfig {
            oauth2_clients: vec![("c".into(), "s".into(), String::new())],
            ..SimConfig::default()
        };
        assert!(!with_client.is_open());
    }
}
