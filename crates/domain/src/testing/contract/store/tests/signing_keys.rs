//! [`Flawed`]'s signing keys, and the checks that catch their flaws.

use super::{with, Flaw, Flawed};
use crate::browser_token::{NewSigningKey, SigningKey, SigningKeySummary};
use crate::model::OrgId;
use crate::ports::{SigningKeyStore, StoreError};

impl SigningKeyStore for Flawed {
    async fn add_signing_key(
        &self,
        org: OrgId,
        key: &NewSigningKey,
    ) -> Result<Option<SigningKeySummary>, StoreError> {
        self.inner.add_signing_key(org, key).await
    }

    async fn list_signing_keys(&self, org: OrgId) -> Result<Vec<SigningKeySummary>, StoreError> {
        self.inner.list_signing_keys(org).await
    }

    async fn revoke_signing_key(&self, id: &str) -> Result<bool, StoreError> {
        match self.flaw {
            Flaw::RevokesKeysByPrefix => {
                let every = self.inner.active_signing_keys().await?;
                match every
                    .iter()
                    .find(|k| !id.is_empty() && k.id.starts_with(id))
                {
                    Some(k) => self.inner.revoke_signing_key(&k.id).await,
                    None => Ok(false),
                }
            }
            Flaw::KeepsRevokedKeys => {
                let every = self.inner.active_signing_keys().await?;
                Ok(every.iter().any(|k| k.id == id))
            }
            _ => self.inner.revoke_signing_key(id).await,
        }
    }

    async fn active_signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        self.inner.active_signing_keys().await
    }
}

#[tokio::test]
#[should_panic(
    expected = "signing_keys_are_kept_by_org_read_whole_and_revoked: revoke_signing_key of a prefix of an id revokes nothing"
)]
async fn a_store_that_revokes_signing_keys_by_prefix_fails() {
    with(Flaw::RevokesKeysByPrefix).await;
}

#[tokio::test]
#[should_panic(
    expected = "signing_keys_are_kept_by_org_read_whole_and_revoked: a revoked key is not revoked again"
)]
async fn a_store_that_keeps_revoked_signing_keys_fails() {
    with(Flaw::KeepsRevokedKeys).await;
}
