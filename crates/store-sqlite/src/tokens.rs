//! The `api_tokens` and `admin_tokens` tables: caller tokens (of an org) and admin tokens
//! (of no org), kept as their SHA-256 hash and public id only.

use domain::ports::{RevokeOutcome, TokenSelector};
use domain::token::{StoredToken, TokenSummary};
use domain::OrgId;
use store_common::tokens::Tokens;

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

    /// Stores a caller token of `org`: its hash, public id and name, never the token. `false`
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
            "INSERT INTO api_tokens (org_id, token_hash, token_id, name) VALUES (?, ?, ?, ?) \
             ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(org.0)
        .bind(&token.hash)
        .bind(&token.id)
        .bind(token.name.as_deref())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(inserted.rows_affected() > 0)
    }

    /// The active caller tokens of `org`, in creation order: public parts only.
    pub(crate) async fn active_tokens(
        &self,
        org: OrgId,
    ) -> Result<Vec<TokenSummary>, SqliteStoreError> {
        let rows: Vec<(String, Option<String>, String)> = sqlx::query_as(
            "SELECT token_id, name, \
                    coalesce(strftime('%Y-%m-%dT%H:%M:%SZ', created_at), created_at) \
             FROM api_tokens WHERE org_id = ? AND revoked_at IS NULL ORDER BY id",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(prefix, name, created_at)| TokenSummary {
                prefix,
                name,
                created_at,
            })
            .collect())
    }

    /// Stores an admin token: its hash, public id and name. `false` when a token with this
    /// hash is stored already, revoked or not (nothing written).
    pub(crate) async fn insert_admin_token(
        &self,
        token: &StoredToken,
    ) -> Result<bool, SqliteStoreError> {
        let inserted = sqlx::query(
            "INSERT INTO admin_tokens (token_hash, token_id, name) VALUES (?, ?, ?) \
             ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(&token.hash)
        .bind(&token.id)
        .bind(token.name.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(inserted.rows_affected() > 0)
    }

    /// Whether an active admin token has this hash.
    pub(crate) async fn admin_token_exists(
        &self,
        token_hash: &str,
    ) -> Result<bool, SqliteStoreError> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM admin_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// Revokes the one active caller token `selector` names (see [`Self::revoke_in`]).
    pub(crate) async fn revoke_selected(
        &self,
        selector: &TokenSelector,
    ) -> Result<RevokeOutcome, SqliteStoreError> {
        self.revoke_in(Tokens::Caller, selector).await
    }

    /// Revokes the one active admin token `selector` names (see [`Self::revoke_in`]).
    pub(crate) async fn revoke_admin_selected(
        &self,
        selector: &TokenSelector,
    ) -> Result<RevokeOutcome, SqliteStoreError> {
        self.revoke_in(Tokens::Admin, selector).await
    }

    /// Revokes the one active token of `table` that `selector` names, in one
    /// `BEGIN IMMEDIATE` transaction: first by whole-token hash, then by id prefix. Several
    /// matches revoke nothing. The rule on the prefix's length is the domain's
    /// (`admin::revoke_selector`).
    async fn revoke_in(
        &self,
        table: Tokens,
        selector: &TokenSelector,
    ) -> Result<RevokeOutcome, SqliteStoreError> {
        let table = table.name();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let by_hash: Option<i64> = match &selector.whole_token_hash {
            Some(hash) => {
                sqlx::query_scalar(&format!(
                    "SELECT id FROM {table} WHERE token_hash = ? AND revoked_at IS NULL"
                ))
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
                sqlx::query_scalar(&format!(
                    "SELECT id FROM {table} \
                     WHERE substr(token_id, 1, ?) = ? AND revoked_at IS NULL"
                ))
                .bind(i64::try_from(head.chars().count()).unwrap_or(i64::MAX))
                .bind(head)
                .fetch_all(&mut *tx)
                .await?
            }
        };
        match ids.as_slice() {
            [] => Ok(RevokeOutcome::NotFound),
            [id] => {
                sqlx::query(&format!(
                    "UPDATE {table} \
                     SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?"
                ))
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
