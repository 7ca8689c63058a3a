//! The admin API's routes (`/api/v1/...`) and the connect routes (`/connect/...`),
//! recognised from the path alone.

use domain::model::AppId;
use domain::IntegrationId;

/// A route of the admin API or of the connect flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiRoute {
    /// `/api/v1/orgs`.
    Orgs,
    /// `/api/v1/orgs/{org}`.
    Org(String),
    /// `/api/v1/orgs/{org}/integrations`.
    OrgIntegrations(String),
    /// `/api/v1/orgs/{org}/tokens`.
    OrgTokens(String),
    /// `/api/v1/orgs/{org}/connections`.
    OrgConnections(String),
    /// `/api/v1/orgs/{org}/signing-keys`.
    OrgSigningKeys(String),
    /// `/api/v1/signing-keys/{id}`.
    SigningKey(String),
    /// `/api/v1/integrations/{id}`.
    Integration(IntegrationId),
    /// `/api/v1/integrations/{id}/credentials`.
    IntegrationCredentials(IntegrationId),
    /// `/api/v1/integrations/{id}/check`.
    IntegrationCheck(IntegrationId),
    /// `/api/v1/tokens/{prefix}`.
    Token(String),
    /// `/api/v1/apps`.
    Apps,
    /// `/api/v1/apps/{id}`.
    App(AppId),
    /// `/connect/callback`: where Jira sends the browser back.
    Callback,
    /// `/connect/site`: the site choice form posts here.
    Site,
    /// Under `/api/` or `/connect/`, but no route.
    NotFound,
}

impl ApiRoute {
    /// Whether `path` belongs to the admin API or the connect flow.
    pub fn owns(path: &str) -> bool {
        path == "/api" || path.starts_with("/api/") || path.starts_with("/connect/")
    }

    /// Parses a path [`ApiRoute::owns`]. A trailing slash is accepted; ids are digits.
    pub fn parse(path: &str) -> Self {
        match path.strip_suffix('/').unwrap_or(path) {
            "/connect/callback" => return Self::Callback,
            "/connect/site" => return Self::Site,
            _ => {}
        }
        let Some(rest) = path.strip_prefix("/api/v1/") else {
            return Self::NotFound;
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Self::NotFound;
        }
        let id = |s: &str| -> Option<i64> {
            (s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let text = |s: &str| percent_decode(s);
        match parts.as_slice() {
            ["orgs"] => Self::Orgs,
            ["orgs", org] => text(org).map_or(Self::NotFound, Self::Org),
            ["orgs", org, "integrations"] => {
                text(org).map_or(Self::NotFound, Self::OrgIntegrations)
            }
            ["orgs", org, "tokens"] => text(org).map_or(Self::NotFound, Self::OrgTokens),
            ["orgs", org, "connections"] => text(org).map_or(Self::NotFound, Self::OrgConnections),
            ["orgs", org, "signing-keys"] => text(org).map_or(Self::NotFound, Self::OrgSigningKeys),
            ["signing-keys", key] => text(key).map_or(Self::NotFound, Self::SigningKey),
            ["integrations", i] => {
                id(i).map_or(Self::NotFound, |i| Self::Integration(IntegrationId(i)))
            }
            ["integrations", i, "credentials"] => id(i).map_or(Self::NotFound, |i| {
                Self::IntegrationCredentials(IntegrationId(i))
            }),
            ["integrations", i, "check"] => {
                id(i).map_or(Self::NotFound, |i| Self::IntegrationCheck(IntegrationId(i)))
            }
            ["tokens", prefix] => text(prefix).map_or(Self::NotFound, Self::Token),
            ["apps"] => Self::Apps,
            ["apps", i] => id(i).map_or(Self::NotFound, |i| Self::App(AppId(i))),
            _ => Self::NotFound,
        }
    }

    /// The methods this route answers, as `Allow` names them.
    pub fn allowed(&self) -> &'static [&'static str] {
        match self {
            Self::Orgs
            | Self::OrgIntegrations(_)
            | Self::OrgTokens(_)
            | Self::OrgSigningKeys(_)
            | Self::Apps => &["GET", "POST"],
            Self::Org(_) | Self::App(_) => &["GET", "DELETE"],
            Self::OrgConnections(_) | Self::IntegrationCheck(_) | Self::Site => &["POST"],
            Self::Integration(_) => &["GET", "PATCH", "DELETE"],
            Self::IntegrationCredentials(_) => &["PUT"],
            Self::Token(_) | Self::SigningKey(_) => &["DELETE"],
            Self::Callback => &["GET"],
            Self::NotFound => &[],
        }
    }

    /// The bounded name used in metrics and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Callback | Self::Site => "connect",
            Self::NotFound => "not_found",
            _ => "admin_api",
        }
    }

    /// Whether the route is the browser's (no admin token: the state authenticates).
    pub fn is_browser(&self) -> bool {
        matches!(self, Self::Callback | Self::Site)
    }
}

/// A path segment, percent-decoded; `None` when it is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.contains('\u{fffd}') || s.contains('\u{fffd}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        for (path, want) in [
            ("/api/v1/orgs", ApiRoute::Orgs),
            ("/api/v1/orgs/", ApiRoute::Orgs),
            ("/api/v1/orgs/acme", ApiRoute::Org("acme".into())),
            (
                "/api/v1/orgs/7/integrations",
                ApiRoute::OrgIntegrations("7".into()),
            ),
            (
                "/api/v1/orgs/acme/tokens",
                ApiRoute::OrgTokens("acme".into()),
            ),
            (
                "/api/v1/orgs/acme/connections",
                ApiRoute::OrgConnections("acme".into()),
            ),
            (
                "/api/v1/integrations/3",
                ApiRoute::Integration(IntegrationId(3)),
            ),
            (
                "/api/v1/integrations/3/credentials",
                ApiRoute::IntegrationCredentials(IntegrationId(3)),
            ),
            (
                "/api/v1/integrations/3/check",
                ApiRoute::IntegrationCheck(IntegrationId(3)),
            ),
            ("/api/v1/integrations/x", ApiRoute::NotFound),
            (
                "/api/v1/integrations/99999999999999999999",
                ApiRoute::NotFound,
            ),
            (
                "/api/v1/tokens/jst_abcd1234",
                ApiRoute::Token("jst_abcd1234".into()),
            ),
            (
                "/api/v1/orgs/acme/signing-keys",
                ApiRoute::OrgSigningKeys("acme".into()),
            ),
            (
                "/api/v1/signing-keys/jsk_0123456789ab",
                ApiRoute::SigningKey("jsk_0123456789ab".into()),
            ),
            ("/api/v1/signing-keys", ApiRoute::NotFound),
            ("/api/v1/apps", ApiRoute::Apps),
            ("/api/v1/apps/2", ApiRoute::App(AppId(2))),
            ("/api/v1/orgs//tokens", ApiRoute::NotFound),
            ("/api/v2/orgs", ApiRoute::NotFound),
            ("/connect/callback", ApiRoute::Callback),
            ("/connect/site", ApiRoute::Site),
            ("/connect/other", ApiRoute::NotFound),
            ("/api/v1/orgs/a%20b", ApiRoute::Org("a b".into())),
        ] {
            assert_eq!(ApiRoute::parse(path), want, "{path}");
        }
        assert!(ApiRoute::owns("/api/v1/orgs"));
        assert!(ApiRoute::owns("/connect/callback"));
        assert!(!ApiRoute::owns("/apiary"));
        assert!(!ApiRoute::owns("/extensions/jira/search/a/1/"));
    }
}
