//! The rules of registering an OAuth app: which fields each kind takes and needs. Pure: the
//! HTTP layer reads (or generates) the RSA key of an OAuth 1.0a app, which needs a crypto
//! library the domain does not have.

use crate::model::{AppKind, BaseUrl, InvalidInput};
use crate::secret::Secret;

/// An app as the product sent it, before any check. `Debug` prints no secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppForm {
    /// `atlassian-3lo`, `dc-oauth2` or `server-oauth1`.
    pub kind: String,
    /// The Jira (Data Center and Server kinds).
    pub base_url: Option<String>,
    /// Plain http allowed for `base_url` beyond the loopback.
    pub allow_http: bool,
    /// OAuth 2.0 client id.
    pub client_id: Option<String>,
    /// OAuth 2.0 client secret.
    pub client_secret: Option<Secret>,
    /// OAuth 1.0a consumer key.
    pub consumer_key: Option<String>,
    /// OAuth 1.0a private key (PEM); omitted: the service generates one.
    pub private_key: Option<Secret>,
    /// Whether the Jira's TLS certificate is verified (Data Center and Server kinds);
    /// omitted: `true`.
    pub verify_tls: Option<bool>,
}

/// An app whose fields passed the rules: the kind, its Jira, its client id (or consumer key)
/// and its secret (for OAuth 1.0a, the private key when one was given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedApp {
    /// Which authorization server.
    pub kind: AppKind,
    /// The Jira, for the Data Center and Server kinds.
    pub base_url: Option<BaseUrl>,
    /// The client id or consumer key.
    pub client_id: String,
    /// The client secret, or the private key when given.
    pub secret: Option<Secret>,
    /// Whether the Jira's TLS certificate is verified (always `true` for Atlassian 3LO).
    pub verify_tls: bool,
}

/// Longest client id or consumer key.
const MAX_ID_LEN: usize = 512;

/// Checks an app's fields in a fixed order: kind, the fields the kind does not take, base
/// URL, client id or consumer key, secret.
///
/// # Errors
/// [`InvalidInput`] naming the field (`kind`, `base_url`, `client_id`, `client_secret`,
/// `consumer_key`, `private_key`, `allow_http`, `verify_tls`) first in the message.
pub fn check_app(form: &AppForm) -> Result<CheckedApp, InvalidInput> {
    let kind: AppKind = form
        .kind
        .parse()
        .map_err(|e: InvalidInput| InvalidInput::new(format!("kind: {}", e.0)))?;
    let given = [
        ("base_url", form.base_url.is_some()),
        ("allow_http", form.allow_http),
        ("client_id", form.client_id.is_some()),
        ("client_secret", form.client_secret.is_some()),
        ("consumer_key", form.consumer_key.is_some()),
        ("private_key", form.private_key.is_some()),
        ("verify_tls", form.verify_tls.is_some()),
    ];
    let takes: &[&str] = match kind {
        AppKind::Atlassian3lo => &["client_id", "client_secret"],
        AppKind::DcOAuth2 => &[
            "base_url",
            "allow_http",
            "client_id",
            "client_secret",
            "verify_tls",
        ],
        AppKind::ServerOAuth1 => &[
            "base_url",
            "allow_http",
            "consumer_key",
            "private_key",
            "verify_tls",
        ],
    };
    if let Some((field, _)) = given.iter().find(|(f, set)| *set && !takes.contains(f)) {
        return Err(InvalidInput::new(format!(
            "{field}: an app of kind {kind} does not take {field}"
        )));
    }
    let base_url = match kind {
        AppKind::Atlassian3lo => None,
        AppKind::DcOAuth2 | AppKind::ServerOAuth1 => {
            let raw = form.base_url.as_deref().unwrap_or("");
            if raw.trim().is_empty() {
                return Err(InvalidInput::new(format!(
                    "base_url: an app of kind {kind} needs the base URL of its Jira"
                )));
            }
            Some(
                BaseUrl::parse(raw, form.allow_http)
                    .map_err(|e| InvalidInput::new(format!("base_url: {}", e.0)))?,
            )
        }
    };
    let (id_field, id) = match kind {
        AppKind::ServerOAuth1 => ("consumer_key", &form.consumer_key),
        _ => ("client_id", &form.client_id),
    };
    let id = id.as_deref().map(str::trim).unwrap_or("");
    if id.is_empty() {
        return Err(InvalidInput::new(format!(
            "{id_field}: an app of kind {kind} needs {id_field}"
        )));
    }
    if id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(InvalidInput::new(format!(
            "{id_field}: at most {MAX_ID_LEN} bytes of visible text"
        )));
    }
    let secret = match kind {
        AppKind::ServerOAuth1 => form.private_key.clone(),
        _ => {
            let secret = form
                .client_secret
                .clone()
                .unwrap_or_else(|| Secret::new(""));
            if secret.expose().trim().is_empty() {
                return Err(InvalidInput::new(format!(
                    "client_secret: an app of kind {kind} needs client_secret"
                )));
            }
            check_secret("client_secret", &secret)?;
            Some(secret)
        }
    };
    Ok(CheckedApp {
        kind,
        base_url,
        client_id: id.to_owned(),
        secret,
        verify_tls: form.verify_tls.unwrap_or(true),
    })
}

/// A secret given in a request body: bounded, one line of visible text (a PEM may span
/// lines: the caller checks those with a key parser).
///
/// # Errors
/// [`InvalidInput`] naming `field`, never echoing the secret.
pub fn check_secret(field: &str, secret: &Secret) -> Result<(), InvalidInput> {
    let s = secret.expose();
    if s.len() > super::registration::MAX_SECRET_LEN {
        return Err(InvalidInput::new(format!(
            "{field}: too long: at most {} bytes are accepted",
            super::registration::MAX_SECRET_LEN
        )));
    }
    if s.trim().is_empty() {
        return Err(InvalidInput::new(format!("{field}: must not be empty")));
    }
    if s.chars().any(char::is_control) {
        return Err(InvalidInput::new(format!(
            "{field}: must not contain control characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str) -> AppForm {
        AppForm {
            kind: kind.into(),
            ..AppForm::default()
        }
    }

    #[test]
    fn each_kind_takes_its_fields() {
        let ok = check_app(&AppForm {
            client_id: Some("cid".into()),
            client_secret: Some(Secret::new("s")),
            ..form("atlassian-3lo")
        })
        .unwrap();
        assert_eq!(ok.kind, AppKind::Atlassian3lo);
        assert_eq!(ok.base_url, None);
        let dc = check_app(&AppForm {
            base_url: Some("https://jira.example.com/".into()),
            client_id: Some("cid".into()),
            client_secret: Some(Secret::new("s")),
            ..form("dc-oauth2")
        })
        .unwrap();
        assert!(dc.verify_tls, "verify_tls defaults to true");
        assert_eq!(dc.base_url.unwrap().as_str(), "https://jira.example.com");
        let o1 = check_app(&AppForm {
            base_url: Some("https://jira.example.com".into()),
            consumer_key: Some("ck".into()),
            verify_tls: Some(false),
            ..form("server-oauth1")
        })
        .unwrap();
        assert!(!o1.verify_tls);
        assert_eq!((o1.client_id.as_str(), o1.secret), ("ck", None));
    }

    #[test]
    fn mistakes_name_their_field() {
        for (f, want) in [
            (form("github"), "kind: unknown app kind"),
            (
                AppForm {
                    base_url: Some("https://x".into()),
                    ..form("atlassian-3lo")
                },
                "base_url: an app of kind atlassian-3lo does not take base_url",
            ),
            (
                AppForm {
                    client_id: Some("c".into()),
                    ..form("server-oauth1")
                },
                "client_id: an app of kind server-oauth1 does not take client_id",
            ),
            (
                AppForm {
                    client_id: Some("c".into()),
                    client_secret: Some(Secret::new("s")),
                    verify_tls: Some(false),
                    ..form("atlassian-3lo")
                },
                "verify_tls: an app of kind atlassian-3lo does not take verify_tls",
            ),
            (
                form("dc-oauth2"),
                "base_url: an app of kind dc-oauth2 needs",
            ),
            (
                AppForm {
                    base_url: Some("ftp://x".into()),
                    ..form("dc-oauth2")
                },
                "base_url: invalid base URL",
            ),
            (
                AppForm {
                    base_url: Some("https://x".into()),
                    client_id: Some(" ".into()),
                    ..form("dc-oauth2")
                },
                "client_id: an app of kind dc-oauth2 needs client_id",
            ),
            (
                AppForm {
                    client_id: Some("c".into()),
                    ..form("atlassian-3lo")
                },
                "client_secret: an app of kind atlassian-3lo needs client_secret",
            ),
            (
                AppForm {
                    client_id: Some("c".into()),
                    client_secret: Some(Secret::new("a\u{7}b")),
                    ..form("atlassian-3lo")
                },
                "client_secret: must not contain control characters",
            ),
        ] {
            let err = check_app(&f).unwrap_err();
            assert!(err.0.starts_with(want), "{err} / {want}");
        }
    }
}
