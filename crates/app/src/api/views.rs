//! What the admin API answers about each resource: public parts only, never a secret.

use domain::browser_token::SigningKeySummary;
use domain::model::AppSummary;
use domain::token::TokenSummary;
use domain::{IntegrationSummary, Org};
use serde_json::{json, Value};

/// An org.
pub fn org(o: &Org) -> Value {
    json!({"id": o.id.0, "slug": o.slug.as_str()})
}

/// An integration, without its secrets.
pub fn integration(i: &IntegrationSummary) -> Value {
    json!({
        "id": i.id.0,
        "provider": i.provider.as_str(),
        "base_url": i.base_url,
        "name": i.name,
        "auth_method": i.auth_method.as_str(),
        "user": i.user,
        "verify_tls": i.verify_tls,
        "enabled": i.enabled,
        "created_at": rfc3339_text(&i.created_at),
        "orgs": i.orgs.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
    })
}

/// A caller token, public parts.
pub fn token(t: &TokenSummary) -> Value {
    json!({"prefix": t.prefix, "name": t.name, "created_at": rfc3339_text(&t.created_at)})
}

/// A signing key of browser tokens, public parts.
pub fn signing_key(k: &SigningKeySummary) -> Value {
    json!({"id": k.id, "name": k.name, "created_at": rfc3339_text(&k.created_at)})
}

/// An app, public parts; `redirect_uri` is what to register at the authorization server.
/// `verify_tls` is shown for the kinds that take it (Data Center and Server).
pub fn app(a: &AppSummary, redirect_uri: Option<&str>) -> Value {
    let mut v = json!({
        "id": a.id.0,
        "kind": a.kind.as_str(),
        "created_at": rfc3339_text(&a.created_at),
        "redirect_uri": redirect_uri,
    });
    if let Some(base) = &a.base_url {
        v["base_url"] = json!(base);
    }
    if a.kind != domain::model::AppKind::Atlassian3lo {
        v["verify_tls"] = json!(a.verify_tls);
    }
    match a.kind {
        domain::model::AppKind::ServerOAuth1 => {
            v["consumer_key"] = json!(a.client_id);
            v["public_key"] = json!(a.public_key_pem);
        }
        _ => v["client_id"] = json!(a.client_id),
    }
    v
}

/// Seconds since the Unix epoch as RFC 3339 in UTC (`2026-12-03T12:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A stored time (`2026-12-03T12:00:00.123Z`, SQLite's) as RFC 3339 in whole seconds.
pub fn rfc3339_text(stored: &str) -> String {
    match stored.split_once('.') {
        Some((secs, rest)) if rest.ends_with('Z') => format!("{secs}Z"),
        _ => stored.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_212_800), "2026-12-02T12:00:00Z");
        assert_eq!(
            rfc3339_text("2026-12-03T12:00:00.123Z"),
            "2026-12-03T12:00:00Z"
        );
        assert_eq!(rfc3339_text("2026-12-03T12:00:00Z"), "2026-12-03T12:00:00Z");
    }
}
