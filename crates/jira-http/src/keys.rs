//! RSA key pairs for OAuth 1.0a application links: the service can generate the consumer's
//! key pair (the product pastes the public key into Jira) or derive the public key of a
//! private key the product brought.

use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};

/// Size of a generated key, in bits.
pub const GENERATED_KEY_BITS: usize = 2048;

/// A new RSA key pair: (private key, PKCS#8 PEM; public key, SPKI PEM).
///
/// # Errors
/// A message when the system's random generator or the encoder fails.
pub fn generate_key_pair() -> Result<(String, String), String> {
    let mut rng = rsa::rand_core::OsRng;
    let key = RsaPrivateKey::new(&mut rng, GENERATED_KEY_BITS)
        .map_err(|e| format!("cannot generate an RSA key: {e}"))?;
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| format!("cannot encode the RSA key: {e}"))?
        .to_string();
    Ok((private, public_pem(&key)?))
}

/// The public key (SPKI PEM, `BEGIN PUBLIC KEY`) of an RSA private key in PEM.
///
/// # Errors
/// What is wrong with the private key (as [`crate::oauth1::validate_private_key`] says); never
/// the key itself.
pub fn public_key_of(private_pem: &str) -> Result<String, String> {
    public_pem(&crate::oauth1::parse_private_key(private_pem)?)
}

fn public_pem(key: &RsaPrivateKey) -> Result<String, String> {
    RsaPublicKey::from(key)
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| format!("cannot encode the public key: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_pair_fits_together() {
        let (private, public) = generate_key_pair().unwrap();
        assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
        crate::oauth1::validate_private_key(&private).unwrap();
        assert_eq!(public_key_of(&private).unwrap(), public);
        assert!(public_key_of("not a key")
            .unwrap_err()
            .contains("not a PEM"));
    }
}
