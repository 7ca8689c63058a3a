//! Every row at once (`db copy`) on SQLite files: a dump written into an empty database
//! reads back the same, secrets as stored and ids as given; a target that holds a row, a
//! dump that does not fit and a schema this build does not know are refused, and a failed
//! write leaves the target empty.

use domain::{AdminStore, IntegrationStore, OrgId, OrgRef, Slug};
use store_common::dump::{Dump, Kind, Value};
use store_common::sample::{populate, Sample};
use store_sqlite::{SecretKey, SqliteStore, SqliteStoreError};

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn url(&self, name: &str) -> String {
        format!("sqlite://{}", self.dir.path().join(name).display())
    }

    async fn open(&self, name: &str, key: Option<SecretKey>) -> SqliteStore {
        SqliteStore::open_with_key(&self.url(name), key)
            .await
            .unwrap()
    }
}

async fn populated(files: &Files, key: Option<SecretKey>) -> (SqliteStore, Sample, Dump) {
    let store = files.open("source.db", key).await;
    let sample = populate(&store).await;
    let dump = store.export_dump().await.unwrap();
    (store, sample, dump)
}

fn column(dump: &Dump, table: &str, column: &str) -> Vec<Value> {
    let t = dump.tables.iter().find(|t| t.spec.name == table).unwrap();
    let i = t
        .spec
        .columns
        .iter()
        .position(|c| c.name == column)
        .unwrap();
    t.rows.iter().map(|r| r[i].clone()).collect()
}

async fn copies_and_reads_back(key: Option<SecretKey>) {
    let files = Files::new();
    let (source, sample, dump) = populated(&files, key.clone()).await;
    let counts: Vec<(&str, usize)> = dump.counts();
    assert_eq!(
        counts,
        [
            ("orgs", 2),
            ("integrations", 6),
            ("org_integrations", 6),
            ("api_tokens", 3),
            ("admin_tokens", 2),
            ("oauth_apps", 3),
            ("connections", 3),
            ("signing_keys", 2),
        ]
    );
    let (sealed, plain) = dump.secret_counts();
    // 6 integrations, 3 apps, 3 connections, 1 active signing key (a revoked one keeps none).
    assert_eq!(sealed + plain, 13);
    assert_eq!(sealed, if key.is_some() { 13 } else { 0 });
    // Opened without a key: the bundles are copied as text, never opened.
    let target = files.open("target.db", None).await;
    target.import_dump(&dump).await.unwrap();
    let copied = target.export_dump().await.unwrap();
    assert_eq!(dump.first_difference(&copied), None);
    assert_eq!(dump, copied);
    // Times as stored, to the millisecond.
    for v in column(&copied, "orgs", "created_at") {
        let Value::Text(t) = v else { panic!("{v:?}") };
        assert!(t.len() == 24 && t.ends_with('Z'), "{t}");
    }
    // The copy opens with the source's key and answers as the source does.
    let target = files.open("target.db", key).await;
    assert_eq!(
        source.list_integrations(None).await.unwrap(),
        target.list_integrations(None).await.unwrap()
    );
    for id in 1..=sample.last_integration_id {
        let id = domain::IntegrationId(id);
        assert_eq!(
            source.integration(id).await.unwrap(),
            target.integration(id).await.unwrap()
        );
    }
    let hash = domain::token::hash_token(&sample.token);
    assert_eq!(
        target.org_for_token_hash(&hash).await.unwrap(),
        Some(sample.acme)
    );
    // No id given in the source is given again, not even a deleted org's.
    let new = target
        .create_org(&Slug::parse("newcomer").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.id, OrgId(sample.last_org_id + 1));
    let found = target.find_org(&OrgRef::Id(new.id.0)).await.unwrap();
    assert_eq!(
        found.map(|o| o.slug.as_str().to_owned()),
        Some("newcomer".into())
    );
}

#[tokio::test]
async fn a_dump_written_into_an_empty_database_reads_back_the_same() {
    copies_and_reads_back(None).await;
}

#[tokio::test]
async fn sealed_secrets_are_copied_as_they_are_and_open_with_the_same_key() {
    copies_and_reads_back(Some(SecretKey::generate())).await;
}

#[tokio::test]
async fn a_target_that_holds_a_row_is_refused_and_left_as_it_was() {
    let files = Files::new();
    let (_, _, dump) = populated(&files, None).await;
    let target = files.open("target.db", None).await;
    target
        .create_org(&Slug::parse("already").unwrap())
        .await
        .unwrap();
    let before = target.export_dump().await.unwrap();
    let e = target.import_dump(&dump).await.unwrap_err();
    assert!(e.is_user_error(), "{e}");
    let said = e.to_string();
    assert!(said.contains("not empty (orgs: 1 row)"), "{said}");
    assert_eq!(target.export_dump().await.unwrap(), before);
    assert_eq!(
        target
            .row_counts()
            .await
            .unwrap()
            .iter()
            .map(|c| c.1)
            .sum::<i64>(),
        1
    );
}

#[tokio::test]
async fn a_failed_write_leaves_the_target_empty() {
    let files = Files::new();
    let (_, _, mut dump) = populated(&files, None).await;
    // The last table's row names an org that is not copied: the foreign key refuses it,
    // after every other table was written.
    let keys = dump.tables.last_mut().unwrap();
    assert_eq!(keys.spec.name, "signing_keys");
    keys.rows[0][2] = Value::Int(999);
    let target = files.open("target.db", None).await;
    let e = target.import_dump(&dump).await.unwrap_err();
    assert!(matches!(e, SqliteStoreError::Database(_)), "{e}");
    assert!(target
        .row_counts()
        .await
        .unwrap()
        .iter()
        .all(|(_, n)| *n == 0));
    // Nor did AUTOINCREMENT's counters move.
    let new = target
        .create_org(&Slug::parse("first").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.id, OrgId(1));
}

#[tokio::test]
async fn a_value_that_does_not_fit_its_column_is_refused_naming_it_without_a_secret() {
    let files = Files::new();
    let (_, _, mut dump) = populated(&files, None).await;
    let integrations = &mut dump.tables[1];
    let secret = integrations
        .spec
        .columns
        .iter()
        .position(|c| c.kind == Kind::Secret)
        .unwrap();
    integrations.rows[0][secret] = Value::Int(1);
    let target = files.open("target.db", None).await;
    let said = target.import_dump(&dump).await.unwrap_err().to_string();
    assert!(
        said.contains("integrations id=1: the value of secret is not text"),
        "{said}"
    );
    dump.tables.pop();
    let said = target.import_dump(&dump).await.unwrap_err().to_string();
    assert!(said.contains("cannot be written"), "{said}");
    assert!(target
        .row_counts()
        .await
        .unwrap()
        .iter()
        .all(|(_, n)| *n == 0));
}

#[tokio::test]
async fn a_column_this_build_does_not_know_stops_the_copy() {
    let files = Files::new();
    let (source, _, dump) = populated(&files, None).await;
    drop(source);
    let url = files.url("source.db");
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE integrations ADD COLUMN shiny TEXT")
        .execute(&mut conn)
        .await
        .unwrap();
    let source = files.open("source.db", None).await;
    let said = source.export_dump().await.unwrap_err().to_string();
    assert!(
        said.contains("column integrations.shiny is not known"),
        "{said}"
    );
    // Nor is anything written into such a database.
    let said = source.import_dump(&dump).await.unwrap_err().to_string();
    assert!(
        said.contains("column integrations.shiny is not known"),
        "{said}"
    );
}

#[tokio::test]
async fn the_url_of_a_database_names_its_file() {
    let files = Files::new();
    let url = files.url("js.db");
    assert_eq!(
        store_sqlite::database_file(&url),
        Some(files.dir.path().join("js.db"))
    );
    assert_eq!(store_sqlite::database_file("sqlite::memory:"), None);
    assert_eq!(
        store_sqlite::database_file("sqlite://x.db?mode=memory"),
        None
    );
    assert_eq!(store_sqlite::database_file("postgres://h/db"), None);
}
