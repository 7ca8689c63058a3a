//! The `orgs` table: creating, listing, finding and deleting organizations.

use domain::{Org, OrgId, OrgRef, Slug};
use sqlx::SqliteConnection;
use store_common::orgs::org_from_row;

use crate::{SqliteStore, SqliteStoreError};

impl SqliteStore {
    /// Creates an organization; `None` when the slug is taken (nothing written).
    pub(crate) async fn insert_org(&self, slug: &Slug) -> Result<Option<Org>, SqliteStoreError> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO orgs (slug) VALUES (?) ON CONFLICT (slug) DO NOTHING RETURNING id",
        )
        .bind(slug.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(|id| Org {
            id: OrgId(id),
            slug: slug.clone(),
        }))
    }

    /// Deletes an organization; its caller tokens, its links and its connections in flight
    /// go with it (`ON DELETE CASCADE`), its integrations stay. `false` when there was none.
    pub(crate) async fn delete_org_row(&self, org: OrgId) -> Result<bool, SqliteStoreError> {
        let done = sqlx::query("DELETE FROM orgs WHERE id = ?")
            .bind(org.0)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every organization, by id.
    pub(crate) async fn all_orgs(&self) -> Result<Vec<Org>, SqliteStoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, slug FROM orgs ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, slug)| org_from_row(id, &slug))
            .collect::<Result<_, _>>()?)
    }

    /// The organization named by id or slug, if any.
    pub(crate) async fn org_if_any(&self, org: &OrgRef) -> Result<Option<Org>, SqliteStoreError> {
        let row: Option<(i64, String)> = match org {
            OrgRef::Id(id) => {
                sqlx::query_as("SELECT id, slug FROM orgs WHERE id = ?")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
            }
            OrgRef::Slug(slug) => {
                sqlx::query_as("SELECT id, slug FROM orgs WHERE slug = ?")
                    .bind(slug)
                    .fetch_optional(&self.pool)
                    .await?
            }
        };
        Ok(row.map(|(id, slug)| org_from_row(id, &slug)).transpose()?)
    }
}

/// Fails with [`SqliteStoreError::UnknownOrg`] unless `org` exists: the writes that link
/// to an org check it inside their transaction, rather than leave it to the foreign key
/// (whose failure would read as a database error).
pub(crate) async fn require_org(
    conn: &mut SqliteConnection,
    org: OrgId,
) -> Result<(), SqliteStoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM orgs WHERE id = ?")
        .bind(org.0)
        .fetch_optional(&mut *conn)
        .await?;
    found.map(drop).ok_or(SqliteStoreError::UnknownOrg(org.0))
}
