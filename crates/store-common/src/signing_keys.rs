//! Signing key rows (of browser tokens) as domain values. The secret is a secret bundle
//! `{"secret"}`, sealed bound to the key's public id; a revoked key keeps its row (its id is
//! never given again) but not its secret.

use domain::browser_token::SigningKey;

use crate::orgs::org_from_row;
use crate::secrets::{self, SecretKey, SecretOwner};
use crate::Error;

/// An active signing key with its org, under these names.
#[derive(Debug, sqlx::FromRow)]
pub struct SigningKeyRow {
    /// `key_id`: the public id.
    pub key_id: String,
    /// The org's id.
    pub org_id: i64,
    /// The org's slug.
    pub slug: String,
    /// `secret`: the stored bundle.
    pub secret: String,
}

impl SigningKeyRow {
    /// The key with its org, its secret opened with `key`.
    ///
    /// # Errors
    /// [`Error::CorruptRow`], [`Error::SecretKeyMissing`], [`Error::SecretKeyWrong`].
    pub fn open(self, key: Option<&SecretKey>) -> Result<SigningKey, Error> {
        let owner = SecretOwner::SigningKey(self.key_id.clone());
        let bundle = secrets::decode(key, &owner, &self.secret)?;
        Ok(SigningKey {
            secret: secrets::field(&owner, &bundle, "secret")?,
            org: org_from_row(self.org_id, &self.slug)?,
            id: self.key_id,
        })
    }
}
