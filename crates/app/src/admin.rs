//! The administrative commands: a thin face over the domain's administration use cases
//! (orgs, integrations, tokens, signing keys), plus what the store adapters do themselves
//! (backup of a SQLite file, sealing with the secret key).

use std::io::{BufRead, Read};

use domain::admin::{secret_from_input, IntegrationForm, MAX_SECRET_LEN};
use domain::{Administration, IntegrationId, Secret, Slug};
use store_sqlite::SecretKey;

pub use crate::store::open_store;

use crate::config::{
    Command, IntegrationAddArgs, IntegrationCommand, OrgCommand, SecretKeyCommand,
    SigningKeyCommand, TokenCommand,
};
use crate::error::CliError;

/// Runs one administrative command against the database.
pub async fn run(database_url: &str, command: Command) -> Result<(), CliError> {
    if let Command::SecretKey(SecretKeyCommand::Generate) = command {
        // Needs no database.
        println!("{}", SecretKey::generate().to_base64());
        return Ok(());
    }
    let store = open_store(database_url, secret_key_from_env()?).await?;
    let admin = Administration::new(store.clone());
    match command {
        Command::Serve(_)
        | Command::Healthcheck { .. }
        | Command::Db(_)
        | Command::SecretKey(SecretKeyCommand::Generate) => {
            unreachable!("dispatched above")
        }
        Command::Backup { path } => store.backup_to(&path).await?,
        Command::Org(OrgCommand::Add { slug }) => {
            println!("{}", admin.create_org(&slug).await?.id);
        }
        Command::Org(OrgCommand::List) => {
            for org in admin.list_orgs().await? {
                println!("{}\t{}", org.id, org.slug);
            }
        }
        Command::Integration(IntegrationCommand::Add(args)) => {
            // Every rule is checked before the secret is read, so a typo in a flag does not
            // swallow a pasted token.
            let pending = admin.prepare_integration(&form_of(&args)?).await?;
            let id = admin.register_integration(pending, read_secret()?).await?;
            println!("{id}");
        }
        Command::Integration(IntegrationCommand::List { org }) => {
            for i in admin.list_integrations(org.as_deref()).await? {
                let orgs: Vec<&str> = i.orgs.iter().map(Slug::as_str).collect();
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
                    orgs.join(","),
                );
            }
        }
        Command::Integration(IntegrationCommand::Remove { id }) => {
            admin.remove_integration(IntegrationId(id)).await?;
        }
        Command::Integration(IntegrationCommand::Disable { id }) => {
            admin
                .set_integration_enabled(IntegrationId(id), false)
                .await?;
        }
        Command::Integration(IntegrationCommand::Enable { id }) => {
            admin
                .set_integration_enabled(IntegrationId(id), true)
                .await?;
        }
        Command::Integration(IntegrationCommand::Check { id }) => {
            let jira = jira_http::HyperJira::with_credential_updates(
                jira_http::JiraHttpConfig::default(),
                store.clone(),
            )
            .map_err(|e| CliError::Failure(e.to_string()))?;
            let me = admin.check_integration(&jira, IntegrationId(id)).await?;
            match me.email {
                Some(email) => println!("{}\t{}\t{email}", me.id, me.display_name),
                None => println!("{}\t{}", me.id, me.display_name),
            }
        }
        Command::Token(TokenCommand::Add {
            org,
            admin: true,
            name,
        }) => {
            let _ = org;
            let token = admin
                .add_admin_token(name.as_deref(), &rand::random::<[u8; 32]>())
                .await?;
            println!("{token}");
        }
        Command::Token(TokenCommand::Add { org, name, .. }) => {
            let org = org.unwrap_or_default();
            let (token, _) = admin
                .add_named_token(&org, name.as_deref(), &rand::random::<[u8; 32]>())
                .await?;
            println!("{token}");
        }
        Command::Token(TokenCommand::Revoke { token_prefix }) => {
            admin.revoke_token(&token_prefix).await?;
        }
        Command::SigningKey(SigningKeyCommand::Add { org, name }) => {
            let random = domain::browser_token::SigningKeyRandom {
                id: rand::random(),
                secret: rand::random(),
            };
            let made = admin
                .add_signing_key(&org, name.as_deref(), &random)
                .await?;
            println!("{}\n{}", made.summary.id, made.secret.expose());
        }
        Command::SigningKey(SigningKeyCommand::List { org }) => {
            for k in admin.list_signing_keys(&org).await? {
                println!(
                    "{}\t{}\t{}",
                    k.id,
                    k.name.unwrap_or_default(),
                    crate::api::views::rfc3339_text(&k.created_at)
                );
            }
        }
        Command::SigningKey(SigningKeyCommand::Revoke { id }) => {
            admin.revoke_signing_key(&id).await?;
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
            eprintln!(
                "{n} stored secrets (integrations, apps, connections in flight, signing keys) {how}"
            );
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

/// The flags of `integration add` as the domain's form. Only the CLI knows about files, so
/// it reads the private key file (and checks it is an RSA key), but only once every other
/// rule passed: a missing `--consumer-key` is reported before an unreadable key file.
fn form_of(args: &IntegrationAddArgs) -> Result<IntegrationForm, CliError> {
    let mut form = IntegrationForm {
        org: args.org.clone(),
        provider: args.provider.clone(),
        base_url: args.base_url.clone(),
        allow_http: args.allow_http,
        no_verify_tls: args.no_verify_tls,
        name: args.name.clone(),
        auth: args.auth.clone(),
        user: args.user.clone(),
        client_id: args.client_id.clone(),
        token_url: args.token_url.clone(),
        consumer_key: args.consumer_key.clone(),
        // Given or not, for the rules; the key itself is read below.
        private_key_pem: args.private_key_file.as_ref().map(|_| Secret::new("")),
    };
    domain::admin::check_registration(&form)?;
    form.private_key_pem = match &args.private_key_file {
        None => None,
        Some(path) => {
            let pem = std::fs::read_to_string(path).map_err(|e| {
                CliError::Usage(format!(
                    "cannot read --private-key-file {}: {e}",
                    path.display()
                ))
            })?;
            jira_http::oauth1::validate_private_key(&pem).map_err(|e| {
                CliError::Usage(format!("--private-key-file {}: {e}", path.display()))
            })?;
            Some(Secret::new(pem))
        }
    };
    Ok(form)
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

/// The secret: all of standard input (bounded), which must be exactly one line. A person
/// typing at a terminal ends it with Enter.
fn read_secret() -> Result<Secret, CliError> {
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Ok(secret_from_input(&read_line()?)?);
    }
    let mut input = Vec::new();
    // A few bytes past the limit, so the domain sees that it is too long.
    let limit = MAX_SECRET_LEN as u64 + 3;
    std::io::stdin()
        .lock()
        .take(limit)
        .read_to_end(&mut input)
        .map_err(|e| CliError::Failure(format!("cannot read standard input: {e}")))?;
    let text = if input.len() as u64 >= limit {
        // Cut at the limit, maybe inside a character: the domain refuses it as too long.
        String::from_utf8_lossy(&input).into_owned()
    } else {
        String::from_utf8(input)
            .map_err(|_| CliError::Usage("the secret on standard input is not UTF-8 text".into()))?
    };
    Ok(secret_from_input(&text)?)
}
