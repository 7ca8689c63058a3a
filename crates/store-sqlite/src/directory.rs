//! Every org and every active caller token, read whole: they are few (an org per tenant, a
//! few tokens each), so the memo can hold all of them and answer ANY org name or token from
//! memory, known or not. Answer time then does not tell whether an org exists, even on the
//! first probe of a name, and a flood of made-up tokens never reaches SQLite; memory is bounded
//! by what the database holds, however long the flood.

use std::collections::HashMap;

use domain::{Org, OrgId, OrgRef};

use crate::orgs::org_from_row;
use crate::{SqliteStore, SqliteStoreError};

/// Orgs by id and by slug, and active token hashes, as of one read transaction.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    tokens: HashMap<String, OrgId>,
    by_id: HashMap<i64, Org>,
    by_slug: HashMap<String, Org>,
}

impl Directory {
    /// The org of the active token with this hash.
    pub(crate) fn token(&self, hash: &str) -> Option<OrgId> {
        self.tokens.get(hash).copied()
    }

    /// The org named by id or slug.
    pub(crate) fn org(&self, org: &OrgRef) -> Option<Org> {
        match org {
            OrgRef::Id(id) => self.by_id.get(id),
            OrgRef::Slug(slug) => self.by_slug.get(slug),
        }
        .cloned()
    }
}

impl SqliteStore {
    /// Reads every org and every active token hash in one read transaction.
    pub(crate) async fn load_directory(&self) -> Result<Directory, SqliteStoreError> {
        let mut tx = self.pool.begin().await?;
        let orgs: Vec<(i64, String)> = sqlx::query_as("SELECT id, slug FROM orgs")
            .fetch_all(&mut *tx)
            .await?;
        let tokens: Vec<(String, i64)> =
            sqlx::query_as("SELECT token_hash, org_id FROM api_tokens WHERE revoked_at IS NULL")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        let mut directory = Directory::default();
        for (id, slug) in orgs {
            let org = org_from_row(id, &slug)?;
            directory.by_slug.insert(slug, org.clone());
            directory.by_id.insert(id, org);
        }
        directory.tokens = tokens
            .into_iter()
            .map(|(hash, org)| (hash, OrgId(org)))
            .collect();
        Ok(directory)
    }
}
