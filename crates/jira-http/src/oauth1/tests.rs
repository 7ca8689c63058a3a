use super::*;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;

const PRIVATE: &str = include_str!("../../tests/fixtures/oauth1-test-private.pem");
const PRIVATE_PKCS1: &str = include_str!("../../tests/fixtures/oauth1-test-private-pkcs1.pem");
const PUBLIC: &str = include_str!("../../tests/fixtures/oauth1-test-public.pem");
const NOT_RSA: &str = include_str!("../../tests/fixtures/not-rsa.pem");

#[test]
fn cached_keys_are_wiped_on_drop() {
    // Compiles only if the bound holds: the cache's keys zeroize their RSA private key
    // when the last Arc to them is dropped.
    fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wiped_on_drop::<SigningKey<Sha1>>();
    wiped_on_drop::<RsaPrivateKey>();
}

#[test]
fn rfc5849_section_3_4_1_1_example() {
    // The example's query and body parameters, decoded (c2 is empty, a3 appears twice).
    let params = [
        ("b5", "=%3D"),
        ("a3", "a"),
        ("c@", ""),
        ("a2", "r b"),
        ("oauth_consumer_key", "9djdj82h48djs9d2"),
        ("oauth_token", "kkk9d7dh3k39sjv7"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131201"),
        ("oauth_nonce", "7d8f3e4a"),
        ("c2", ""),
        ("a3", "2 q"),
    ];
    let normalized = normalized_parameters(params);
    assert_eq!(
        normalized,
        "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
    );
    let uri = base_string_uri("http://EXAMPLE.COM:80", "/request").unwrap();
    assert_eq!(uri, "http://example.com/request");
    assert_eq!(
        signature_base_string("post", &uri, &normalized),
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
    );
}

#[test]
fn base_string_uris_keep_context_paths_and_non_default_ports() {
    for (base, path, want) in [
        (
            "https://Jira.Example.com/jira",
            "/jira/rest/api/2/myself",
            "https://jira.example.com/jira/rest/api/2/myself",
        ),
        (
            "https://jira.example.com:443",
            "/x",
            "https://jira.example.com/x",
        ),
        (
            "http://127.0.0.1:8080/ctx",
            "/ctx/a",
            "http://127.0.0.1:8080/ctx/a",
        ),
        (
            "https://jira.example.com:8443",
            "/x",
            "https://jira.example.com:8443/x",
        ),
    ] {
        assert_eq!(base_string_uri(base, path).unwrap(), want);
    }
}

#[test]
fn a_fixed_signature_verifies_with_the_public_key() {
    let cache = KeyCache::default();
    let key = cache.signing_key(PRIVATE).unwrap();
    // The PKCS#1 form is the same key, and the cache returns the parsed key again.
    let key1 = cache.signing_key(PRIVATE_PKCS1).unwrap();
    assert!(Arc::ptr_eq(&key, &cache.signing_key(PRIVATE).unwrap()));
    let oauth = OAuthParams {
        consumer_key: "jira-search",
        token: "access-token",
        nonce: "0123456789abcdef0123456789abcdef",
        timestamp: 1_700_000_000,
    };
    let uri = base_string_uri(
        "https://jira.example.com/jira",
        "/jira/rest/api/2/user/search",
    )
    .unwrap();
    let query = vec![("username".to_owned(), "a b".to_owned())];
    let header = authorization_value(&key, "GET", &uri, &query, &oauth);
    assert_eq!(
        header,
        authorization_value(&key1, "GET", &uri, &query, &oauth),
        "RSA PKCS#1 v1.5 is deterministic"
    );
    assert!(header.starts_with("OAuth oauth_consumer_key=\"jira-search\", oauth_nonce=\"0123456789abcdef0123456789abcdef\", oauth_signature=\""), "{header}");
    assert!(header.ends_with("\", oauth_signature_method=\"RSA-SHA1\", oauth_timestamp=\"1700000000\", oauth_token=\"access-token\", oauth_version=\"1.0\""), "{header}");
    let base = "GET&https%3A%2F%2Fjira.example.com%2Fjira%2Frest%2Fapi%2F2%2Fuser%2Fsearch&oauth_consumer_key%3Djira-search%26oauth_nonce%3D0123456789abcdef0123456789abcdef%26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D1700000000%26oauth_token%3Daccess-token%26oauth_version%3D1.0%26username%3Da%2520b";
    assert_signs(&header, base);
}

/// The header's signature verifies over `base` with the public key, and over nothing else.
fn assert_signs(header: &str, base: &str) {
    let sig = header
        .split("oauth_signature=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let sig = percent_encoding::percent_decode_str(sig)
        .decode_utf8()
        .unwrap();
    let sig = base64::engine::general_purpose::STANDARD
        .decode(sig.as_bytes())
        .unwrap();
    let public = rsa::RsaPublicKey::from_public_key_pem(PUBLIC).unwrap();
    let verifier = VerifyingKey::<Sha1>::new(public);
    let sig = Signature::try_from(sig.as_slice()).unwrap();
    verifier.verify(base.as_bytes(), &sig).unwrap();
    assert!(verifier.verify(b"tampered", &sig).is_err());
}

#[test]
fn flow_steps_sign_their_own_parameters() {
    let key = KeyCache::default().signing_key(PRIVATE).unwrap();
    let uri = base_string_uri(
        "https://jira.example.com/jira/plugins/servlet/oauth/request-token",
        "/jira/plugins/servlet/oauth/request-token",
    )
    .unwrap();
    let params = |step| FlowParams {
        consumer_key: "jira-search",
        step,
        nonce: "n1",
        timestamp: 1_700_000_000,
    };
    // The callback carries a query: encoded once in the header, twice in the base string.
    let callback = "https://search.example.com/connect/callback?state=Zm9v_Y+/=";
    let header = flow_authorization_value(&key, &uri, &params(FlowStep::RequestToken { callback }));
    assert!(header.starts_with("OAuth oauth_callback=\"https%3A%2F%2Fsearch.example.com%2Fconnect%2Fcallback%3Fstate%3DZm9v_Y%2B%2F%3D\", oauth_consumer_key=\"jira-search\", oauth_nonce=\"n1\", oauth_signature=\""), "{header}");
    assert!(header.ends_with("\", oauth_signature_method=\"RSA-SHA1\", oauth_timestamp=\"1700000000\", oauth_version=\"1.0\""), "{header}");
    assert_signs(&header, "POST&https%3A%2F%2Fjira.example.com%2Fjira%2Fplugins%2Fservlet%2Foauth%2Frequest-token&oauth_callback%3Dhttps%253A%252F%252Fsearch.example.com%252Fconnect%252Fcallback%253Fstate%253DZm9v_Y%252B%252F%253D%26oauth_consumer_key%3Djira-search%26oauth_nonce%3Dn1%26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D1700000000%26oauth_version%3D1.0");
    let header = flow_authorization_value(
        &key,
        &uri,
        &params(FlowStep::AccessToken {
            token: "req tok",
            verifier: "v/1",
        }),
    );
    assert!(
        header
            .contains("oauth_token=\"req%20tok\", oauth_verifier=\"v%2F1\", oauth_version=\"1.0\""),
        "{header}"
    );
    assert!(!header.contains("oauth_callback"), "{header}");
    assert_signs(&header, "POST&https%3A%2F%2Fjira.example.com%2Fjira%2Fplugins%2Fservlet%2Foauth%2Frequest-token&oauth_consumer_key%3Djira-search%26oauth_nonce%3Dn1%26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D1700000000%26oauth_token%3Dreq%2520tok%26oauth_verifier%3Dv%252F1%26oauth_version%3D1.0");
}

#[test]
fn nonces_are_fresh() {
    let (a, b) = (new_nonce(), new_nonce());
    assert_eq!(a.len(), 32);
    assert_ne!(a, b);
}

#[test]
fn key_validation_says_what_is_wrong_without_the_key() {
    assert!(validate_private_key(PRIVATE).is_ok());
    assert!(validate_private_key(PRIVATE_PKCS1).is_ok());
    for (pem, want) in [
        ("hello", "not a PEM"),
        (NOT_RSA, "not an RSA key"),
        (PUBLIC, "not a private key"),
        (
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----",
            "encrypted",
        ),
        (
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            "malformed",
        ),
    ] {
        let err = validate_private_key(pem).unwrap_err();
        assert!(err.contains(want), "{err}");
        assert!(!err.contains("MII") && !err.contains("AAAA"), "{err}");
    }
    let err = KeyCache::default().signing_key("junk").unwrap_err();
    assert!(err.to_string().contains("OAuth 1.0a private key"), "{err}");
}
