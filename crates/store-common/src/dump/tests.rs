//! The dump's own rules: times, the schema check, and never a secret in what it says.

use super::*;

#[test]
fn times_keep_their_text_across_databases() {
    let t = |s: &str| time_from_micros_text(s.to_owned());
    assert_eq!(t("2025-01-02T03:04:05.678000Z"), "2025-01-02T03:04:05.678Z");
    assert_eq!(t("2025-01-02T03:04:05.000000Z"), "2025-01-02T03:04:05.000Z");
    assert_eq!(
        t("2025-01-02T03:04:05.678901Z"),
        "2025-01-02T03:04:05.678901Z"
    );
    assert_eq!(
        t("2025-01-02T03:04:05.678100Z"),
        "2025-01-02T03:04:05.678100Z"
    );
    for ok in [
        "2025-01-02T03:04:05Z",
        "2025-01-02T03:04:05.1Z",
        "2025-01-02T03:04:05.123456Z",
    ] {
        assert!(is_utc_time(ok), "{ok}");
    }
    for bad in [
        "",
        "2025-01-02 03:04:05",
        "2025-01-02T03:04:05",
        "2025-01-02T03:04:05+02:00",
        "2025-01-02T03:04:05.Z",
        "2025-01-02T03:04:05.1234567Z",
        "yesterday",
    ] {
        assert!(!is_utc_time(bad), "{bad}");
    }
}

#[test]
fn a_schema_is_checked_table_by_table_and_column_by_column() {
    let exact: Vec<(String, Vec<String>)> = TABLES
        .iter()
        .map(|s| {
            (
                s.name.to_owned(),
                s.columns.iter().map(|c| c.name.to_owned()).collect(),
            )
        })
        .chain([("_sqlx_migrations".to_owned(), vec!["version".to_owned()])])
        .collect();
    check_schema(&exact).unwrap();
    let mut more = exact.clone();
    more[1].1.push("access_token".into());
    more.push(("links".into(), vec!["id".into()]));
    more[0].1.retain(|c| c != "slug");
    let e = check_schema(&more).unwrap_err().to_string();
    for said in [
        "column integrations.access_token is not known",
        "table links is not known",
        "column orgs.slug is missing",
    ] {
        assert!(e.contains(said), "{e}");
    }
    let e = check_schema(&exact[1..]).unwrap_err().to_string();
    assert!(e.contains("table orgs is missing"), "{e}");
}

#[test]
fn debug_and_differences_never_show_a_secret() {
    let apps = TABLES.iter().find(|s| s.name == "oauth_apps").unwrap();
    let row = |secret: &str| {
        apps.columns
            .iter()
            .map(|c| match c.kind {
                Kind::Int => Value::Int(7),
                Kind::Bool => Value::Bool(true),
                Kind::Secret => Value::Text(secret.to_owned()),
                Kind::Text | Kind::Time => Value::Text("x".into()),
            })
            .collect::<Vec<_>>()
    };
    let dump = |secret: &str| Dump {
        tables: vec![Table {
            spec: apps,
            rows: vec![row(secret)],
            last_id: 7,
        }],
    };
    let (a, b) = (
        dump("plain:v1:{\"secret\":\"hunter2\"}"),
        dump("plain:v1:{}"),
    );
    let said = format!(
        "{a:?} {:?} {}",
        a.tables[0].rows,
        a.first_difference(&b).unwrap()
    );
    assert!(!said.contains("hunter2"), "{said}");
    assert!(said.contains("oauth_apps id=7: secret differs"), "{said}");
    assert_eq!(a.first_difference(&a.clone()), None);
    assert_eq!(a.secret_counts(), (0, 1));
    assert_eq!(a.counts(), vec![("oauth_apps", 1)]);
}
