//! Unit tests of the origin list and of the preflight's checks.

use super::*;

#[test]
fn origins_are_exact_http_origins() {
    for ok in [
        "https://app.example.com",
        "http://localhost:3000",
        "http://127.0.0.1:8765",
        "http://[::1]:8080",
        "https://xn--bcher-kva.example",
    ] {
        assert_eq!(parse_origin(ok).as_deref(), Ok(ok), "{ok}");
    }
    for (bad, says) in [
        (
            "https://app.example.com/",
            "no trailing slash: write https://app.example.com",
        ),
        ("https://app.example.com/picker", "must not carry a path"),
        (
            "https://app.example.com?x=1",
            "must not carry a path, a query",
        ),
        ("*", "wildcards are not accepted"),
        ("https://*.example.com", "wildcards are not accepted"),
        ("app.example.com", "write scheme://host[:port]"),
        ("ftp://files.example.com", "only http and https"),
        ("null", "write scheme://host[:port]"),
        ("https://user@app.example.com", "must not carry a user"),
        (
            "https://App.Example.com",
            "browsers send it as https://app.example.com",
        ),
        (
            "https://app.example.com:443",
            "browsers send it as https://app.example.com",
        ),
        (
            "https://bücher.example",
            "browsers send it as https://xn--bcher-kva.example",
        ),
    ] {
        let err = parse_origin(bad).unwrap_err();
        assert!(err.contains(says), "{bad}: {err}");
        assert!(
            err.starts_with(&format!("{bad:?} is not an origin")),
            "{err}"
        );
    }
}

#[test]
fn the_setting_names_the_bad_entry_and_empty_means_off() {
    assert_eq!(Cors::from_settings("", 600), Ok(None));
    assert_eq!(Cors::from_settings(" , ", 600), Ok(None));
    let cors = Cors::from_settings(" https://a.example , http://localhost:3000,", 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        cors.origins(),
        ["https://a.example", "http://localhost:3000"]
    );
    let err = Cors::from_settings("https://a.example,https://b.example/", 600).unwrap_err();
    assert!(
        err.starts_with("CORS_ALLOWED_ORIGINS: \"https://b.example/\" is not an origin"),
        "{err}"
    );
    assert!(Cors::from_settings("https://a.example", MAX_AGE_LIMIT_SECONDS).is_ok());
    let err = Cors::from_settings("https://a.example", MAX_AGE_LIMIT_SECONDS + 1).unwrap_err();
    assert!(err.starts_with("CORS_MAX_AGE_SECONDS: 86401"), "{err}");
}

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(*k, HeaderValue::from_static(v));
    }
    h
}

#[test]
fn a_preflight_is_allowed_for_get_and_authorization_alone() {
    let cors = Cors::from_settings("https://a.example", 120)
        .unwrap()
        .unwrap();
    let ok = |pairs: &[(&'static str, &'static str)]| cors.preflight(&headers(pairs)).status();
    let base = [
        ("origin", "https://a.example"),
        ("access-control-request-method", "GET"),
    ];
    let r = cors.preflight(&headers(&base));
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://a.example"
    );
    assert_eq!(r.headers()["access-control-max-age"], "120");
    assert!(r
        .headers()
        .get("access-control-allow-credentials")
        .is_none());
    for asked in [
        "Authorization",
        "authorization",
        " AUTHORIZATION , authorization",
        "",
    ] {
        let mut h = headers(&base);
        h.append(
            "access-control-request-headers",
            HeaderValue::from_str(asked).unwrap(),
        );
        assert_eq!(
            cors.preflight(&h).status(),
            StatusCode::NO_CONTENT,
            "{asked:?}"
        );
    }
    for refused in [
        vec![
            ("origin", "https://b.example"),
            ("access-control-request-method", "GET"),
        ],
        vec![
            ("origin", "https://a.example."),
            ("access-control-request-method", "GET"),
        ],
        vec![("access-control-request-method", "GET")],
        vec![
            ("origin", "https://a.example"),
            ("origin", "https://a.example"),
            ("access-control-request-method", "GET"),
        ],
        vec![
            ("origin", "https://a.example"),
            ("access-control-request-method", "POST"),
        ],
        vec![
            ("origin", "https://a.example"),
            ("access-control-request-method", "get"),
        ],
        vec![
            ("origin", "https://a.example"),
            ("access-control-request-method", "GET"),
            (
                "access-control-request-headers",
                "authorization, content-type",
            ),
        ],
        vec![
            ("origin", "https://a.example"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", "authorization"),
            ("access-control-request-headers", "x-custom"),
        ],
    ] {
        assert_eq!(ok(&refused), StatusCode::FORBIDDEN, "{refused:?}");
        let r = cors.preflight(&headers(&refused));
        assert!(r.headers().get("access-control-allow-origin").is_none());
        assert!(r.headers().get("access-control-allow-methods").is_none());
    }
}

#[test]
fn answers_vary_on_origin_and_name_an_allowed_one() {
    let cors = Cors::from_settings("https://a.example", 600)
        .unwrap()
        .unwrap();
    let mut r = empty_response(StatusCode::UNAUTHORIZED);
    cors.decorate(&headers(&[("origin", "https://a.example")]), &mut r);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://a.example"
    );
    assert_eq!(r.headers()["vary"], "Origin");
    let mut r = empty_response(StatusCode::OK);
    cors.decorate(&headers(&[("origin", "https://evil.example")]), &mut r);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert_eq!(r.headers()["vary"], "Origin");
}
