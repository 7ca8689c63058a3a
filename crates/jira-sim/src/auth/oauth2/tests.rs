//! The token endpoint's grants: refresh-token rotation with reuse detection, and the
//! authorization-code grant in each authorization server's words.

use super::*;

fn client_request(grant_type: &str) -> TokenRequest {
    TokenRequest {
        grant_type: Some(grant_type.into()),
        client_id: Some("cid".into()),
        client_secret: Some("sec".into()),
        ..TokenRequest::default()
    }
}

#[test]
fn oauth2_rotation_and_reuse() {
    let o = OAuth2::new(&[("cid".into(), "sec".into(), "rt0".into())], 60, 60);
    let req = |rt: &str| TokenRequest {
        refresh_token: Some(rt.into()),
        ..client_request("refresh_token")
    };
    let answer = o.token(&req("rt0"), AuthServer::Atlassian);
    assert_eq!(answer.status, 200);
    let access = answer.body["access_token"].as_str().unwrap().to_string();
    let rt1 = answer.body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(o.access(&access).unwrap().login, "oauth2-user");
    assert_eq!(o.token(&req("rt0"), AuthServer::DataCenter).status, 403);
    assert!(o.access(&access).is_none());
    assert_eq!(o.token(&req(&rt1), AuthServer::Atlassian).status, 403);
    assert_eq!((o.refreshes(), o.reuse_rejections()), (1, 1));
}

#[test]
fn an_empty_initial_refresh_token_is_none() {
    let o = OAuth2::new(&[("cid".into(), "sec".into(), String::new())], 60, 60);
    let req = TokenRequest {
        refresh_token: Some(String::new()),
        ..client_request("refresh_token")
    };
    assert_eq!(o.token(&req, AuthServer::Atlassian).status, 403);
    assert!(o.knows_client("cid"));
}

#[test]
fn code_grant_answers_in_each_servers_words() {
    let o = OAuth2::new(&[("cid".into(), "sec".into(), String::new())], 60, 60);
    let grant = |server, scope: &str| Grant {
        server,
        client_id: "cid".into(),
        redirect_uri: "http://app/cb".into(),
        scope: scope.into(),
        login: "alice".into(),
        code_challenge: None,
    };
    let exchange = |code: String, server| {
        let req = TokenRequest {
            code: Some(code),
            redirect_uri: Some("http://app/cb".into()),
            ..client_request("authorization_code")
        };
        o.token(&req, server)
    };
    let code = o.issue_code(grant(
        AuthServer::Atlassian,
        "read:jira-work offline_access",
    ));
    let answer = exchange(code, AuthServer::Atlassian);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["scope"], "read:jira-work offline_access");
    assert!(answer.body["refresh_token"].is_string());
    let access = answer.body["access_token"].as_str().unwrap();
    assert_eq!(o.access(access).unwrap().login, "alice");

    // Without offline_access, Atlassian issues no refresh token.
    let code = o.issue_code(grant(AuthServer::Atlassian, "read:jira-work"));
    let answer = exchange(code, AuthServer::Atlassian);
    assert!(answer.body.get("refresh_token").is_none());

    let code = o.issue_code(grant(AuthServer::DataCenter, "READ"));
    let answer = exchange(code, AuthServer::DataCenter);
    assert_eq!(answer.body["token_type"], "bearer");
    assert!(answer.body.get("scope").is_none());
    assert!(answer.body["refresh_token"].is_string());
    assert_eq!(o.codes_redeemed(), 3);

    let answer = exchange("made-up".into(), AuthServer::DataCenter);
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["error"], "invalid_grant");
    assert_eq!(o.codes_refused(), 1);
}
