//! Every row at once (`db copy`) on a real PostgreSQL (`TEST_POSTGRES_URL`), each database
//! of its own: a dump written into an empty database reads back the same (times to the
//! microsecond, secrets as stored, the identities' counters past every id the source gave);
//! a target that holds a row, a time that is not UTC and a schema this build does not know
//! are refused; a failed write leaves the target empty, its counters as they were.

use domain::{AdminStore, IntegrationId, IntegrationStore, OrgId, Slug};
use store_common::dump::{Dump, Value};
use store_common::sample::{populate, Sample};
use store_postgres::testing::TestDatabase;
use store_postgres::{PgStore, PgStoreError, SecretKey};

/// A store on a database of its own; [`Db::remove`] closes it and drops the database.
struct Db {
    store: PgStore,
    db: TestDatabase,
}

impl Db {
    async fn new(key: Option<SecretKey>) -> Self {
        let db = TestDatabase::create().await;
        let store = PgStore::open_with_key(db.url(), key).await.unwrap();
        Self { store, db }
    }

    async fn reopen(&self, key: Option<SecretKey>) -> PgStore {
        PgStore::open_with_key(self.db.url(), key).await.unwrap()
    }

    async fn remove(self) {
        self.store.close().await;
        self.db.remove().await;
    }

    async fn total_rows(&self) -> i64 {
        self.store
            .row_counts()
            .await
            .unwrap()
            .iter()
            .map(|c| c.1)
            .sum()
    }
}

async fn populated(key: Option<SecretKey>) -> (Db, Sample, Dump) {
    let source = Db::new(key).await;
    let sample = populate(&source.store).await;
    let dump = source.store.export_dump().await.unwrap();
    (source, sample, dump)
}

async fn copies_and_reads_back(key: Option<SecretKey>) {
    let (source, sample, dump) = populated(key.clone()).await;
    assert_eq!(dump.counts().iter().map(|c| c.1).sum::<usize>(), 27);
    let (sealed, plain) = dump.secret_counts();
    assert_eq!(
        (sealed, plain),
        if key.is_some() { (13, 0) } else { (0, 13) }
    );
    let orgs = &dump.tables[0];
    assert_eq!(
        orgs.last_id, sample.last_org_id,
        "a deleted org's id counts"
    );
    assert_eq!(dump.tables[1].last_id, sample.last_integration_id);
    // Opened without a key: the bundles are copied as text, never opened.
    let target = Db::new(None).await;
    target.store.import_dump(&dump).await.unwrap();
    let copied = target.store.export_dump().await.unwrap();
    assert_eq!(dump.first_difference(&copied), None);
    assert_eq!(dump, copied);
    // The copy opens with the source's key and answers as the source does.
    let reopened = target.reopen(key).await;
    assert_eq!(
        source.store.list_integrations(None).await.unwrap(),
        reopened.list_integrations(None).await.unwrap()
    );
    for id in 1..=sample.last_integration_id {
        assert_eq!(
            source.store.integration(IntegrationId(id)).await.unwrap(),
            reopened.integration(IntegrationId(id)).await.unwrap()
        );
    }
    let hash = domain::token::hash_token(&sample.token);
    assert_eq!(
        reopened.org_for_token_hash(&hash).await.unwrap(),
        Some(sample.acme)
    );
    // New rows take ids past every id the source gave, a deleted org's included.
    let new = reopened
        .create_org(&Slug::parse("newcomer").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.id, OrgId(sample.last_org_id + 1));
    reopened.close().await;
    source.remove().await;
    target.remove().await;
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
async fn times_keep_their_microseconds_and_sqlite_times_their_text() {
    let (source, _, mut dump) = populated(None).await;
    let created = dump.tables[0]
        .spec
        .columns
        .iter()
        .position(|c| c.name == "created_at");
    let created = created.unwrap();
    // As SQLite stores them (milliseconds), and with microseconds.
    dump.tables[0].rows[0][created] = Value::Text("2024-02-29T23:59:59.123Z".into());
    dump.tables[0].rows[1][created] = Value::Text("2024-03-01T00:00:00.000001Z".into());
    let target = Db::new(None).await;
    target.store.import_dump(&dump).await.unwrap();
    let copied = target.store.export_dump().await.unwrap();
    assert_eq!(dump.first_difference(&copied), None);
    // A time in another form is refused: PostgreSQL would read it its own way.
    let other = Db::new(None).await;
    dump.tables[0].rows[0][created] = Value::Text("2024-02-29 23:59:59".into());
    let said = other
        .store
        .import_dump(&dump)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        said.contains("orgs id=1: the value of created_at is not a time in UTC"),
        "{said}"
    );
    assert_eq!(other.total_rows().await, 0);
    for db in [source, target, other] {
        db.remove().await;
    }
}

#[tokio::test]
async fn a_target_that_holds_a_row_is_refused_and_left_as_it_was() {
    let (source, _, dump) = populated(None).await;
    let target = Db::new(None).await;
    target
        .store
        .create_org(&Slug::parse("already").unwrap())
        .await
        .unwrap();
    let before = target.store.export_dump().await.unwrap();
    let e = target.store.import_dump(&dump).await.unwrap_err();
    assert!(e.is_user_error(), "{e}");
    assert!(e.to_string().contains("not empty (orgs: 1 row)"), "{e}");
    assert_eq!(target.store.export_dump().await.unwrap(), before);
    source.remove().await;
    target.remove().await;
}

#[tokio::test]
async fn a_failed_write_leaves_the_target_empty_and_its_counters_as_they_were() {
    let (source, _, mut dump) = populated(None).await;
    // The last table's row names an org that is not copied: the foreign key refuses it,
    // after every other table was written and its counter moved.
    let keys = dump.tables.last_mut().unwrap();
    assert_eq!(keys.spec.name, "signing_keys");
    keys.rows[0][2] = Value::Int(999);
    let target = Db::new(None).await;
    let e = target.store.import_dump(&dump).await.unwrap_err();
    assert!(matches!(e, PgStoreError::Database(_)), "{e}");
    assert_eq!(target.total_rows().await, 0);
    let new = target
        .store
        .create_org(&Slug::parse("first").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.id, OrgId(1));
    source.remove().await;
    target.remove().await;
}

#[tokio::test]
async fn a_column_this_build_does_not_know_stops_the_copy() {
    let (source, _, dump) = populated(None).await;
    sqlx::query("ALTER TABLE oauth_apps ADD COLUMN shiny TEXT")
        .execute(
            &mut <sqlx::PgConnection as sqlx::Connection>::connect(source.db.url())
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    let said = source.store.export_dump().await.unwrap_err().to_string();
    assert!(
        said.contains("column oauth_apps.shiny is not known"),
        "{said}"
    );
    let target = Db::new(None).await;
    sqlx::query("CREATE TABLE extra (id BIGINT)")
        .execute(
            &mut <sqlx::PgConnection as sqlx::Connection>::connect(target.db.url())
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    let said = target
        .store
        .import_dump(&dump)
        .await
        .unwrap_err()
        .to_string();
    assert!(said.contains("table extra is not known"), "{said}");
    source.remove().await;
    target.remove().await;
}
