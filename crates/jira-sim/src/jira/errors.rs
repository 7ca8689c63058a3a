//! The refusals: 401 in each flavour's words, 404 for unknown resources and projects.

use serde_json::json;

use super::instance::Instance;
use crate::auth::Refusal;
use crate::config::Flavor;
use crate::reply::{Reply, HTML, TEXT};
use crate::text::encode_component;

/// Jira's "dead link" page for paths outside the REST API.
const DEAD_LINK_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Oops, you&#39;ve found a dead link. - Jira</title></head><body class=\"error-page error404\"><div id=\"page\"><section id=\"content\" role=\"main\"><div id=\"error-state\"><h1>Oops, you&#39;ve found a dead link.</h1><ul><li>Go back to the <a href=\"javascript:window.history.back()\">previous page</a></li><li>Go to the <a href=\"/secure/MyJiraHome.jspa\">Home Page</a></li></ul></div></section></div></body></html>";

/// Jira Server's page for a failed login on a REST call.
const SERVER_401_PAGE: &str = "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Unauthorized (401)</title>\n</head>\n<body id=\"jira\" class=\"aui-layout aui-style-default page-type-message\">\n<div class=\"aui-page-panel\"><div class=\"aui-page-panel-inner\"><section class=\"aui-page-panel-content\">\n<div class=\"aui-message aui-message-warning warning\">\n<h1>Unauthorized (401)</h1>\n<p>Encountered a <code>&quot;401 - Unauthorized&quot;</code> error while loading this page.</p>\n<p>Basic Authentication Failure - Reason : AUTHENTICATED_FAILED</p>\n<p><a href=\"/secure/MyJiraHome.jspa\">Go to Jira home</a></p>\n</div>\n</section></div></div>\n</body>\n</html>\n";

/// 404 for a path no resource answers: Jersey's JSON under `/rest`, an HTML page elsewhere.
pub(super) fn not_found(jira: &Instance, path: &str) -> Reply {
    if path.starts_with("/rest/") {
        Reply::json(
            404,
            &json!({"message": format!("null for uri: {}{}", jira.base_url, path), "status-code": 404}),
        )
    } else {
        Reply::new(404, Some(HTML), DEAD_LINK_PAGE)
    }
}

/// 404 for a project id or key that does not exist.
pub(super) fn project_not_found(key: &str) -> Reply {
    Reply::errors(404, format!("No project could be found with key '{key}'."))
}

/// 401 in the flavour's words.
pub(crate) fn unauthorized(jira: &Instance, refusal: Refusal) -> Reply {
    let realm = format!("OAuth realm=\"{}\"", encode_component(&jira.base_url));
    match (jira.flavor, refusal) {
        (Flavor::Server, Refusal::BadCredentials) => Reply::new(401, Some(HTML), SERVER_401_PAGE)
            .header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
            .header("WWW-Authenticate", realm),
        (Flavor::Server, Refusal::NoCredentials) => Reply::errors(
            401,
            "You are not authenticated. Authentication required to perform this operation.",
        )
        .header("WWW-Authenticate", realm),
        (Flavor::Cloud, Refusal::BadCredentials) => Reply::new(
            401,
            Some(TEXT),
            "Client must be authenticated to access this resource.",
        )
        .header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
        .header("WWW-Authenticate", realm),
        (Flavor::Cloud, Refusal::NoCredentials) => Reply::new(
            401,
            Some(TEXT),
            "Client must be authenticated to access this resource.",
        )
        .header("WWW-Authenticate", realm),
    }
}
