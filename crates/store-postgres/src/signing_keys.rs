//! The `signing_keys` table: the signing keys of browser tokens. The secret is a secret
//! bundle `{"secret"}`, sealed bound to the key's public id; a revoked key keeps its row (its
//! id is never given again) but not its secret.

use domain::browser_token::{NewSigningKey, SigningKey, SigningKeySummary};
use domain::OrgId;
use store_common::signing_keys::SigningKeyRow;
use store_common::{secrets, SecretOwner};

use crate::orgs::require_org;
use crate::{PgStore, PgStoreError, CREATED_AT};

impl PgStore {
    /// Stores a signing key of `org`, its secret sealed when the store has a key, in one
    /// transaction. `None` when the id is stored already, revoked or not.
    pub(crate) async fn insert_signing_key(
        &self,
        org: OrgId,
        key: &NewSigningKey,
    ) -> Result<Option<SigningKeySummary>, PgStoreError> {
        let bundle = secrets::one_secret(&key.secret);
        let owner = SecretOwner::SigningKey(key.id.clone());
        let stored = secrets::encode(self.key.as_ref(), &owner, &bundle)?;
        let mut tx = self.pool.begin().await?;
        require_org(&mut tx, org).await?;
        let created_at: Option<String> = sqlx::query_scalar(&format!(
            "INSERT INTO signing_keys (key_id, org_id, name, secret) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key_id) DO NOTHING RETURNING {CREATED_AT}"
        ))
        .bind(&key.id)
        .bind(org.0)
        .bind(key.name.as_deref())
        .bind(stored)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(created_at.map(|created_at| SigningKeySummary {
            id: key.id.clone(),
            name: key.name.clone(),
            created_at,
        }))
    }

    /// The active signing keys of `org`, in creation order: public parts only.
    pub(crate) async fn signing_keys_of(
        &self,
        org: OrgId,
    ) -> Result<Vec<SigningKeySummary>, PgStoreError> {
        let rows: Vec<(String, Option<String>, String)> = sqlx::query_as(&format!(
            "SELECT key_id, name, {CREATED_AT} FROM signing_keys \
             WHERE org_id = $1 AND revoked_at IS NULL ORDER BY id"
        ))
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, created_at)| SigningKeySummary {
                id,
                name,
                created_at,
            })
            .collect())
    }

    /// Revokes the active key with exactly this id (`=` compares bytes) and empties its
    /// secret. `false` when there is none.
    pub(crate) async fn revoke_signing_key_row(&self, id: &str) -> Result<bool, PgStoreError> {
        let done = sqlx::query(
            "UPDATE signing_keys SET revoked_at = now(), secret = '' \
             WHERE key_id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every active signing key with its org and its secret opened, in creation order.
    pub(crate) async fn every_active_signing_key(&self) -> Result<Vec<SigningKey>, PgStoreError> {
        let rows: Vec<SigningKeyRow> = sqlx::query_as(
            "SELECT k.key_id, o.id AS org_id, o.slug, k.secret FROM signing_keys k \
             JOIN orgs o ON o.id = k.org_id WHERE k.revoked_at IS NULL ORDER BY k.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| row.open(self.key.as_ref()))
            .collect::<Result<_, _>>()?)
    }
}
