//! Every rule of [`verify`], table style, on tokens minted here independently of the
//! verifier (hmac, sha2 and base64 called directly, as docs/api.md tells a product to).

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::*;
use crate::model::Slug;

const NOW: i64 = 1_800_000_000;
const KID: &str = "jsk_0123456789ab";
const SECRET: &str = "jss_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn acme() -> Org {
    Org {
        id: OrgId(7),
        slug: Slug::parse("acme").unwrap(),
    }
}

fn key() -> SigningKey {
    SigningKey {
        id: KID.into(),
        org: acme(),
        secret: Secret::new(SECRET),
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token as a product mints it: base64url(header) "." base64url(claims) "."
/// base64url(HMAC-SHA256(secret's UTF-8 bytes, the first two parts)).
fn mint_raw(header: &str, claims: &str, secret: &str) -> String {
    let signed = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    format!("{signed}.{}", b64(&mac.finalize().into_bytes()))
}

fn mint(header: Value, claims: Value) -> String {
    mint_raw(&header.to_string(), &claims.to_string(), SECRET)
}

fn header() -> Value {
    json!({"alg": "HS256", "typ": "JWT", "kid": KID})
}

fn run(token: &str) -> Result<BrowserGrant, Rejected> {
    verify(token, NOW, |kid| (kid == KID).then(key))
}

#[test]
fn a_token_minted_by_the_documented_derivation_is_accepted() {
    let grant = run(&mint(header(), json!({"exp": NOW + 600}))).unwrap();
    assert_eq!(
        grant,
        BrowserGrant {
            org: acme(),
            integrations: None
        }
    );
    let grant = run(&mint(
        header(),
        json!({"exp": NOW + 3600, "iat": NOW, "integrations": [3, 9], "sub": "u1"}),
    ))
    .unwrap();
    assert_eq!(
        grant.integrations,
        Some(vec![IntegrationId(3), IntegrationId(9)])
    );
    // No `typ` is fine; so is another member order and spacing.
    let t = mint_raw(
        &format!(r#"{{ "kid" : "{KID}", "alg" : "HS256" }}"#),
        &format!(r#"{{"exp":{}}}"#, NOW + 1),
        SECRET,
    );
    assert!(run(&t).is_ok());
}

#[test]
fn every_rule_refuses_what_breaks_it() {
    let ok_claims = json!({"exp": NOW + 600});
    let good = mint(header(), ok_claims.clone());
    let (h, c, s) = {
        let p: Vec<&str> = good.split('.').collect();
        (p[0].to_owned(), p[1].to_owned(), p[2].to_owned())
    };
    let other_claims = b64(json!({"exp": NOW + 900}).to_string().as_bytes());
    let mut flipped = URL_SAFE_NO_PAD.decode(&s).unwrap();
    flipped[0] ^= 1;
    let padded_sig = URL_SAFE.encode(URL_SAFE_NO_PAD.decode(&s).unwrap());
    let cases: Vec<(&str, String, Rejected)> = vec![
        (
            "oversized",
            format!("{good}{}", "A".repeat(MAX_TOKEN_LEN)),
            Rejected::Oversized,
        ),
        ("empty", String::new(), Rejected::Malformed),
        ("two parts", format!("{h}.{c}"), Rejected::Malformed),
        ("four parts", format!("{good}.{s}"), Rejected::Malformed),
        ("no signature", format!("{h}.{c}."), Rejected::Signature),
        (
            "header not base64url",
            format!("{h}*.{c}.{s}"),
            Rejected::Malformed,
        ),
        (
            "header not JSON",
            format!("{}.{c}.{s}", b64(b"not json")),
            Rejected::Malformed,
        ),
        (
            "padded signature",
            format!("{h}.{c}.{padded_sig}"),
            Rejected::Malformed,
        ),
        (
            "alg none, unsigned",
            format!(
                "{}.{c}.",
                b64(json!({"alg": "none", "kid": KID}).to_string().as_bytes())
            ),
            Rejected::Algorithm,
        ),
        (
            "alg HS512",
            mint(json!({"alg": "HS512", "kid": KID}), ok_claims.clone()),
            Rejected::Algorithm,
        ),
        (
            "alg hs256 (another case)",
            mint(json!({"alg": "hs256", "kid": KID}), ok_claims.clone()),
            Rejected::Algorithm,
        ),
        (
            "alg RS256",
            mint(json!({"alg": "RS256", "kid": KID}), ok_claims.clone()),
            Rejected::Algorithm,
        ),
        (
            "no kid",
            mint(json!({"alg": "HS256"}), ok_claims.clone()),
            Rejected::Malformed,
        ),
        (
            "typ not JWT",
            mint(
                json!({"alg": "HS256", "typ": "JOSE+JSON", "kid": KID}),
                ok_claims.clone(),
            ),
            Rejected::Malformed,
        ),
        (
            "crit extension",
            mint(
                json!({"alg": "HS256", "kid": KID, "crit": ["exp"]}),
                ok_claims.clone(),
            ),
            Rejected::Malformed,
        ),
        (
            "unknown kid",
            mint(
                json!({"alg": "HS256", "kid": "jsk_ffffffffffff"}),
                ok_claims.clone(),
            ),
            Rejected::UnknownKey,
        ),
        (
            "signed with another secret",
            mint_raw(
                &header().to_string(),
                &ok_claims.to_string(),
                &SECRET.replace('0', "1"),
            ),
            Rejected::Signature,
        ),
        (
            "signed with the secret without its prefix",
            mint_raw(&header().to_string(), &ok_claims.to_string(), &SECRET[4..]),
            Rejected::Signature,
        ),
        (
            "claims swapped after signing",
            format!("{h}.{other_claims}.{s}"),
            Rejected::Signature,
        ),
        (
            "a bit of the signature flipped",
            format!("{h}.{c}.{}", b64(&flipped)),
            Rejected::Signature,
        ),
        (
            "truncated signature",
            format!("{h}.{c}.{}", &s[..20]),
            Rejected::Signature,
        ),
        (
            "no exp",
            mint(header(), json!({"iat": NOW})),
            Rejected::Malformed,
        ),
        (
            "exp a string",
            mint(header(), json!({"exp": "soon"})),
            Rejected::Malformed,
        ),
        (
            "exp a fraction",
            mint(header(), json!({"exp": NOW as f64 + 0.5})),
            Rejected::Malformed,
        ),
        (
            "claims an array",
            mint(header(), json!([NOW])),
            Rejected::Malformed,
        ),
        (
            "exp twice",
            mint_raw(
                &header().to_string(),
                &format!(r#"{{"exp":{},"exp":{}}}"#, NOW - 10, NOW + 10),
                SECRET,
            ),
            Rejected::Malformed,
        ),
        (
            "header an array",
            mint(json!(["HS256", KID]), ok_claims.clone()),
            Rejected::Malformed,
        ),
        (
            "expired",
            mint(header(), json!({"exp": NOW - 1})),
            Rejected::Expired,
        ),
        (
            "exp now",
            mint(header(), json!({"exp": NOW})),
            Rejected::Expired,
        ),
        (
            "exp past an hour and the skew",
            mint(header(), json!({"exp": NOW + 3600 + 61})),
            Rejected::Lifetime,
        ),
        (
            "exp - iat over an hour",
            mint(header(), json!({"exp": NOW + 600, "iat": NOW + 600 - 3601})),
            Rejected::Lifetime,
        ),
        (
            "iat in the future",
            mint(header(), json!({"exp": NOW + 600, "iat": NOW + 61})),
            Rejected::Lifetime,
        ),
        (
            "exp huge",
            mint(header(), json!({"exp": i64::MAX})),
            Rejected::Lifetime,
        ),
        (
            "integrations empty",
            mint(header(), json!({"exp": NOW + 600, "integrations": []})),
            Rejected::Malformed,
        ),
        (
            "integrations as strings",
            mint(header(), json!({"exp": NOW + 600, "integrations": ["3"]})),
            Rejected::Malformed,
        ),
        (
            "integrations not a list",
            mint(header(), json!({"exp": NOW + 600, "integrations": 3})),
            Rejected::Malformed,
        ),
    ];
    for (what, token, want) in cases {
        assert_eq!(run(&token), Err(want), "{what}");
    }
}

#[test]
fn the_time_limits_are_inclusive_where_documented() {
    for (claims, ok) in [
        (json!({"exp": NOW + 1}), true),
        (json!({"exp": NOW + 3600 + 60}), true),
        (json!({"exp": NOW + 3600 + 61}), false),
        (json!({"exp": NOW + 3600, "iat": NOW}), true),
        (json!({"exp": NOW + 3601, "iat": NOW}), false),
        (json!({"exp": NOW + 100, "iat": NOW + 60}), true),
        (json!({"exp": NOW + 100, "iat": NOW + 61}), false),
        (json!({"exp": NOW + 100, "iat": 0}), false),
    ] {
        assert_eq!(run(&mint(header(), claims.clone())).is_ok(), ok, "{claims}");
    }
}

#[test]
fn a_grant_names_its_org_by_id_or_slug_and_its_integrations() {
    let all = BrowserGrant {
        org: acme(),
        integrations: None,
    };
    let some = BrowserGrant {
        org: acme(),
        integrations: Some(vec![IntegrationId(3)]),
    };
    for (org, want) in [
        (OrgRef::Id(7), true),
        (OrgRef::Slug("acme".into()), true),
        (OrgRef::Id(8), false),
        (OrgRef::Slug("umbrella".into()), false),
        (OrgRef::Slug("7".into()), false),
    ] {
        assert_eq!(all.names_org(&org), want, "{org:?}");
    }
    assert!(all.allows(Some(IntegrationId(3))) && all.allows(None));
    assert!(some.allows(Some(IntegrationId(3))));
    assert!(!some.allows(Some(IntegrationId(4))) && !some.allows(None));
}

#[test]
fn ids_and_secrets_look_alike() {
    let id = signing_key_id_from_random(&[0xab; 6]);
    assert_eq!(id, "jsk_abababababab");
    assert!(is_signing_key_id(&id));
    for bad in [
        "jsk_ABABABABABAB",
        "jsk_abababababa",
        "jst_abababababab",
        "",
        "jsk_",
    ] {
        assert!(!is_signing_key_id(bad), "{bad}");
    }
    let secret = signing_secret_from_random(&[1; 32]);
    assert_eq!(secret.expose(), format!("jss_{}", "01".repeat(32)));
    assert!(is_browser_token("a.b.c") && !is_browser_token("jst_abc"));
    let shown = format!(
        "{:?}",
        SigningKeyRandom {
            id: [1; 6],
            secret: [2; 32]
        }
    );
    assert!(!shown.contains('2'), "{shown}");
}
