//! The rules of registering an integration: which provider offers which auth method, what
//! each method needs, TLS and plain-HTTP rules, and the defaults (token URL, Connect issuer,
//! name). Pure: the use case in `super` resolves the org and stores the result.

use crate::model::{
    AuthMethod, BaseUrl, Credentials, IntegrationName, InvalidInput, NewIntegration, Provider,
    ATLASSIAN_TOKEN_URL,
};
use crate::secret::Secret;

/// The `iss` of a Connect JWT when `--client-id` is not given.
pub const DEFAULT_CONNECT_ISSUER: &str = "jira-search";

/// Longest secret accepted on standard input. The longest real one, an OAuth 2.0 client
/// secret joined to a refresh token, is a few kilobytes.
pub const MAX_SECRET_LEN: usize = 16 * 1024;

/// An integration as an administrator asked for it (the flags of `integration add`), before
/// any check. The secret comes separately, once this passed: a typo in a flag must not
/// swallow a pasted token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrationForm {
    /// `--org`: slug or id.
    pub org: String,
    /// `--provider`: `jira_server` or `jira`.
    pub provider: String,
    /// `--base-url`.
    pub base_url: String,
    /// `--allow-http`.
    pub allow_http: bool,
    /// `--no-verify-tls`.
    pub no_verify_tls: bool,
    /// `--name`.
    pub name: Option<String>,
    /// `--auth`.
    pub auth: String,
    /// `--user`.
    pub user: Option<String>,
    /// `--client-id`.
    pub client_id: Option<String>,
    /// `--token-url`.
    pub token_url: Option<String>,
    /// `--consumer-key`.
    pub consumer_key: Option<String>,
    /// The PEM of `--private-key-file`, read (and checked to be an RSA key) by the caller.
    pub private_key_pem: Option<Secret>,
}

/// How an integration will authenticate, everything known but the secret. One variant per
/// method, each with exactly what that method needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthSetup {
    /// A personal access token (the secret).
    Pat,
    /// Basic auth: the user; the secret is the password or API token.
    Basic {
        /// Jira user name (Server) or Atlassian account email (Cloud).
        user: String,
    },
    /// OAuth 1.0a: the secret is `access_token:access_token_secret`.
    OAuth1 {
        /// The application link's consumer key.
        consumer_key: String,
        /// The RSA private key, PEM.
        private_key_pem: Secret,
    },
    /// OAuth 2.0: the secret is `client_secret:refresh_token`.
    OAuth2 {
        /// The OAuth client id.
        client_id: String,
        /// Where tokens are renewed (checked as a URL).
        token_url: String,
    },
    /// Atlassian Connect: the secret is the shared secret.
    ConnectJwt {
        /// The `iss` claim.
        issuer: String,
    },
}

impl AuthSetup {
    /// The method.
    pub fn method(&self) -> AuthMethod {
        match self {
            Self::Pat => AuthMethod::Pat,
            Self::Basic { .. } => AuthMethod::Basic,
            Self::OAuth1 { .. } => AuthMethod::OAuth1,
            Self::OAuth2 { .. } => AuthMethod::OAuth2,
            Self::ConnectJwt { .. } => AuthMethod::ConnectJwt,
        }
    }

    /// The credentials, with the secret read on standard input.
    ///
    /// # Errors
    /// [`InvalidInput`] when a method that reads two values joined by `:` gets something else.
    pub fn with_secret(self, secret: Secret) -> Result<Credentials, InvalidInput> {
        let method = self.method();
        let Some(what) = self.second_secret() else {
            return self.with_parts(secret, None);
        };
        match secret.expose().split_once(':') {
            Some((a, b)) if !a.is_empty() && !b.is_empty() => {
                let (a, b) = (Secret::new(a), Secret::new(b));
                self.with_parts(a, Some(b))
            }
            _ => Err(InvalidInput::new(format!(
                "--auth {method} reads `{what}` on standard input (two values joined by ':')"
            ))),
        }
    }

    /// What a method that takes two secrets calls them (`first:second`); `None` for the
    /// methods that take one.
    pub fn second_secret(&self) -> Option<&'static str> {
        match self {
            Self::OAuth1 { .. } => Some("access_token:access_token_secret"),
            Self::OAuth2 { .. } => Some("client_secret:refresh_token"),
            Self::Pat | Self::Basic { .. } | Self::ConnectJwt { .. } => None,
        }
    }

    /// The credentials from their secrets given apart (the admin API's fields): `second` is
    /// the access token secret (OAuth 1.0a) or the refresh token (OAuth 2.0).
    ///
    /// # Errors
    /// [`InvalidInput`] when a method that takes two secrets gets one.
    pub fn with_parts(
        self,
        first: Secret,
        second: Option<Secret>,
    ) -> Result<Credentials, InvalidInput> {
        let method = self.method();
        let second = |what: &str| {
            second.clone().ok_or_else(|| {
                InvalidInput::new(format!("--auth {method} needs two secrets: {what}"))
            })
        };
        Ok(match self {
            Self::Pat => Credentials::Pat { token: first },
            Self::Basic { user } => Credentials::Basic {
                user,
                secret: first,
            },
            Self::OAuth1 {
                consumer_key,
                private_key_pem,
            } => Credentials::OAuth1 {
                token_secret: second("access_token:access_token_secret")?,
                consumer_key,
                private_key_pem,
                access_token: first,
            },
            Self::OAuth2 {
                client_id,
                token_url,
            } => Credentials::OAuth2 {
                refresh_token: second("client_secret:refresh_token")?,
                client_id,
                token_url,
                client_secret: first,
            },
            Self::ConnectJwt { issuer } => Credentials::ConnectJwt {
                issuer,
                shared_secret: first,
            },
        })
    }
}

/// An integration whose every flag passed the rules, waiting for its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// Server / Data Center or Cloud.
    pub provider: Provider,
    /// The name, given or the host's.
    pub name: IntegrationName,
    /// Where Jira lives.
    pub base_url: BaseUrl,
    /// Whether TLS certificates are verified.
    pub verify_tls: bool,
    /// How it will authenticate.
    pub auth: AuthSetup,
}

impl Registration {
    /// The integration to store, with the secret read on standard input.
    ///
    /// # Errors
    /// As [`AuthSetup::with_secret`].
    pub fn with_secret(self, secret: Secret) -> Result<NewIntegration, InvalidInput> {
        Ok(NewIntegration {
            provider: self.provider,
            name: self.name,
            base_url: self.base_url,
            verify_tls: self.verify_tls,
            credentials: self.auth.with_secret(secret)?,
        })
    }
}

/// Which optional inputs each method takes.
/// The plain inputs of a registration, each as the CLI's flag and the admin API's field of
/// `auth`: the one list both faces read, so they always agree on what a method takes.
pub const PLAIN_INPUTS: [(&str, &str); 5] = [
    ("--user", "user"),
    ("--consumer-key", "consumer_key"),
    ("--private-key-file", "private_key"),
    ("--client-id", "client_id"),
    ("--token-url", "token_url"),
];

/// Whether `method` takes the plain input whose API field is `field` (see [`PLAIN_INPUTS`]).
pub fn takes_field(method: AuthMethod, field: &str) -> bool {
    PLAIN_INPUTS
        .iter()
        .any(|(flag, f)| *f == field && inputs_of(method).contains(flag))
}

fn inputs_of(method: AuthMethod) -> &'static [&'static str] {
    match method {
        AuthMethod::Pat => &[],
        AuthMethod::Basic => &["--user"],
        AuthMethod::OAuth1 => &["--consumer-key", "--private-key-file"],
        AuthMethod::OAuth2 => &["--client-id", "--token-url"],
        AuthMethod::ConnectJwt => &["--client-id"],
    }
}

/// Checks every rule of a registration but the org's existence, in a fixed order so one
/// mistake always gets the same message: provider, method, the method's inputs, base URL,
/// what the method needs, TLS, name.
///
/// # Errors
/// [`InvalidInput`] for the first rule broken.
pub fn check(form: &IntegrationForm) -> Result<Registration, InvalidInput> {
    let provider: Provider = form.provider.parse()?;
    let method: AuthMethod = form.auth.parse()?;
    if !method.offered_by(provider) {
        let offered: Vec<&str> = AuthMethod::ALL
            .into_iter()
            .filter(|m| m.offered_by(provider))
            .map(AuthMethod::as_str)
            .collect();
        return Err(InvalidInput::new(format!(
            "--auth {method} is not available for --provider {provider}: use one of {}",
            offered.join(", ")
        )));
    }
    let given = [
        ("--user", form.user.is_some()),
        ("--consumer-key", form.consumer_key.is_some()),
        ("--private-key-file", form.private_key_pem.is_some()),
        ("--client-id", form.client_id.is_some()),
        ("--token-url", form.token_url.is_some()),
    ];
    if let Some((input, _)) = given
        .iter()
        .find(|(input, set)| *set && !inputs_of(method).contains(input))
    {
        let why = if *input == "--user" && method == AuthMethod::Pat {
            ": the token alone identifies the user"
        } else {
            ""
        };
        return Err(InvalidInput::new(format!(
            "{input} does not apply to --auth {method}{why}"
        )));
    }
    let base_url = BaseUrl::parse(&form.base_url, form.allow_http)?;
    let required =
        |input: &str, value: &Option<String>, what: &str| match value.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => check_plain(input, v),
            _ => Err(InvalidInput::new(format!(
                "--auth {method} needs {input} ({what})"
            ))),
        };
    let auth = match method {
        AuthMethod::Pat => AuthSetup::Pat,
        AuthMethod::ConnectJwt => AuthSetup::ConnectJwt {
            issuer: match &form.client_id {
                Some(_) => required("--client-id", &form.client_id, "the Connect app key")?,
                None => DEFAULT_CONNECT_ISSUER.to_owned(),
            },
        },
        AuthMethod::Basic => {
            let who = match provider {
                Provider::JiraServer => "the Jira user name",
                Provider::JiraCloud => "the Atlassian account email",
            };
            AuthSetup::Basic {
                user: required("--user", &form.user, who)?,
            }
        }
        AuthMethod::OAuth1 => AuthSetup::OAuth1 {
            consumer_key: required(
                "--consumer-key",
                &form.consumer_key,
                "the application link's consumer key",
            )?,
            private_key_pem: form.private_key_pem.clone().ok_or_else(|| {
                InvalidInput::new(
                    "--auth oauth1 needs --private-key-file (the PEM of the RSA private key)",
                )
            })?,
        },
        AuthMethod::OAuth2 => {
            let client_id = required("--client-id", &form.client_id, "the OAuth client id")?;
            let token_url = match (&form.token_url, provider) {
                (Some(url), _) => url.clone(),
                (None, Provider::JiraCloud) => ATLASSIAN_TOKEN_URL.to_owned(),
                (None, Provider::JiraServer) => {
                    return Err(InvalidInput::new(
                        "--auth oauth2 on jira_server needs --token-url (e.g. https://jira.example.com/rest/oauth2/latest/token)",
                    ))
                }
            };
            let checked = BaseUrl::parse(&token_url, form.allow_http).map_err(|e| {
                InvalidInput::new(e.0.replace("invalid base URL", "invalid --token-url"))
            })?;
            AuthSetup::OAuth2 {
                client_id,
                token_url: checked.as_str().to_owned(),
            }
        }
    };
    if form.no_verify_tls && provider == Provider::JiraCloud {
        return Err(InvalidInput::new(
            "--no-verify-tls is only for jira_server: Jira Cloud always presents a valid certificate",
        ));
    }
    let name = match &form.name {
        Some(name) => IntegrationName::parse(name)?,
        None => IntegrationName::of_host(&base_url),
    };
    Ok(Registration {
        provider,
        name,
        base_url,
        verify_tls: !form.no_verify_tls,
        auth,
    })
}

/// Longest non-secret credential name (user, client id, consumer key).
const MAX_PLAIN_LEN: usize = 512;

/// A non-secret credential input: one line of visible text, bounded.
fn check_plain(input: &str, value: &str) -> Result<String, InvalidInput> {
    if value.chars().any(char::is_control) {
        return Err(InvalidInput::new(format!(
            "{input} must not contain control characters"
        )));
    }
    if value.len() > MAX_PLAIN_LEN {
        return Err(InvalidInput::new(format!(
            "{input} is {} bytes long; at most {MAX_PLAIN_LEN} are accepted",
            value.len()
        )));
    }
    Ok(value.to_owned())
}

/// The secret from what was read on standard input: exactly one line (its line ending
/// dropped), not blank, no control character, at most [`MAX_SECRET_LEN`] bytes. Nothing is
/// silently dropped: a second line is refused, not ignored.
///
/// # Errors
/// [`InvalidInput`] saying which rule the input breaks, never echoing it.
pub fn secret_from_input(input: &str) -> Result<Secret, InvalidInput> {
    let line = input
        .strip_suffix('\n')
        .map_or(input, |l| l.strip_suffix('\r').unwrap_or(l));
    if line.is_empty() {
        return Err(InvalidInput::new(
            "no secret on standard input: pipe the token or password as one line, e.g. `printf '%s\\n' \"$TOKEN\" | jira-search integration add ...`",
        ));
    }
    if line.len() > MAX_SECRET_LEN {
        return Err(InvalidInput::new(format!(
            "the secret on standard input is too long: at most {MAX_SECRET_LEN} bytes are accepted"
        )));
    }
    if line.contains('\n') {
        return Err(InvalidInput::new(
            "standard input holds more than one line: the secret must be exactly one line, so that nothing is silently dropped",
        ));
    }
    if line.chars().any(char::is_control) {
        return Err(InvalidInput::new(
            "the secret on standard input contains control characters",
        ));
    }
    if line.trim().is_empty() {
        return Err(InvalidInput::new(
            "the secret on standard input is only whitespace",
        ));
    }
    Ok(Secret::new(line))
}

#[cfg(test)]
mod tests;
