//! Signing keys of browser tokens: made once (the secret shown then only), listed without
//! secrets, revoked; the CLI sees what the API made and words refusals the same.

use serde_json::json;

use super::harness::{invalid, is_rfc3339_utc, refused, Api};

#[tokio::test]
async fn signing_keys_are_made_once_listed_without_secret_and_revoked() {
    let api = Api::start();
    let made = api
        .expect(
            201,
            "POST",
            "/api/v1/orgs/acme/signing-keys",
            Some(json!({"name": "picker"})),
        )
        .await;
    let id = made["id"].as_str().unwrap().to_owned();
    let secret = made["secret"].as_str().unwrap().to_owned();
    let hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    assert!(id.starts_with("jsk_") && hex(&id[4..], 12), "{made}");
    assert!(
        secret.starts_with("jss_") && hex(&secret[4..], 64),
        "{made}"
    );
    assert_eq!(made["name"], "picker");
    assert!(is_rfc3339_utc(&made["created_at"]), "{made}");
    assert_eq!(made.as_object().unwrap().len(), 4, "{made}");
    // No body, an empty object, the org by id: keys without a name, each its own.
    let second = api
        .expect(201, "POST", "/api/v1/orgs/acme/signing-keys", None)
        .await;
    api.expect(201, "POST", "/api/v1/orgs/1/signing-keys", Some(json!({})))
        .await;
    assert_eq!(second["name"], json!(null));
    assert_ne!(second["id"], made["id"]);
    assert_ne!(second["secret"], made["secret"]);

    let (raw, list) = api.list("/api/v1/orgs/acme/signing-keys").await;
    assert_eq!(list.len(), 3, "{raw}");
    assert!(
        !raw.contains(&secret) && !raw.contains("jss_"),
        "never listed: {raw}"
    );
    let mut shown = made.clone();
    shown.as_object_mut().unwrap().remove("secret");
    assert_eq!(list[0], shown, "listed as made, without the secret");
    assert_eq!(api.list("/api/v1/orgs/1/signing-keys").await.0, raw);
    // The CLI lists the same keys, and never a secret.
    let cli = api.db.ok(&["signing-key", "list", "--org", "acme"], "");
    let lines: Vec<&str> = cli.lines().collect();
    assert_eq!(lines.len(), 3, "{cli}");
    assert_eq!(
        lines[0],
        format!("{id}\tpicker\t{}", made["created_at"].as_str().unwrap())
    );
    assert!(!cli.contains("jss_"), "{cli}");
    assert!(
        !api.service.logs().contains(&secret),
        "a secret is never logged"
    );

    // Revoked once; then, or for an unknown id, 404 with the CLI's words.
    let gone = api
        .call("DELETE", &format!("/api/v1/signing-keys/{id}"), None)
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text());
    assert!(gone.body.is_empty());
    let a = api
        .call("DELETE", &format!("/api/v1/signing-keys/{id}"), None)
        .await;
    let detail = refused(&a, 404);
    assert_eq!(detail, format!("no active signing key has the id {id:?}"));
    let out = api.db.cli(&["signing-key", "revoke", &id], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&detail));
    refused(
        &api.call("DELETE", "/api/v1/signing-keys/jsk_ffffffffffff", None)
            .await,
        404,
    );
    let (_, list) = api.list("/api/v1/orgs/acme/signing-keys").await;
    assert_eq!(list.len(), 2, "the revoked key is not listed");
    assert!(list.iter().all(|k| k["id"] != id.as_str()));

    // Refusals change nothing.
    let before = api.list("/api/v1/orgs/acme/signing-keys").await.0;
    for (body, field) in [
        (json!({"name": 5}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "a\nb"}), "name"),
        (json!({"label": "x"}), "label"),
    ] {
        invalid(
            &api.call("POST", "/api/v1/orgs/acme/signing-keys", Some(body))
                .await,
            field,
        );
    }
    for (method, path) in [
        ("POST", "/api/v1/orgs/nobody/signing-keys"),
        ("GET", "/api/v1/orgs/nobody/signing-keys"),
    ] {
        let a = api.call(method, path, None).await;
        assert_eq!(refused(&a, 404), "organization \"nobody\" does not exist");
    }
    let a = api
        .call("PUT", "/api/v1/orgs/acme/signing-keys", None)
        .await;
    assert_eq!(a.status, 405);
    assert_eq!(a.headers["allow"], "GET, POST");
    let a = api
        .call("GET", &format!("/api/v1/signing-keys/{id}"), None)
        .await;
    assert_eq!(
        (a.status, &a.headers["allow"]),
        (405, &"DELETE".parse().unwrap())
    );
    // A caller token is known, but not allowed here.
    let a = api
        .send(
            "POST",
            "/api/v1/orgs/acme/signing-keys",
            Some(&api.caller),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(api.list("/api/v1/orgs/acme/signing-keys").await.0, before);

    // Deleting the org takes its keys.
    api.expect(204, "DELETE", "/api/v1/orgs/acme", None).await;
    let out = api.db.cli(&["signing-key", "list", "--org", "1"], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_cli_prints_the_id_then_the_secret() {
    let db = crate::common::Db::new();
    db.ok(&["org", "add", "acme"], "");
    let out = db.ok(
        &["signing-key", "add", "--org", "acme", "--name", "web"],
        "",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("jsk_") && lines[0].len() == 16,
        "{out}"
    );
    assert!(
        lines[1].starts_with("jss_") && lines[1].len() == 68,
        "{out}"
    );
    let listed = db.ok(&["signing-key", "list", "--org", "acme"], "");
    assert!(
        listed.starts_with(&format!("{}\tweb\t", lines[0])),
        "{listed}"
    );
    db.refused(
        &["signing-key", "add", "--org", "nobody"],
        "",
        "organization \"nobody\" does not exist",
    );
    db.refused(
        &["signing-key", "add", "--org", "acme", "--name", ""],
        "",
        "--name must not be empty",
    );
    db.ok(&["signing-key", "revoke", lines[0]], "");
    assert_eq!(db.ok(&["signing-key", "list", "--org", "acme"], ""), "");
}
