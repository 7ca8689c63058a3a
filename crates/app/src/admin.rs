//! The administrative commands: orgs, integrations, tokens, the secret key.

use std::io::BufRead;

use domain::{
    AuthMethod, BaseUrl, Credentials, IntegrationId, IntegrationStore, JiraApi, JiraError,
    JiraRequest, OrgRef, Provider, Secret, Slug, ATLASSIAN_TOKEN_URL,
};
use store_sqlite::{NewIntegration, SecretKey, SqliteStore};

use crate::config::{
    Command, IntegrationAddArgs, IntegrationCommand, OrgCommand, SecretKeyCommand, TokenCommand,
};
use crate::CliError;

/// Runs one administrative command against the database.
pub async fn run(database_url: &str, command: Command) -> Result<(), CliError> {
    if let Command::SecretKey(SecretKeyCommand::Generate) = command {
        // Needs no database.
        println!("{}", SecretKey::generate().to_base64());
        return Ok(());
    }
    let store = open_store(database_url).await?;
    match command {
        Command::Serve(_)
        | Command::Healthcheck { .. }
        | Command::SecretKey(SecretKeyCommand::Generate) => {
            unreachable!("dispatched above")
        }
        Command::Backup { path } => store.backup_to(&path).await?,
        Command::Org(OrgCommand::Add { slug }) => {
            let org = store.create_org(&Slug::parse(&slug)?).await?;
            println!("{}", org.id);
        }
        Command::Org(OrgCommand::List) => {
            for org in store.list_orgs().await? {
                println!("{}\t{}", org.id, org.slug);
            }
        }
        Command::Integration(IntegrationCommand::Add(args)) => {
            // Validate everything before reading the secret, so a typo in a flag does not
            // swallow a pasted token.
            let pending = validate_integration(&args)?;
            let org = store.resolve_org(&pending.org).await?;
            let new = pending.with_secret(read_secret()?)?;
            let id = store.add_integration(&OrgRef::Id(org.id.0), &new).await?;
            println!("{id}");
        }
        Command::Integration(IntegrationCommand::List { org }) => {
            let org = org.as_deref().map(OrgRef::parse);
            if let Some(org) = &org {
                store.resolve_org(org).await?;
            }
            for i in store.list_integrations(org.as_ref()).await? {
                println!(
                    "{}\t{}\t{}\t{}\tauth={}{}\ttls={}\t{}\torgs={}",
                    i.id,
                    i.provider,
                    i.name,
                    i.base_url,
                    i.auth_method,
                    i.user.map(|u| format!(" user={u}")).unwrap_or_default(),
                    if i.verify_tls { "verify" } else { "no-verify" },
                    if i.enabled { "enabled" } else { "disabled" },
                    i.orgs.join(","),
                );
            }
        }
        Command::Integration(IntegrationCommand::Remove { id }) => {
            store.remove_integration(IntegrationId(id)).await?;
        }
        Command::Integration(IntegrationCommand::Disable { id }) => {
            store
                .set_integration_enabled(IntegrationId(id), false)
                .await?;
        }
        Command::Integration(IntegrationCommand::Enable { id }) => {
            store
                .set_integration_enabled(IntegrationId(id), true)
                .await?;
        }
        Command::Integration(IntegrationCommand::Check { id }) => check(&store, id).await?,
        Command::Token(TokenCommand::Add { org }) => {
            let org = store.resolve_org(&OrgRef::parse(&org)).await?;
            let token = domain::token::token_from_random(&rand::random::<[u8; 32]>());
            store.add_token(&OrgRef::Id(org.id.0), &token).await?;
            println!("{token}");
        }
        Command::Token(TokenCommand::Revoke { token_prefix }) => {
            store.revoke_token(&token_prefix).await?;
        }
        Command::SecretKey(SecretKeyCommand::Rotate) => {
            let line = read_line()?;
            let new_key =
                match line.trim() {
                    "" => None,
                    text => Some(SecretKey::from_base64(text).map_err(|e| {
                        CliError::Usage(format!("the new key on standard input: {e}"))
                    })?),
                };
            let n = store.rotate_secrets(new_key.as_ref()).await?;
            let how = if new_key.is_some() {
                "sealed under the new key"
            } else {
                "stored in plain text"
            };
            eprintln!("{n} integrations' secrets {how}");
        }
    }
    Ok(())
}

/// The key of `SECRET_KEY`, if set.
///
/// # Errors
/// [`CliError::Usage`] when it is set but not 32 bytes of base64.
pub fn secret_key_from_env() -> Result<Option<SecretKey>, CliError> {
    match std::env::var("SECRET_KEY") {
        Ok(v) if !v.trim().is_empty() => SecretKey::from_base64(&v)
            .map(Some)
            .map_err(|e| CliError::Usage(format!("SECRET_KEY: {e}"))),
        _ => Ok(None),
    }
}

/// Opens the database with the key of `SECRET_KEY`, saying which database failed.
pub async fn open_store(database_url: &str) -> Result<SqliteStore, CliError> {
    let key = secret_key_from_env()?;
    SqliteStore::open_with_key(database_url, key)
        .await
        .map_err(|e| {
            CliError::Failure(format!(
                "cannot open the database {database_url}: {}",
                crate::error_chain(&e)
            ))
        })
}

/// `integration check ID`: who does Jira think we are?
async fn check(store: &SqliteStore, id: i64) -> Result<(), CliError> {
    let summary = store
        .list_integrations(None)
        .await?
        .into_iter()
        .find(|i| i.id.0 == id)
        .ok_or_else(|| CliError::Usage(format!("integration {id} does not exist")))?;
    let integration = match summary.orgs.first() {
        Some(slug) => {
            let org = store.resolve_org(&OrgRef::Slug(slug.clone())).await?;
            store
                .linked_integration(org.id, IntegrationId(id))
                .await
                .map_err(|e| CliError::Failure(e.to_string()))?
        }
        None => None,
    }
    .ok_or_else(|| CliError::Failure(format!("integration {id} is linked to no org")))?;
    let jira = jira_http::HyperJira::with_credential_updates(
        jira_http::JiraHttpConfig::default(),
        store.clone(),
    )
    .map_err(|e| CliError::Failure(e.to_string()))?;
    let me = jira
        .get_json(&integration, &JiraRequest::get("rest/api/2/myself"))
        .await
        .map_err(|e| match e {
            JiraError::Status { status: 401, .. } | JiraError::Status { status: 403, .. } => {
                CliError::Failure(format!(
                    "Jira refused the credentials of integration {id} ({e}): check them, or add the integration again"
                ))
            }
            other => CliError::Failure(format!("Jira could not be asked: {}", crate::error_chain(&other))),
        })?;
    let text = |k: &str| me.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
    let id_field = integration.provider.user_id_field();
    let who = text(id_field);
    // Some Jira Server instances answer bad credentials as the anonymous user, with a 200.
    if who.is_empty() || who.eq_ignore_ascii_case("anonymous") {
        return Err(CliError::Failure(format!(
            "Jira answered integration {id} as an anonymous user: the credentials were not accepted"
        )));
    }
    let email = text("emailAddress");
    println!(
        "{who}\t{}{}",
        text("displayName"),
        if email.is_empty() {
            String::new()
        } else {
            format!("\t{email}")
        }
    );
    Ok(())
}

/// An `integration add` whose flags passed every check, waiting for its secret.
struct PendingIntegration {
    org: OrgRef,
    provider: Provider,
    name: String,
    base_url: BaseUrl,
    verify_tls: bool,
    method: AuthMethod,
    user: Option<String>,
    client_id: Option<String>,
    token_url: Option<String>,
    consumer_key: Option<String>,
    private_key_pem: Option<Secret>,
}

impl PendingIntegration {
    /// Builds the credentials from the secret read on standard input.
    fn with_secret(self, secret: Secret) -> Result<NewIntegration, CliError> {
        let pair = |what: &str| -> Result<(Secret, Secret), CliError> {
            match secret.expose().split_once(':') {
                Some((a, b)) if !a.is_empty() && !b.is_empty() => {
                    Ok((Secret::new(a), Secret::new(b)))
                }
                _ => Err(CliError::Usage(format!(
                    "--auth {} reads `{what}` on standard input (two values joined by ':')",
                    self.method
                ))),
            }
        };
        let credentials = match self.method {
            AuthMethod::Pat => Credentials::Pat {
                token: secret.clone(),
            },
            AuthMethod::Basic => Credentials::Basic {
                user: self.user.clone().unwrap_or_default(),
                secret: secret.clone(),
            },
            AuthMethod::OAuth1 => {
                let (access_token, token_secret) = pair("access_token:access_token_secret")?;
                Credentials::OAuth1 {
                    consumer_key: self.consumer_key.clone().unwrap_or_default(),
                    private_key_pem: self
                        .private_key_pem
                        .clone()
                        .unwrap_or_else(|| Secret::new("")),
                    access_token,
                    token_secret,
                }
            }
            AuthMethod::OAuth2 => {
                let (client_secret, refresh_token) = pair("client_secret:refresh_token")?;
                Credentials::OAuth2 {
                    client_id: self.client_id.clone().unwrap_or_default(),
                    token_url: self.token_url.clone().unwrap_or_default(),
                    client_secret,
                    refresh_token,
                }
            }
            AuthMethod::ConnectJwt => Credentials::ConnectJwt {
                issuer: self
                    .client_id
                    .clone()
                    .unwrap_or_else(|| "jira-search".to_owned()),
                shared_secret: secret.clone(),
            },
        };
        Ok(NewIntegration {
            provider: self.provider,
            name: self.name,
            base_url: self.base_url,
            verify_tls: self.verify_tls,
            credentials,
        })
    }
}

/// Which optional flags each method takes.
fn allowed_flags(method: AuthMethod) -> &'static [&'static str] {
    match method {
        AuthMethod::Pat => &[],
        AuthMethod::Basic => &["--user"],
        AuthMethod::OAuth1 => &["--consumer-key", "--private-key-file"],
        AuthMethod::OAuth2 => &["--client-id", "--token-url"],
        AuthMethod::ConnectJwt => &["--client-id"],
    }
}

/// Checks every flag of `integration add` (the secret comes later).
fn validate_integration(args: &IntegrationAddArgs) -> Result<PendingIntegration, CliError> {
    let provider: Provider = args.provider.parse()?;
    let method: AuthMethod = args.auth.parse()?;
    if !method.offered_by(provider) {
        let offered: Vec<&str> = [
            AuthMethod::Pat,
            AuthMethod::Basic,
            AuthMethod::OAuth1,
            AuthMethod::OAuth2,
            AuthMethod::ConnectJwt,
        ]
        .into_iter()
        .filter(|m| m.offered_by(provider))
        .map(AuthMethod::as_str)
        .collect();
        return Err(CliError::Usage(format!(
            "--auth {method} is not available for --provider {provider}: use one of {}",
            offered.join(", ")
        )));
    }
    let given = [
        ("--user", args.user.is_some()),
        ("--consumer-key", args.consumer_key.is_some()),
        ("--private-key-file", args.private_key_file.is_some()),
        ("--client-id", args.client_id.is_some()),
        ("--token-url", args.token_url.is_some()),
    ];
    if let Some((flag, _)) = given
        .iter()
        .find(|(flag, set)| *set && !allowed_flags(method).contains(flag))
    {
        let why = if *flag == "--user" && method == AuthMethod::Pat {
            ": the token alone identifies the user"
        } else {
            ""
        };
        return Err(CliError::Usage(format!(
            "{flag} does not apply to --auth {method}{why}"
        )));
    }
    let required = |flag: &str, value: &Option<String>, what: &str| -> Result<String, CliError> {
        match value.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v.to_owned()),
            _ => Err(CliError::Usage(format!(
                "--auth {method} needs {flag} ({what})"
            ))),
        }
    };
    let mut pending = PendingIntegration {
        org: OrgRef::parse(&args.org),
        provider,
        name: String::new(),
        base_url: BaseUrl::parse(&args.base_url, args.allow_http)?,
        verify_tls: !args.no_verify_tls,
        method,
        user: None,
        client_id: None,
        token_url: None,
        consumer_key: None,
        private_key_pem: None,
    };
    match method {
        AuthMethod::Pat | AuthMethod::ConnectJwt => {
            pending.client_id = args.client_id.clone();
        }
        AuthMethod::Basic => {
            let who = match provider {
                Provider::JiraServer => "the Jira user name",
                Provider::JiraCloud => "the Atlassian account email",
            };
            pending.user = Some(required("--user", &args.user, who)?);
        }
        AuthMethod::OAuth1 => {
            pending.consumer_key = Some(required(
                "--consumer-key",
                &args.consumer_key,
                "the application link's consumer key",
            )?);
            let path = args.private_key_file.as_ref().ok_or_else(|| {
                CliError::Usage(
                    "--auth oauth1 needs --private-key-file (the PEM of the RSA private key)"
                        .into(),
                )
            })?;
            let pem = std::fs::read_to_string(path).map_err(|e| {
                CliError::Usage(format!(
                    "cannot read --private-key-file {}: {e}",
                    path.display()
                ))
            })?;
            jira_http::oauth1::validate_private_key(&pem).map_err(|e| {
                CliError::Usage(format!("--private-key-file {}: {e}", path.display()))
            })?;
            pending.private_key_pem = Some(Secret::new(pem));
        }
        AuthMethod::OAuth2 => {
            pending.client_id = Some(required(
                "--client-id",
                &args.client_id,
                "the OAuth client id",
            )?);
            let token_url = match (&args.token_url, provider) {
                (Some(url), _) => url.clone(),
                (None, Provider::JiraCloud) => ATLASSIAN_TOKEN_URL.to_owned(),
                (None, Provider::JiraServer) => {
                    return Err(CliError::Usage(
                        "--auth oauth2 on jira_server needs --token-url (e.g. https://jira.example.com/rest/oauth2/latest/token)".into(),
                    ))
                }
            };
            let checked = BaseUrl::parse(&token_url, args.allow_http).map_err(|e| {
                CliError::Usage(e.0.replace("invalid base URL", "invalid --token-url"))
            })?;
            pending.token_url = Some(checked.as_str().to_owned());
        }
    }
    if args.no_verify_tls && provider == Provider::JiraCloud {
        return Err(CliError::Usage(
            "--no-verify-tls is only for jira_server: Jira Cloud always presents a valid certificate".into(),
        ));
    }
    pending.name = match args.name.as_deref().map(str::trim) {
        Some("") => return Err(CliError::Usage("--name must not be empty".into())),
        Some(n) => n.to_owned(),
        None => jira_http::url::host_of(&pending.base_url),
    };
    Ok(pending)
}

/// One line of standard input, the line ending stripped.
fn read_line() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Failure(format!("cannot read standard input: {e}")))?;
    let text = line.strip_suffix('\n').unwrap_or(&line);
    Ok(text.strip_suffix('\r').unwrap_or(text).to_owned())
}

/// Reads the secret: one line of standard input.
fn read_secret() -> Result<Secret, CliError> {
    let secret = read_line()?;
    if secret.is_empty() {
        return Err(CliError::Usage(
            "no secret on standard input: pipe the token or password as one line, e.g. `printf '%s\\n' \"$TOKEN\" | jira-search integration add ...`".into(),
        ));
    }
    if secret.chars().any(char::is_control) {
        return Err(CliError::Usage(
            "the secret on standard input contains control characters".into(),
        ));
    }
    Ok(Secret::new(secret))
}
