//! The administrative commands: orgs, integrations, tokens.

use std::io::BufRead;

use domain::{AuthMethod, BaseUrl, Credentials, OrgRef, Provider, Secret, Slug};
use store_sqlite::{NewIntegration, SqliteStore};

use crate::config::{Command, IntegrationAddArgs, IntegrationCommand, OrgCommand, TokenCommand};
use crate::CliError;

/// Runs one administrative command against the database.
pub async fn run(database_url: &str, command: Command) -> Result<(), CliError> {
    let store = open_store(database_url).await?;
    match command {
        Command::Serve(_) => unreachable!("serve is dispatched by main"),
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
            store.remove_integration(domain::IntegrationId(id)).await?;
        }
        Command::Token(TokenCommand::Add { org }) => {
            let org = store.resolve_org(&OrgRef::parse(&org)).await?;
            let token = domain::token::token_from_random(&rand::random::<[u8; 32]>());
            store.add_token(&OrgRef::Id(org.id.0), &token).await?;
            println!("{token}");
        }
        Command::Token(TokenCommand::Revoke { token_prefix }) => {
            store.revoke_token(&token_prefix).await?;
        }
    }
    Ok(())
}

/// Opens the database, saying which one failed without echoing anything else.
pub async fn open_store(database_url: &str) -> Result<SqliteStore, CliError> {
    SqliteStore::open(database_url).await.map_err(|e| {
        CliError::Failure(format!(
            "cannot open the database {database_url}: {}",
            crate::error_chain(&e)
        ))
    })
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
}

impl PendingIntegration {
    fn with_secret(self, secret: Secret) -> Result<NewIntegration, CliError> {
        let credentials = match self.method {
            AuthMethod::Basic => Credentials::Basic {
                user: self.user.unwrap_or_default(),
                secret,
            },
            AuthMethod::Pat => Credentials::Pat { token: secret },
            other => {
                return Err(CliError::Usage(format!(
                    "--auth {other} is not supported yet"
                )))
            }
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
    if !method.implemented() {
        return Err(CliError::Usage(format!(
            "--auth {method} is not supported yet by this version of jira-search: use pat or basic for now"
        )));
    }
    let misplaced = [
        ("--consumer-key", args.consumer_key.is_some()),
        ("--private-key-file", args.private_key_file.is_some()),
        ("--client-id", args.client_id.is_some()),
        ("--token-url", args.token_url.is_some()),
    ];
    if let Some((flag, _)) = misplaced.iter().find(|(_, set)| *set) {
        return Err(CliError::Usage(format!(
            "{flag} does not apply to --auth {method}"
        )));
    }
    match method {
        AuthMethod::Basic if args.user.as_deref().is_none_or(str::is_empty) => {
            let who = match provider {
                Provider::JiraServer => "the Jira user name",
                Provider::JiraCloud => "the Atlassian account email",
            };
            return Err(CliError::Usage(format!(
                "--auth basic needs --user ({who})"
            )));
        }
        AuthMethod::Pat if args.user.is_some() => {
            return Err(CliError::Usage(
                "--user does not apply to --auth pat: the token alone identifies the user".into(),
            ));
        }
        _ => {}
    }
    if args.no_verify_tls && provider == Provider::JiraCloud {
        return Err(CliError::Usage(
            "--no-verify-tls is only for jira_server: Jira Cloud always presents a valid certificate".into(),
        ));
    }
    let base_url = BaseUrl::parse(&args.base_url, args.allow_http)?;
    let name = match args.name.as_deref().map(str::trim) {
        Some("") => return Err(CliError::Usage("--name must not be empty".into())),
        Some(n) => n.to_owned(),
        None => jira_http::url::host_of(&base_url),
    };
    Ok(PendingIntegration {
        org: OrgRef::parse(&args.org),
        provider,
        name,
        base_url,
        verify_tls: !args.no_verify_tls,
        method,
        user: args.user.clone(),
    })
}

/// Reads the secret: one line of standard input, the line ending stripped.
fn read_secret() -> Result<Secret, CliError> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| {
        CliError::Failure(format!("cannot read the secret from standard input: {e}"))
    })?;
    let secret = line.strip_suffix('\n').unwrap_or(&line);
    let secret = secret.strip_suffix('\r').unwrap_or(secret);
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
