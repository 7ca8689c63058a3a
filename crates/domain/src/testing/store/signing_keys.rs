//! The signing keys of [`InMemoryStore`].

use super::{now_rfc3339, InMemoryStore, SigningKeyRow};
use crate::browser_token::{NewSigningKey, SigningKey, SigningKeySummary};
use crate::model::OrgId;
use crate::ports::{SigningKeyStore, StoreError};

impl SigningKeyStore for InMemoryStore {
    async fn add_signing_key(
        &self,
        org: OrgId,
        key: &NewSigningKey,
    ) -> Result<Option<SigningKeySummary>, StoreError> {
        let mut state = self.state()?;
        state.require_org(org)?;
        if state.signing_keys.iter().any(|k| k.summary.id == key.id) {
            return Ok(None);
        }
        let summary = SigningKeySummary {
            id: key.id.clone(),
            name: key.name.clone(),
            created_at: now_rfc3339(),
        };
        state.signing_keys.push(SigningKeyRow {
            org,
            summary: summary.clone(),
            secret: key.secret.clone(),
            revoked: false,
        });
        Ok(Some(summary))
    }

    async fn list_signing_keys(&self, org: OrgId) -> Result<Vec<SigningKeySummary>, StoreError> {
        Ok(self
            .state()?
            .signing_keys
            .iter()
            .filter(|k| k.org == org && !k.revoked)
            .map(|k| k.summary.clone())
            .collect())
    }

    async fn revoke_signing_key(&self, id: &str) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        let found = state
            .signing_keys
            .iter_mut()
            .find(|k| k.summary.id == id && !k.revoked);
        Ok(found
            .map(|k| {
                k.revoked = true;
                k.secret = crate::secret::Secret::new("");
            })
            .is_some())
    }

    async fn active_signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        let state = self.state()?;
        Ok(state
            .signing_keys
            .iter()
            .filter(|k| !k.revoked)
            .filter_map(|k| {
                state.org(k.org).map(|org| SigningKey {
                    id: k.summary.id.clone(),
                    org: org.clone(),
                    secret: k.secret.clone(),
                })
            })
            .collect())
    }
}
