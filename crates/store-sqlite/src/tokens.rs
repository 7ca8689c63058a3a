//! The `api_tokens` table: caller tokens, kept as their SHA-256 hash and public id only.

use domain::ports::{RevokeOutcome, TokenSelector};
use domain::token::StoredToken;
use domain::OrgId;

use crate::orgs::require_org;
use crate::{SqliteStore, SqliteStoreError};

impl SqliteStore {
    /// The organization whose active token has this hash.
    pub(crate) async fn org_id_for_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<OrgId>, SqliteStoreError> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT org_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(OrgId))
    }

    /// Stores a caller token of `org`: its hash and public id, never the token. `false`
    /// when a token with this hash is stored already, revoked or not (nothing written).
    ///
    /// # Errors
    /// [`SqliteStoreError::UnknownOrg`], [`SqliteStoreError::Database`].
    pub(crate) async fn insert_token(
        &self,
        org: OrgId,
        token: &StoredToken,
    ) -> Result<bool, SqliteStoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        require_org(&mut tx, org).await?;
        let inserted = sqlx::query(
            "INSERT INTO api_tokens (org_id, token_hash, token_id) VALUES (?, ?, ?) \
             ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(org.0)
        .bind(&token.hash)
        .bind(&token.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(inserted.rows_affected() > 0)
    }

    /// Revokes the one active token `selector` names, in one `BEGIN IMMEDIATE`
    /// transaction: first by whole-token hash, then by id prefix. Several matches revoke
    /// nothing. The rule on the prefix's length is the domain's (`admin::revoke_selector`).
    pub(crate) async fn revoke_selected(
        &self,
        selector: &TokenSelector,
    ) -> Result<RevokeOutcome, SqliteStoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let by_hash: Option<i64> = match &selector.whole_token_hash {
            Some(hash) => {
                sqlx::query_scalar(
                    "SELECT id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
                )
                .bind(hash)
                .fetch_optional(&mut *tx)
                .await?
            }
            None => None,
        };
        let ids: Vec<i64> = match by_hash {
            Some(id) => vec![id],
            None => {
                // Not LIKE: it is case-insensitive and treats `%` and `_` as wildcards.
                // `substr` counts characters of TEXT, and `=` compares bytes (BINARY).
                let head = selector.id_prefix.as_str();
                sqlx::query_scalar(
                    "SELECT id FROM api_tokens \
                     WHERE substr(token_id, 1, ?) = ? AND revoked_at IS NULL",
                )
                .bind(i64::try_from(head.chars().count()).unwrap_or(i64::MAX))
                .bind(head)
                .fetch_all(&mut *tx)
                .await?
            }
        };
        match ids.as_slice() {
            [] => Ok(RevokeOutcome::NotFound),
            [id] => {
                sqlx::query(
                    "UPDATE api_tokens \
                     SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(RevokeOutcome::Revoked)
            }
            several => Ok(RevokeOutcome::Ambiguous(several.len())),
        }
    }
}
