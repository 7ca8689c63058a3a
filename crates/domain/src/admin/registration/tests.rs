//! Every registration rule as a table: a form, and what the rules make of it.

use super::*;

fn form(provider: &str, auth: &str, base_url: &str) -> IntegrationForm {
    IntegrationForm {
        org: "acme".into(),
        provider: provider.into(),
        auth: auth.into(),
        base_url: base_url.into(),
        ..IntegrationForm::default()
    }
}

const SERVER: &str = "https://jira.example.com/jira";
const CLOUD: &str = "https://acme.atlassian.net";
const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----";

fn some(s: &str) -> Option<String> {
    Some(s.to_owned())
}

/// Rows: a form and either the auth setup, name and TLS it becomes, or a piece of the
/// message it is refused with.
#[test]
fn registration_rules() {
    enum Want {
        Ok(AuthSetup, &'static str, bool),
        Refused(&'static str),
    }
    use Want::{Ok as Accepted, Refused};
    let rows: Vec<(&str, IntegrationForm, Want)> = vec![
        (
            "a PAT on Server, named after the host",
            form("jira_server", "pat", SERVER),
            Accepted(AuthSetup::Pat, "jira.example.com", true),
        ),
        (
            "no PAT on Cloud",
            form("jira", "pat", CLOUD),
            Refused("--auth pat is not available for --provider jira: use one of basic, oauth2, connect-jwt"),
        ),
        (
            "no Connect on Server",
            form("jira_server", "connect-jwt", SERVER),
            Refused("--auth connect-jwt is not available for --provider jira_server: use one of pat, basic, oauth1, oauth2"),
        ),
        (
            "no OAuth 1.0a on Cloud",
            form("jira", "oauth1", CLOUD),
            Refused("--auth oauth1 is not available for --provider jira"),
        ),
        ("unknown provider", form("cloud", "pat", CLOUD), Refused("unknown provider \"cloud\"")),
        ("unknown method", form("jira", "token", CLOUD), Refused("unknown auth method \"token\"")),
        (
            "basic needs a user (Server)",
            form("jira_server", "basic", SERVER),
            Refused("--auth basic needs --user (the Jira user name)"),
        ),
        (
            "basic needs a user (Cloud), blank is none",
            IntegrationForm { user: some("  "), ..form("jira", "basic", CLOUD) },
            Refused("--auth basic needs --user (the Atlassian account email)"),
        ),
        (
            "basic with a user",
            IntegrationForm { user: some(" bob "), ..form("jira_server", "basic", SERVER) },
            Accepted(AuthSetup::Basic { user: "bob".into() }, "jira.example.com", true),
        ),
        (
            "a user with a control character",
            IntegrationForm { user: some("bo\u{1b}b"), ..form("jira_server", "basic", SERVER) },
            Refused("--user must not contain control characters"),
        ),
        (
            "a PAT takes no user",
            IntegrationForm { user: some("bob"), ..form("jira_server", "pat", SERVER) },
            Refused("--user does not apply to --auth pat: the token alone identifies the user"),
        ),
        (
            "basic takes no client id",
            IntegrationForm { user: some("bob"), client_id: some("x"), ..form("jira", "basic", CLOUD) },
            Refused("--client-id does not apply to --auth basic"),
        ),
        (
            "OAuth 2.0 on Cloud defaults to Atlassian's token URL",
            IntegrationForm { client_id: some("cid"), ..form("jira", "oauth2", CLOUD) },
            Accepted(
                AuthSetup::OAuth2 { client_id: "cid".into(), token_url: ATLASSIAN_TOKEN_URL.into() },
                "acme.atlassian.net",
                true,
            ),
        ),
        (
            "OAuth 2.0 on Server needs a token URL",
            IntegrationForm { client_id: some("cid"), ..form("jira_server", "oauth2", SERVER) },
            Refused("--auth oauth2 on jira_server needs --token-url"),
        ),
        (
            "OAuth 2.0 needs a client id",
            form("jira", "oauth2", CLOUD),
            Refused("--auth oauth2 needs --client-id (the OAuth client id)"),
        ),
        (
            "a token URL in plain http is refused",
            IntegrationForm {
                client_id: some("cid"),
                token_url: some("http://jira.example.com/rest/oauth2/latest/token"),
                ..form("jira_server", "oauth2", SERVER)
            },
            Refused("invalid --token-url"),
        ),
        (
            "a token URL of our own",
            IntegrationForm {
                client_id: some("cid"),
                token_url: some("https://jira.example.com/rest/oauth2/latest/token/"),
                ..form("jira_server", "oauth2", SERVER)
            },
            Accepted(
                AuthSetup::OAuth2 {
                    client_id: "cid".into(),
                    token_url: "https://jira.example.com/rest/oauth2/latest/token".into(),
                },
                "jira.example.com",
                true,
            ),
        ),
        (
            "OAuth 1.0a needs a consumer key",
            IntegrationForm { private_key_pem: Some(Secret::new(PEM)), ..form("jira_server", "oauth1", SERVER) },
            Refused("--auth oauth1 needs --consumer-key"),
        ),
        (
            "OAuth 1.0a needs a private key",
            IntegrationForm { consumer_key: some("ck"), ..form("jira_server", "oauth1", SERVER) },
            Refused("--auth oauth1 needs --private-key-file"),
        ),
        (
            "OAuth 1.0a with both",
            IntegrationForm {
                consumer_key: some("ck"),
                private_key_pem: Some(Secret::new(PEM)),
                ..form("jira_server", "oauth1", SERVER)
            },
            Accepted(
                AuthSetup::OAuth1 { consumer_key: "ck".into(), private_key_pem: Secret::new(PEM) },
                "jira.example.com",
                true,
            ),
        ),
        (
            "Connect defaults its issuer",
            form("jira", "connect-jwt", CLOUD),
            Accepted(
                AuthSetup::ConnectJwt { issuer: DEFAULT_CONNECT_ISSUER.into() },
                "acme.atlassian.net",
                true,
            ),
        ),
        (
            "Connect with an issuer",
            IntegrationForm { client_id: some("my-app"), ..form("jira", "connect-jwt", CLOUD) },
            Accepted(AuthSetup::ConnectJwt { issuer: "my-app".into() }, "acme.atlassian.net", true),
        ),
        (
            "no TLS opt-out on Cloud",
            IntegrationForm { no_verify_tls: true, user: some("a@b.c"), ..form("jira", "basic", CLOUD) },
            Refused("--no-verify-tls is only for jira_server"),
        ),
        (
            "a TLS opt-out on Server",
            IntegrationForm { no_verify_tls: true, ..form("jira_server", "pat", SERVER) },
            Accepted(AuthSetup::Pat, "jira.example.com", false),
        ),
        (
            "plain http off the loopback",
            form("jira_server", "pat", "http://jira.example.com"),
            Refused("plain http would send Jira credentials unencrypted"),
        ),
        (
            "plain http with --allow-http",
            IntegrationForm { allow_http: true, ..form("jira_server", "pat", "http://jira.example.com") },
            Accepted(AuthSetup::Pat, "jira.example.com", true),
        ),
        (
            "plain http on the loopback",
            form("jira_server", "pat", "http://127.0.0.1:8080"),
            Accepted(AuthSetup::Pat, "127.0.0.1", true),
        ),
        (
            "a newline inside the URL",
            form("jira_server", "pat", "https://jira.example.com\nX"),
            Refused("control character"),
        ),
        (
            "a name given",
            IntegrationForm { name: some(" Support Jira "), ..form("jira_server", "pat", SERVER) },
            Accepted(AuthSetup::Pat, "Support Jira", true),
        ),
        (
            "an empty name",
            IntegrationForm { name: some(" "), ..form("jira_server", "pat", SERVER) },
            Refused("--name must not be empty"),
        ),
        (
            "a tab in the name",
            IntegrationForm { name: some("a\tb"), ..form("jira_server", "pat", SERVER) },
            Refused("--name must not contain control characters"),
        ),
        (
            "the method is checked before the URL",
            form("jira", "pat", "not a url"),
            Refused("--auth pat is not available"),
        ),
    ];
    for (what, form, want) in rows {
        let got = check(&form);
        match (got, want) {
            (Ok(r), Accepted(auth, name, verify_tls)) => {
                assert_eq!(r.auth, auth, "{what}");
                assert_eq!(r.name.as_str(), name, "{what}");
                assert_eq!(r.verify_tls, verify_tls, "{what}");
            }
            (Err(e), Refused(part)) => assert!(e.0.contains(part), "{what}: {e}"),
            (Ok(r), Refused(part)) => panic!("{what}: accepted {r:?}, wanted {part:?}"),
            (Err(e), Accepted(..)) => panic!("{what}: refused with {e}"),
        }
    }
}

#[test]
fn secrets_pair_up_per_method() {
    let pair = |auth: AuthSetup, secret: &str| auth.with_secret(Secret::new(secret));
    let oauth2 = || AuthSetup::OAuth2 {
        client_id: "cid".into(),
        token_url: ATLASSIAN_TOKEN_URL.into(),
    };
    match pair(oauth2(), "cs:rt").unwrap() {
        Credentials::OAuth2 {
            client_secret,
            refresh_token,
            ..
        } => {
            assert_eq!(client_secret.expose(), "cs");
            assert_eq!(refresh_token.expose(), "rt");
        }
        other => panic!("{other:?}"),
    }
    for bad in ["cs", "cs:", ":rt"] {
        let err = pair(oauth2(), bad).unwrap_err();
        assert!(err.0.contains("client_secret:refresh_token"), "{err}");
        assert!(!err.0.contains(bad) || bad.len() < 3, "{err}");
    }
    let oauth1 = AuthSetup::OAuth1 {
        consumer_key: "ck".into(),
        private_key_pem: Secret::new(PEM),
    };
    assert!(pair(oauth1, "at")
        .unwrap_err()
        .0
        .contains("access_token:access_token_secret"));
    assert_eq!(
        pair(AuthSetup::Pat, "a:b").unwrap(),
        Credentials::Pat {
            token: Secret::new("a:b")
        }
    );
}

#[test]
fn secret_input_rules() {
    for (input, want) in [
        ("tok\n", "tok"),
        ("tok", "tok"),
        ("tok\r\n", "tok"),
        (" tok with spaces ", " tok with spaces "),
    ] {
        assert_eq!(
            secret_from_input(input).unwrap().expose(),
            want,
            "{input:?}"
        );
    }
    let huge = "x".repeat(1_000_000);
    for (input, why) in [
        ("", "no secret on standard input"),
        ("\n", "no secret on standard input"),
        ("   \n", "only whitespace"),
        ("\t\n", "control characters"),
        ("tok\nsecond\n", "more than one line"),
        ("tok\n\n", "more than one line"),
        ("to\u{7}k\n", "control characters"),
        (huge.as_str(), "too long"),
    ] {
        let err = secret_from_input(input).unwrap_err();
        assert!(
            err.0.contains(why),
            "{:?}: {err}",
            &input[..input.len().min(20)]
        );
        assert!(
            !err.0.contains("second") && !err.0.contains("xxxx"),
            "{err}"
        );
    }
}

#[test]
fn the_api_fields_a_method_takes_are_its_cli_flags() {
    let rows: [(AuthMethod, &[&str]); 5] = [
        (AuthMethod::Pat, &[]),
        (AuthMethod::Basic, &["user"]),
        (AuthMethod::OAuth1, &["consumer_key", "private_key"]),
        (AuthMethod::OAuth2, &["client_id", "token_url"]),
        (AuthMethod::ConnectJwt, &["client_id"]),
    ];
    for (method, fields) in rows {
        for (flag, field) in PLAIN_INPUTS {
            assert_eq!(
                takes_field(method, field),
                fields.contains(&field),
                "{method} {field}"
            );
            assert_eq!(
                inputs_of(method).contains(&flag),
                fields.contains(&field),
                "{method} {flag}"
            );
        }
    }
    assert!(
        !takes_field(AuthMethod::Basic, "--user"),
        "a flag is not a field"
    );
}
