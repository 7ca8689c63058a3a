//! Every org and every active caller token, read whole for the memo (see
//! [`store_common::Directory`]).

use store_common::Directory;

use crate::{SqliteStore, SqliteStoreError};

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
        Ok(Directory::from_rows(orgs, tokens)?)
    }
}
