//! The CLI, black-box: exit codes, messages, nothing stored on bad input, no secret shown.

mod common;

use common::{code, integration_add, stderr, Db};

#[test]
fn orgs() {
    let db = Db::new();
    assert_eq!(db.ok(&["org", "add", "acme"], ""), "1");
    assert_eq!(db.ok(&["org", "add", "umbrella-2"], ""), "2");
    assert_eq!(db.ok(&["org", "list"], ""), "1\tacme\n2\tumbrella-2");
    let dup = db.cli(&["org", "add", "acme"], "");
    assert_eq!(code(&dup), 2, "{}", stderr(&dup));
    assert!(stderr(&dup).contains("acme"), "{}", stderr(&dup));
    for bad in ["Acme", "-x", "a_b", &"a".repeat(51)] {
        let out = db.cli(&["org", "add", "--", bad], "");
        assert_eq!(code(&out), 2, "{bad}");
        assert!(
            stderr(&out).contains("invalid org slug"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(db.ok(&["org", "list"], "").lines().count(), 2);
}

#[test]
fn usage_errors_exit_2_and_help_works() {
    let db = Db::new();
    let out = db.cli(&["frobnicate"], "");
    assert_eq!(code(&out), 2);
    let out = db.cli(&["integration", "add", "--help"], "");
    assert_eq!(code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("--base-url"));
    let out = db.cli(&["--help"], "");
    assert_eq!(code(&out), 0);
}

#[test]
fn help_never_prints_the_passwords_of_database_and_redis_urls() {
    let db = Db::new();
    let env = [
        (
            "DATABASE_URL",
            "postgres://js:pg-pa55word@db.internal:5432/js",
        ),
        ("REDIS_URL", "redis://:redis-pa55word@cache.internal:6379"),
    ];
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["org", "list", "--help"],
    ] {
        let out = db.cli_env(args, "", &env);
        assert_eq!(code(&out), 0, "{args:?}");
        let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(printed.contains("DATABASE_URL"), "{args:?}: {printed}");
        for password in ["pg-pa55word", "redis-pa55word"] {
            assert!(!printed.contains(password), "{args:?} printed {password}");
        }
    }
    // A database that cannot be opened is named without its password.
    let out = db.cli_env(
        &["org", "list"],
        "",
        &[("DATABASE_URL", "postgres://js:pg-pa55word@127.0.0.1:1/js")],
    );
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("127.0.0.1:1/js"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("pg-pa55word"), "{}", stderr(&out));
}

const SECRET: &str = "very-s3cret-value";

#[test]
fn integration_add_validates_everything_and_stores_nothing_on_error() {
    let db = Db::new();
    db.ok(&["org", "add", "acme"], "");
    let s = format!("{SECRET}\n");
    const SERVER: &str = "https://j.example.com";
    const CLOUD: &str = "https://x.atlassian.net";
    // (provider, base URL, `--auth` and its flags, standard input, the message expected)
    let cases: Vec<(&str, &str, Vec<&str>, &str, &str)> = vec![
        ("gitlab", SERVER, vec!["pat"], &s, "unknown provider"),
        (
            "jira_server",
            SERVER,
            vec!["magic"],
            &s,
            "unknown auth method",
        ),
        (
            "jira",
            CLOUD,
            vec!["pat"],
            &s,
            "not available for --provider jira",
        ),
        (
            "jira_server",
            SERVER,
            vec![
                "oauth1",
                "--consumer-key",
                "k",
                "--private-key-file",
                "/x.pem",
            ],
            &s,
            "cannot read --private-key-file /x.pem",
        ),
        (
            "jira",
            CLOUD,
            vec![
                "connect-jwt",
                "--token-url",
                "https://auth.example.com/token",
            ],
            &s,
            "--token-url does not apply to --auth connect-jwt",
        ),
        ("jira_server", SERVER, vec!["basic"], &s, "needs --user"),
        (
            "jira_server",
            SERVER,
            vec!["pat", "--user", "x"],
            &s,
            "--user does not apply",
        ),
        (
            "jira_server",
            SERVER,
            vec!["pat", "--client-id", "x"],
            &s,
            "--client-id does not apply",
        ),
        (
            "jira_server",
            "http://j.example.com",
            vec!["pat"],
            &s,
            "--allow-http",
        ),
        (
            "jira_server",
            "j.example.com",
            vec!["pat"],
            &s,
            "invalid base URL",
        ),
        (
            "jira_server",
            "https://u:pw@j.example.com",
            vec!["pat"],
            &s,
            "credentials do not belong",
        ),
        (
            "jira",
            CLOUD,
            vec!["basic", "--user", "a@b.c", "--no-verify-tls"],
            &s,
            "only for jira_server",
        ),
        (
            "jira_server",
            SERVER,
            vec!["pat"],
            "",
            "no secret on standard input",
        ),
        (
            "jira_server",
            SERVER,
            vec!["pat"],
            "\n",
            "no secret on standard input",
        ),
        (
            "jira_server",
            SERVER,
            vec!["pat", "--name", " "],
            &s,
            "--name must not be empty",
        ),
    ];
    for (provider, base_url, auth, stdin, message) in cases {
        let args = integration_add("acme", provider, base_url, &auth);
        let err = db.refused(&args, stdin, message);
        assert!(!err.contains(SECRET) && !err.contains("pw@"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
    // An unknown org: exit 2, and the secret was not even read.
    let out = db.cli(
        &integration_add("nobody", "jira_server", SERVER, &["pat"]),
        &s,
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(
        db.ok(&["integration", "list"], ""),
        "",
        "nothing was stored"
    );
}

#[test]
fn integrations_are_listed_without_secrets_and_removed() {
    let db = Db::new();
    db.ok(&["org", "add", "acme"], "");
    db.ok(&["org", "add", "other"], "");
    let id1 = db.ok(
        &integration_add(
            "acme",
            "jira_server",
            "https://jira.example.com/jira/",
            &["basic", "--user", "svc", "--no-verify-tls"],
        ),
        &format!("{SECRET}\r\n"),
    );
    let id2 = db.ok(
        &integration_add(
            "other",
            "jira",
            "https://acme.atlassian.net",
            &["basic", "--user", "bot@acme.com", "--name", "Cloud"],
        ),
        &format!("{SECRET}\n"),
    );
    assert_eq!((id1.as_str(), id2.as_str()), ("1", "2"));
    let all = db.ok(&["integration", "list"], "");
    assert!(!all.contains(SECRET), "{all}");
    assert!(
        all.contains("https://jira.example.com/jira\t"),
        "trailing slash removed: {all}"
    );
    assert!(
        all.contains("jira.example.com\thttps"),
        "name defaults to the host: {all}"
    );
    assert!(all.contains("tls=no-verify"), "{all}");
    assert!(all.contains("user=svc"), "{all}");
    let acme = db.ok(&["integration", "list", "--org", "acme"], "");
    assert_eq!(acme.lines().count(), 1);
    assert!(acme.starts_with("1\tjira_server\t"), "{acme}");
    let out = db.cli(&["integration", "list", "--org", "ghost"], "");
    assert_eq!(code(&out), 2);
    db.ok(&["integration", "remove", "1"], "");
    assert_eq!(db.ok(&["integration", "list"], "").lines().count(), 1);
    let out = db.cli(&["integration", "remove", "1"], "");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn tokens_are_shown_once_and_revoked_by_prefix() {
    let db = Db::new();
    db.ok(&["org", "add", "acme"], "");
    let t1 = db.ok(&["token", "add", "--org", "acme"], "");
    let t2 = db.ok(&["token", "add", "--org", "1"], "");
    assert!(t1.starts_with("jst_") && t1.len() == 68, "{t1}");
    assert_ne!(t1, t2);
    // Only a hash is stored: the token text is nowhere in the database file.
    let raw = std::fs::read(db.path()).unwrap();
    let wal = std::fs::read(db.dir.path().join("js.db-wal")).unwrap_or_default();
    for bytes in [&raw, &wal] {
        assert!(
            !bytes.windows(t1.len()).any(|w| w == t1.as_bytes()),
            "token stored in clear"
        );
    }
    let short = db.cli(&["token", "revoke", "jst_"], "");
    assert_eq!(code(&short), 2, "{}", stderr(&short));
    let unknown = db.cli(&["token", "revoke", "jst_zzzzzzzz"], "");
    assert_eq!(code(&unknown), 2, "{}", stderr(&unknown));
    db.ok(&["token", "revoke", &t1[..12]], "");
    db.ok(&["token", "revoke", &t2], "");
    let again = db.cli(&["token", "revoke", &t2], "");
    assert_eq!(code(&again), 2);
    let out = db.cli(&["token", "add", "--org", "ghost"], "");
    assert_eq!(code(&out), 2);
}

#[test]
fn a_database_that_cannot_be_opened_is_exit_1_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/missing/dir/js.db", dir.path().display());
    let out = std::process::Command::new(common::BIN)
        .args(["org", "list"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("cannot open the database"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_configuration_is_exit_2() {
    let db = Db::new();
    let out = std::process::Command::new(common::BIN)
        .arg("serve")
        .env("DATABASE_URL", &db.url)
        .env("JIRA_TIMEOUT_SECONDS", "soon")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("JIRA_TIMEOUT_SECONDS")
            || stderr(&out).contains("jira-timeout-seconds"),
        "{}",
        stderr(&out)
    );
}

/// The gaps a careless administrator found: each refused with exit 2 and one clear line,
/// and nothing stored.
#[test]
fn careless_input_is_refused_and_nothing_is_stored() {
    let db = Db::new();
    db.ok(&["org", "add", "acme"], "");
    // An all-digit slug would be read as an org id by --org and by the search route.
    for digits in ["123", "2", "0"] {
        let out = db.cli(&["org", "add", digits], "");
        assert_eq!(code(&out), 2, "{digits}");
        assert!(
            stderr(&out).contains("must not be all digits"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(db.ok(&["org", "list"], ""), "1\tacme");

    let server = |url| integration_add("acme", "jira_server", url, &["pat"]);
    let ok_url = "https://jira.example.com";
    let huge_secret = "s".repeat(1_000_000);
    let secrets: [(&str, &str); 5] = [
        ("   \n", "only whitespace"),
        ("tok\nsecond-line\n", "more than one line"),
        ("tok\n\n", "more than one line"),
        (&huge_secret, "too long"),
        ("to\u{1b}k\n", "control characters"),
    ];
    for (stdin, why) in secrets {
        let err = db.refused(&server(ok_url), stdin, why);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            !err.contains("second-line") && !err.contains("sss"),
            "{err}"
        );
    }
    let long_url = format!("https://jira.example.com/{}", "p".repeat(100_000));
    let long_host = format!("https://{}.example.com", "h".repeat(300));
    let urls: [(&str, &str); 3] = [
        (&long_url, "at most 2048"),
        (&long_host, "a host name has at most 253"),
        ("https://jira.example.com\nX", "control character"),
    ];
    for (url, why) in urls {
        let err = db.refused(&server(url), "tok\n", why);
        assert_eq!(err.trim_end().lines().count(), 1, "{err:.300}");
        assert!(err.len() < 1000, "{}", err.len());
    }
    let long_name = "n".repeat(201);
    let names: [(&str, &str); 4] = [
        ("a\tb", "control characters"),
        ("a\nb", "control characters"),
        ("\u{1b}[31mred", "control characters"),
        (&long_name, "at most 200"),
    ];
    for (name, why) in names {
        let mut args = server(ok_url);
        args.extend(["--name", name]);
        let err = db.refused(&args, "tok\n", why);
        assert!(!err.contains('\u{1b}'), "{err}");
    }
    assert_eq!(db.ok(&["integration", "list"], ""), "");
    // And the input that is fine still works.
    db.ok(&server(ok_url), "tok\r\n");
}

#[test]
fn a_malformed_database_url_is_exit_2_naming_the_variable() {
    for (url, why) in [
        ("", "is empty"),
        ("   ", "is empty"),
        ("sqlite://", "names no database file"),
        (
            "mysql://u:hunter2@db/js",
            "is neither a SQLite nor a PostgreSQL URL",
        ),
        (
            "redis://:hunter2@h/0",
            "is neither a SQLite nor a PostgreSQL URL",
        ),
        ("jira-search.db", "is neither a SQLite nor a PostgreSQL URL"),
    ] {
        let out = std::process::Command::new(common::BIN)
            .args(["org", "list"])
            .env("DATABASE_URL", url)
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{url:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("DATABASE_URL"), "{url:?}: {err}");
        assert!(err.contains(why), "{url:?}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(!err.contains("no such table"), "{err}");
    }
}
