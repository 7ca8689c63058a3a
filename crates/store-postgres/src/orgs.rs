//! The `orgs` table: creating, listing, finding and deleting organizations.

use domain::{Org, OrgId, OrgRef, Slug};
use sqlx::PgConnection;
use store_common::orgs::org_from_row;
use store_common::Error;

use crate::{PgStore, PgStoreError};

impl PgStore {
    /// Creates an organization; `None` when the slug is taken (nothing written). Of two
    /// writers racing for a slug, the second waits for the first and then finds it taken.
    pub(crate) async fn insert_org(&self, slug: &Slug) -> Result<Option<Org>, PgStoreError> {
        let _forget = self.memo.change();
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO orgs (slug) VALUES ($1) ON CONFLICT (slug) DO NOTHING RETURNING id",
        )
        .bind(slug.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(|id| Org {
            id: OrgId(id),
            slug: slug.clone(),
        }))
    }

    /// Deletes an organization; its caller tokens, its links, its signing keys and its
    /// connections in flight go with it (`ON DELETE CASCADE`), its integrations stay.
    /// `false` when there was none.
    pub(crate) async fn delete_org_row(&self, org: OrgId) -> Result<bool, PgStoreError> {
        let _forget = self.memo.change();
        let done = sqlx::query("DELETE FROM orgs WHERE id = $1")
            .bind(org.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every organization, by id.
    pub(crate) async fn all_orgs(&self) -> Result<Vec<Org>, PgStoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, slug FROM orgs ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, slug)| org_from_row(id, &slug))
            .collect::<Result<_, _>>()?)
    }

    /// The organization named by id or slug, if any.
    pub(crate) async fn org_if_any(&self, org: &OrgRef) -> Result<Option<Org>, PgStoreError> {
        let row: Option<(i64, String)> = match org {
            OrgRef::Id(id) => {
                sqlx::query_as("SELECT id, slug FROM orgs WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
            }
            OrgRef::Slug(slug) => {
                sqlx::query_as("SELECT id, slug FROM orgs WHERE slug = $1")
                    .bind(slug)
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        Ok(row.map(|(id, slug)| org_from_row(id, &slug)).transpose()?)
    }
}

/// Fails with an unknown-org error unless `org` exists, and keeps it from being deleted until
/// the caller's transaction ends (`FOR KEY SHARE`, the lock a foreign key check takes): the
/// writes that link to an org check it first, rather than leave it to the foreign key (whose
/// failure would read as a database error).
pub(crate) async fn require_org(conn: &mut PgConnection, org: OrgId) -> Result<(), PgStoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM orgs WHERE id = $1 FOR KEY SHARE")
        .bind(org.0)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.map(drop).ok_or(Error::UnknownOrg(org.0))?)
}
