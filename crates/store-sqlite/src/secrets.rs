//! The `secret` column: a versioned bundle of an integration's secret fields, kept as
//! `plain:v1:<JSON>` or, with a [`SecretKey`], `sealed:v1:<base64(nonce || AES-256-GCM
//! ciphertext of the JSON)>`.
//!
//! A sealed bundle is bound to its row by the associated data
//! `jira-search/integration/<id>/secret/v1`: a blob copied onto another integration fails
//! to open there, and that failure cannot be told apart from a wrong key, so it is reported
//! as [`SqliteStoreError::SecretKeyWrong`].
//!
//! Also the store's operations on every row's secrets at once: [`SqliteStore::secrets_report`]
//! and [`SqliteStore::rotate_secrets`].

use std::fmt;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use domain::{AuthMethod, Credentials, Secret};
use serde_json::{Map, Value};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{SqliteStore, SqliteStoreError};

/// The prefix of a bundle stored in clear.
const PLAIN: &str = "plain:v1:";
/// The prefix of a bundle sealed with AES-256-GCM.
const SEALED: &str = "sealed:v1:";
/// Bytes of an AES-GCM nonce (96 bits).
const NONCE_LEN: usize = 12;
/// Bytes of an AES-256 key.
const KEY_LEN: usize = 32;

/// The key that seals integration secrets at rest (AES-256-GCM). `Debug` prints no key; its
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
    /// [`SqliteStoreError::InvalidInput`] saying what is wrong (not base64, or the wrong
    /// length), never echoing the input.
    pub fn from_base64(text: &str) -> Result<Self, SqliteStoreError> {
        let bytes = Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| {
            SqliteStoreError::InvalidInput(
                "invalid secret key: it is not standard base64 (expected 32 bytes, as printed by the key generator)"
                    .into(),
            )
        })?);
        let key: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| {
            SqliteStoreError::InvalidInput(format!(
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

/// The associated data that binds a sealed bundle to its integration.
fn associated_data(id: i64) -> String {
    format!("jira-search/integration/{id}/secret/v1")
}

/// How a stored bundle is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `plain:v1:`
    Plain,
    /// `sealed:v1:`
    Sealed,
    /// Neither: unreadable.
    Unknown,
}

fn form(stored: &str) -> Form {
    if stored.starts_with(PLAIN) {
        Form::Plain
    } else if stored.starts_with(SEALED) {
        Form::Sealed
    } else {
        Form::Unknown
    }
}

/// The secret fields of an integration, by name.
pub(crate) type Bundle = Map<String, Value>;

fn corrupt(id: i64, why: &str) -> SqliteStoreError {
    SqliteStoreError::CorruptRow(format!("integration {id}: {why}"))
}

/// Writes `bundle` for integration `id`: sealed under `key`, or plain without one.
pub(crate) fn encode(
    key: Option<&SecretKey>,
    id: i64,
    bundle: &Bundle,
) -> Result<String, SqliteStoreError> {
    // The bundle's plaintext JSON: wiped when dropped.
    let json = Zeroizing::new(
        serde_json::to_string(bundle)
            .map_err(|_| corrupt(id, "the secret bundle cannot be serialised"))?,
    );
    let Some(key) = key else {
        return Ok(format!("{PLAIN}{}", *json));
    };
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let aad = associated_data(id);
    let ciphertext = key
        .cipher()
        .encrypt(
            &nonce,
            Payload {
                msg: json.as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| corrupt(id, "the secret bundle cannot be sealed"))?;
    let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ciphertext);
    Ok(format!("{SEALED}{}", STANDARD.encode(blob)))
}

/// Reads the bundle stored for integration `id`, opening it with `key` if it is sealed.
///
/// # Errors
/// [`SqliteStoreError::SecretKeyMissing`] for a sealed bundle without a key,
/// [`SqliteStoreError::SecretKeyWrong`] when the key does not open it (another key, or a
/// blob that belongs to another row), [`SqliteStoreError::CorruptRow`] otherwise.
pub(crate) fn decode(
    key: Option<&SecretKey>,
    id: i64,
    stored: &str,
) -> Result<Bundle, SqliteStoreError> {
    // The bundle's plaintext JSON: wiped when dropped.
    let json: Zeroizing<String> = if let Some(json) = stored.strip_prefix(PLAIN) {
        Zeroizing::new(json.to_owned())
    } else if let Some(blob) = stored.strip_prefix(SEALED) {
        let key = key.ok_or(SqliteStoreError::SecretKeyMissing(id))?;
        let blob = STANDARD
            .decode(blob)
            .map_err(|_| corrupt(id, "the sealed secret bundle is not base64"))?;
        if blob.len() < NONCE_LEN {
            return Err(corrupt(id, "the sealed secret bundle is truncated"));
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let aad = associated_data(id);
        let plain = key
            .cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SqliteStoreError::SecretKeyWrong(id))?;
        // On the error path the bytes come back in the error: wipe them there too.
        Zeroizing::new(String::from_utf8(plain).map_err(|e| {
            e.into_bytes().zeroize();
            corrupt(id, "the secret bundle is not UTF-8")
        })?)
    } else {
        return Err(corrupt(
            id,
            "the secret column holds no readable secret bundle",
        ));
    };
    match serde_json::from_str::<Value>(json.as_str()) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(corrupt(id, "the secret bundle is not a JSON object")),
    }
}

/// The non-secret parts of credentials (`auth_user`, `token_url`) and the secret bundle.
pub(crate) fn split(credentials: &Credentials) -> (Option<&str>, Option<&str>, Bundle) {
    let mut bundle = Bundle::new();
    let mut put = |name: &str, secret: &Secret| {
        bundle.insert(name.to_owned(), Value::String(secret.expose().to_owned()));
    };
    let (user, token_url) = match credentials {
        Credentials::Pat { token } => {
            put("token", token);
            (None, None)
        }
        Credentials::Basic { user, secret } => {
            put("secret", secret);
            (Some(user.as_str()), None)
        }
        Credentials::OAuth1 {
            consumer_key,
            private_key_pem,
            access_token,
            token_secret,
        } => {
            put("private_key_pem", private_key_pem);
            put("access_token", access_token);
            put("token_secret", token_secret);
            (Some(consumer_key.as_str()), None)
        }
        Credentials::OAuth2 {
            client_id,
            token_url,
            client_secret,
            refresh_token,
        } => {
            put("client_secret", client_secret);
            put("refresh_token", refresh_token);
            (Some(client_id.as_str()), Some(token_url.as_str()))
        }
        Credentials::ConnectJwt {
            issuer,
            shared_secret,
        } => {
            put("shared_secret", shared_secret);
            (Some(issuer.as_str()), None)
        }
    };
    (user, token_url, bundle)
}

/// Builds the credentials of integration `id` from its columns and its opened bundle.
pub(crate) fn join(
    id: i64,
    method: AuthMethod,
    user: Option<String>,
    token_url: Option<String>,
    bundle: &Bundle,
) -> Result<Credentials, SqliteStoreError> {
    let field = |name: &str| -> Result<Secret, SqliteStoreError> {
        match bundle.get(name) {
            Some(Value::String(s)) => Ok(Secret::new(s.clone())),
            _ => Err(corrupt(
                id,
                &format!("the secret bundle of auth method {method} has no {name}"),
            )),
        }
    };
    let user = || {
        user.clone()
            .ok_or_else(|| corrupt(id, &format!("auth method {method} without a user")))
    };
    Ok(match method {
        AuthMethod::Pat => Credentials::Pat {
            token: field("token")?,
        },
        AuthMethod::Basic => Credentials::Basic {
            user: user()?,
            secret: field("secret")?,
        },
        AuthMethod::OAuth1 => Credentials::OAuth1 {
            consumer_key: user()?,
            private_key_pem: field("private_key_pem")?,
            access_token: field("access_token")?,
            token_secret: field("token_secret")?,
        },
        AuthMethod::OAuth2 => Credentials::OAuth2 {
            client_id: user()?,
            token_url: token_url
                .ok_or_else(|| corrupt(id, "auth method oauth2 without a token URL"))?,
            client_secret: field("client_secret")?,
            refresh_token: field("refresh_token")?,
        },
        AuthMethod::ConnectJwt => Credentials::ConnectJwt {
            issuer: user()?,
            shared_secret: field("shared_secret")?,
        },
    })
}

/// How many integration secrets are sealed and how many are kept in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecretsReport {
    /// Rows whose secrets are sealed (`sealed:v1:`); the store's key opens every one.
    pub sealed: usize,
    /// Rows whose secrets are kept in clear (`plain:v1:`).
    pub plain: usize,
}

impl SqliteStore {
    /// Counts sealed and plain secrets, and checks that the store's key opens every sealed
    /// one: `serve` calls it at start-up to fail fast on a missing or wrong key. A row that
    /// is corrupt in another way is counted by its prefix and reported only when read.
    ///
    /// # Errors
    /// The first [`SqliteStoreError::SecretKeyMissing`] or
    /// [`SqliteStoreError::SecretKeyWrong`], by integration id; [`SqliteStoreError::Database`].
    pub async fn secrets_report(&self) -> Result<SecretsReport, SqliteStoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, secret FROM integrations ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        let mut report = SecretsReport::default();
        for (id, stored) in rows {
            match form(&stored) {
                Form::Plain => report.plain += 1,
                Form::Sealed => {
                    report.sealed += 1;
                    if let Err(
                        e @ (SqliteStoreError::SecretKeyMissing(_)
                        | SqliteStoreError::SecretKeyWrong(_)),
                    ) = decode(self.key.as_ref(), id, &stored)
                    {
                        return Err(e);
                    }
                }
                Form::Unknown => {}
            }
        }
        Ok(report)
    }

    /// Rewrites every integration's secrets sealed under `new_key`, or in clear when it is
    /// `None`, after opening them with the store's current key (plain rows need none).
    /// One `BEGIN IMMEDIATE` transaction: on any failure nothing changes. The store itself
    /// keeps its current key: reopen it with the new one to go on.
    ///
    /// Returns how many rows were rewritten.
    ///
    /// # Errors
    /// [`SqliteStoreError::SecretKeyMissing`], [`SqliteStoreError::SecretKeyWrong`],
    /// [`SqliteStoreError::CorruptRow`] for a row that cannot be opened,
    /// [`SqliteStoreError::Database`].
    pub async fn rotate_secrets(
        &self,
        new_key: Option<&SecretKey>,
    ) -> Result<usize, SqliteStoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, secret FROM integrations ORDER BY id")
                .fetch_all(&mut *tx)
                .await?;
        for (id, stored) in &rows {
            let bundle = decode(self.key.as_ref(), *id, stored)?;
            let rewritten = encode(new_key, *id, &bundle)?;
            sqlx::query("UPDATE integrations SET secret = ? WHERE id = ?")
                .bind(rewritten)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        // The old form of every secret may linger in free pages and in the WAL: rewrite the
        // file so a copy of it holds only what was just written.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        sqlx::query("VACUUM").execute(&self.pool).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(rows.len())
    }
}
