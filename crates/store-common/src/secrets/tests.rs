//! Keys, bundles and their binding to a row (moved here from store-sqlite with the code;
//! the adapters test the stored rows).

use domain::Secret;

use super::{decode, encode, field, form, one_secret, Bundle, Form, SecretKey, SecretOwner};
use crate::Error;

#[test]
fn key_parsing_says_what_is_wrong_without_echoing() {
    let key = SecretKey::generate();
    let text = key.to_base64();
    assert_eq!(text.len(), 44);
    assert_eq!(SecretKey::from_base64(&text).unwrap(), key);
    assert_eq!(SecretKey::from_base64(&format!("  {text}\n")).unwrap(), key);
    assert_ne!(SecretKey::generate(), key);
    let debug = format!("{key:?}");
    assert_eq!(debug, "SecretKey(***)");
    assert!(!debug.contains(&text));

    let short = "c2hvcnQta2V5LXZhbHVl"; // 15 bytes
    let err = SecretKey::from_base64(short).unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)));
    assert!(err.is_user_error());
    let msg = err.to_string();
    assert!(
        msg.contains("15 bytes") && msg.contains("exactly 32"),
        "{msg}"
    );
    assert!(!msg.contains(short), "{msg}");

    let not_b64 = "this is not base64 at all!!";
    let msg = SecretKey::from_base64(not_b64).unwrap_err().to_string();
    assert!(msg.contains("not standard base64"), "{msg}");
    assert!(!msg.contains(not_b64), "{msg}");

    let msg = SecretKey::from_base64("").unwrap_err().to_string();
    assert!(msg.contains("0 bytes"), "{msg}");
}

#[test]
fn a_secret_key_is_wiped_on_zeroize_and_on_drop() {
    use zeroize::{Zeroize, ZeroizeOnDrop};

    // Compiles only if the bound holds: dropping a SecretKey zeroizes it.
    fn wiped_on_drop<T: ZeroizeOnDrop>() {}
    wiped_on_drop::<SecretKey>();

    let mut key = SecretKey::generate();
    let copy = key.clone();
    key.zeroize();
    assert_eq!(key.to_base64(), STANDARD_ZEROS);
    assert_ne!(
        copy.to_base64(),
        STANDARD_ZEROS,
        "a clone is a copy of its own"
    );
}

/// 32 zero bytes in standard base64.
const STANDARD_ZEROS: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

#[test]
fn bundles_round_trip_plain_and_sealed_bound_to_their_row() {
    let bundle = one_secret(&Secret::new("s3cr3t"));
    let owner = SecretOwner::App(7);
    let plain = encode(None, &owner, &bundle).unwrap();
    assert_eq!(plain, r#"plain:v1:{"secret":"s3cr3t"}"#);
    assert_eq!(form(&plain), Form::Plain);
    assert_eq!(decode(None, &owner, &plain).unwrap(), bundle);

    let key = SecretKey::generate();
    let sealed = encode(Some(&key), &owner, &bundle).unwrap();
    assert_eq!(form(&sealed), Form::Sealed);
    assert!(!sealed.contains("s3cr3t"), "{sealed}");
    assert_eq!(decode(Some(&key), &owner, &sealed).unwrap(), bundle);
    // Each seal has its own nonce.
    assert_ne!(encode(Some(&key), &owner, &bundle).unwrap(), sealed);

    let missing = decode(None, &owner, &sealed).unwrap_err();
    assert!(matches!(
        missing,
        Error::SecretKeyMissing(SecretOwner::App(7))
    ));
    let wrong = decode(Some(&SecretKey::generate()), &owner, &sealed).unwrap_err();
    assert!(matches!(wrong, Error::SecretKeyWrong(SecretOwner::App(7))));
    for other in [
        SecretOwner::App(8),
        SecretOwner::Integration(7),
        SecretOwner::SigningKey("7".into()),
    ] {
        let err = decode(Some(&key), &other, &sealed).unwrap_err();
        assert!(matches!(err, Error::SecretKeyWrong(_)), "{other}: {err}");
    }
    assert_eq!(form("zzz"), Form::Unknown);
    let err = decode(Some(&key), &owner, "zzz").unwrap_err();
    assert!(
        err.to_string().contains("no readable secret bundle"),
        "{err}"
    );
}

/// The associated data of 0002's integrations must not change: a bundle sealed by an
/// earlier version opens.
#[test]
fn the_seal_of_an_integration_is_bound_to_the_0002_associated_data() {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::{Aes256Gcm, Key, Nonce};
    use base64::Engine as _;

    let key = SecretKey::generate();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(key.to_base64())
        .unwrap();
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&raw));
    let nonce = [7u8; 12];
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: br#"{"token":"t0k3n"}"#,
                aad: b"jira-search/integration/12/secret/v1",
            },
        )
        .unwrap();
    let blob = [nonce.as_slice(), &ciphertext].concat();
    let stored = format!(
        "sealed:v1:{}",
        base64::engine::general_purpose::STANDARD.encode(blob)
    );
    let bundle: Bundle = decode(Some(&key), &SecretOwner::Integration(12), &stored).unwrap();
    let owner = SecretOwner::Integration(12);
    assert_eq!(field(&owner, &bundle, "token").unwrap().expose(), "t0k3n");
    let err = field(&owner, &bundle, "secret").unwrap_err();
    assert_eq!(
        err.to_string(),
        "corrupt row in the database: integration 12: the secret bundle has no secret"
    );
}

#[test]
fn owners_name_their_row_without_a_secret() {
    let hash = "0123456789abcdef0123456789abcdef";
    for (owner, shown) in [
        (SecretOwner::Integration(3), "integration 3".to_owned()),
        (SecretOwner::App(4), "app 4".to_owned()),
        (
            SecretOwner::Connection(hash.into()),
            "the connection in flight with state hash 0123456789ab…".to_owned(),
        ),
        (
            SecretOwner::SigningKey("jsk_1".into()),
            "signing key jsk_1".to_owned(),
        ),
    ] {
        assert_eq!(owner.to_string(), shown);
    }
}
