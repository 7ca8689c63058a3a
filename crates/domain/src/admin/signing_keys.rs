//! The administration of browser tokens' signing keys: made for an org (the secret shown
//! once), listed without secrets, revoked. Each change reaches the keyring of this process
//! at once, when the administration has one.

use super::error::AdminError;
use super::tenants::token_name;
use crate::browser_token::{
    signing_key_id_from_random, signing_secret_from_random, CreatedSigningKey, NewSigningKey,
    SigningKey, SigningKeyRandom, SigningKeySummary,
};
use crate::model::shown;
use crate::ports::{AdminStore, IntegrationStore, SigningKeyStore};

impl<S: AdminStore + IntegrationStore + SigningKeyStore> super::Administration<S> {
    /// Makes a signing key for `org` and returns it with its secret: the only time the
    /// secret is shown.
    ///
    /// # Errors
    /// [`AdminError::Invalid`] for a bad name (as a token's), [`AdminError::OrgNotFound`],
    /// [`AdminError::SigningKeyExists`], [`AdminError::Store`].
    pub async fn add_signing_key(
        &self,
        org: &str,
        name: Option<&str>,
        random: &SigningKeyRandom,
    ) -> Result<CreatedSigningKey, AdminError> {
        let name = token_name(name)?;
        let org = self.resolve_org(org).await?;
        let new = NewSigningKey {
            id: signing_key_id_from_random(&random.id),
            name,
            secret: signing_secret_from_random(&random.secret),
        };
        let summary = self
            .store
            .add_signing_key(org.id, &new)
            .await?
            .ok_or(AdminError::SigningKeyExists)?;
        if let Some(keyring) = &self.keyring {
            keyring.insert(SigningKey {
                id: new.id.clone(),
                org,
                secret: new.secret.clone(),
            });
        }
        Ok(CreatedSigningKey {
            summary,
            secret: new.secret,
        })
    }

    /// The active signing keys of `org`, without their secrets.
    ///
    /// # Errors
    /// [`AdminError::OrgNotFound`], [`AdminError::Store`].
    pub async fn list_signing_keys(&self, org: &str) -> Result<Vec<SigningKeySummary>, AdminError> {
        let org = self.resolve_org(org).await?;
        Ok(self.store.list_signing_keys(org.id).await?)
    }

    /// Revokes the active signing key with this exact id: every token it signed is refused
    /// from now on in this process, and in the others at their next reload.
    ///
    /// # Errors
    /// [`AdminError::SigningKeyNotFound`], [`AdminError::Store`].
    pub async fn revoke_signing_key(&self, id: &str) -> Result<(), AdminError> {
        if !self.store.revoke_signing_key(id).await? {
            return Err(AdminError::SigningKeyNotFound(shown(id)));
        }
        if let Some(keyring) = &self.keyring {
            keyring.remove(id);
        }
        Ok(())
    }
}
