//! The `secret` columns (of integrations, OAuth apps, connections in flight and signing
//! keys): a versioned bundle of a row's secret fields, kept as `plain:v1:<JSON>` or, with a
//! [`SecretKey`], `sealed:v1:<base64(nonce || AES-256-GCM ciphertext of the JSON)>`. The
//! same text in every database.
//!
//! A sealed bundle is bound to its row by the associated data
//! `jira-search/<kind>/<id>/secret/v1` (see [`SecretOwner`]): a blob copied onto another
//! row (of the same table or another) fails to open there, and that failure cannot be told
//! apart from a wrong key, so it is reported as [`Error::SecretKeyWrong`].

use std::fmt;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use domain::Secret;
use serde_json::{Map, Value};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

pub use crate::owner::SecretOwner;
use crate::Error;

/// The prefix of a bundle stored in clear.
const PLAIN: &str = "plain:v1:";
/// The prefix of a bundle sealed with AES-256-GCM.
const SEALED: &str = "sealed:v1:";
/// Bytes of an AES-GCM nonce (96 bits).
const NONCE_LEN: usize = 12;
/// Bytes of an AES-256 key.
const KEY_LEN: usize = 32;

/// The key that seals secrets at rest (AES-256-GCM). `Debug` prints no key; its
/// bytes are overwritten with zeros when it is dropped ([`ZeroizeOnDrop`]).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Zeroizing<[u8; KEY_LEN]>);

impl SecretKey {
    /// A new random key from the operating system's randomness.
    pub fn generate() -> Self {
        Self(Zeroizing::new(Aes256Gcm::generate_key(&mut OsRng).into()))
    }

    /// Parses a key written by [`SecretKey::to_base64`]: standard base64 of exactly 32
    /// bytes; surrounding whitespace is ignored.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] saying what is wrong (not base64, or the wrong length), never
    /// echoing the input.
    pub fn from_base64(text: &str) -> Result<Self, Error> {
        let bytes = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| {
            Error::InvalidInput(
                "invalid secret key: it is not standard base64 (expected 32 bytes, as printed by the key generator)"
                    .into(),
            )
        })?);
        let key: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| {
            Error::InvalidInput(format!(
                "invalid secret key: it decodes to {} bytes, but it must be exactly {KEY_LEN} bytes (44 characters of base64)",
                bytes.len()
            ))
        })?;
        Ok(Self(Zeroizing::new(key)))
    }

    /// The key as standard base64 (44 characters).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.as_slice())
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.0.as_slice()))
    }
}

impl Zeroize for SecretKey {
    /// Overwrites the key with zeros (it then seals and opens nothing it did before).
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

/// The inner `Zeroizing` wipes the key when it is dropped.
impl ZeroizeOnDrop for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// How a stored bundle is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `plain:v1:`
    Plain,
    /// `sealed:v1:`
    Sealed,
    /// Neither: unreadable.
    Unknown,
}

/// How `stored` is kept, by its prefix.
pub fn form(stored: &str) -> Form {
    if stored.starts_with(PLAIN) {
        Form::Plain
    } else if stored.starts_with(SEALED) {
        Form::Sealed
    } else {
        Form::Unknown
    }
}

/// The secret fields of a row, by name.
pub type Bundle = Map<String, Value>;

fn corrupt(owner: &SecretOwner, why: &str) -> Error {
    Error::corrupt(owner, why)
}

/// Writes `bundle` for the row `owner`: sealed under `key`, or plain without one.
///
/// # Errors
/// [`Error::CorruptRow`] when the bundle cannot be serialised or sealed.
pub fn encode(
    key: Option<&SecretKey>,
    owner: &SecretOwner,
    bundle: &Bundle,
) -> Result<String, Error> {
    // The bundle's plaintext JSON: wiped when dropped.
    let json = Zeroizing::new(
        serde_json::to_string(bundle)
            .map_err(|_| corrupt(owner, "the secret bundle cannot be serialised"))?,
    );
    let Some(key) = key else {
        return Ok(format!("{PLAIN}{}", *json));
    };
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let aad = owner.associated_data();
    let ciphertext = key
        .cipher()
        .encrypt(
            &nonce,
            Payload {
                msg: json.as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| corrupt(owner, "the secret bundle cannot be sealed"))?;
    let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ciphertext);
    Ok(format!("{SEALED}{}", STANDARD.encode(blob)))
}

/// Reads the bundle stored for the row `owner`, opening it with `key` if it is sealed.
///
/// # Errors
/// [`Error::SecretKeyMissing`] for a sealed bundle without a key, [`Error::SecretKeyWrong`]
/// when the key does not open it (another key, or a blob that belongs to another row),
/// [`Error::CorruptRow`] otherwise.
pub fn decode(key: Option<&SecretKey>, owner: &SecretOwner, stored: &str) -> Result<Bundle, Error> {
    // The bundle's plaintext JSON: wiped when dropped.
    let json: Zeroizing<String> = if let Some(json) = stored.strip_prefix(PLAIN) {
        Zeroizing::new(json.to_owned())
    } else if let Some(blob) = stored.strip_prefix(SEALED) {
        let key = key.ok_or_else(|| Error::SecretKeyMissing(owner.clone()))?;
        let blob = STANDARD
            .decode(blob)
            .map_err(|_| corrupt(owner, "the sealed secret bundle is not base64"))?;
        if blob.len() < NONCE_LEN {
            return Err(corrupt(owner, "the sealed secret bundle is truncated"));
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let aad = owner.associated_data();
        let plain = key
            .cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| Error::SecretKeyWrong(owner.clone()))?;
        // On the error path the bytes come back in the error: wipe them there too.
        Zeroizing::new(String::from_utf8(plain).map_err(|e| {
            e.into_bytes().zeroize();
            corrupt(owner, "the secret bundle is not UTF-8")
        })?)
    } else {
        return Err(corrupt(
            owner,
            "the secret column holds no readable secret bundle",
        ));
    };
    match serde_json::from_str::<Value>(json.as_str()) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(corrupt(owner, "the secret bundle is not a JSON object")),
    }
}

/// The bundle of a row with one secret, `{"secret"}` (an app's, a signing key's).
pub fn one_secret(secret: &Secret) -> Bundle {
    let mut bundle = Bundle::new();
    bundle.insert("secret".into(), Value::String(secret.expose().to_owned()));
    bundle
}

/// The field `name` of the opened bundle of `owner`'s row.
///
/// # Errors
/// [`Error::CorruptRow`] when the bundle has no such text field.
pub fn field(owner: &SecretOwner, bundle: &Bundle, name: &str) -> Result<Secret, Error> {
    match bundle.get(name) {
        Some(Value::String(s)) => Ok(Secret::new(s.clone())),
        _ => Err(corrupt(owner, &format!("the secret bundle has no {name}"))),
    }
}

#[cfg(test)]
mod tests;
