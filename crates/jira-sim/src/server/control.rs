//! The `/_sim/` control routes: request log, faults, data, health, OAuth 2.0 test hooks and the
//! authorization servers' counters.
//! They live outside the context path, are never authenticated and never recorded.

use hyper::body::Incoming;
use hyper::{Method, Request};
use serde_json::json;

use super::body::read_body;
use super::shared::Shared;
use crate::fault::Fault;
use crate::reply::Reply;
use crate::text::html_escape;

/// Whether a path belongs to the control routes.
pub(super) fn is_control_path(path: &str) -> bool {
    path == "/_sim" || path.starts_with("/_sim/")
}

/// Answers one control request.
pub(super) async fn control_route(shared: &Shared, req: Request<Incoming>) -> Reply {
    let method = req.method().clone();
    let path = req.uri().path().trim_end_matches('/').to_string();
    match (method, path.as_str()) {
        (Method::GET, "/_sim/requests") => Reply::json(200, &json!(shared.log.all())),
        (Method::DELETE, "/_sim/requests") => {
            shared.log.clear();
            Reply::empty(204)
        }
        (Method::GET, "/_sim/faults") => Reply::json(200, &json!(shared.faults.snapshot())),
        (Method::POST, "/_sim/faults") => {
            let body = match read_body(req.into_body()).await {
                Ok(body) => body,
                Err(message) => return control_error(400, &message),
            };
            // One fault, or an array of them.
            let faults = serde_json::from_slice::<Fault>(&body)
                .map(|f| vec![f])
                .or_else(|_| serde_json::from_slice::<Vec<Fault>>(&body));
            match faults {
                Ok(faults) => {
                    let count = faults.len();
                    for fault in faults {
                        shared.faults.add(fault);
                    }
                    Reply::json(201, &json!({ "added": count }))
                }
                Err(e) => control_error(400, &format!("invalid fault: {e}")),
            }
        }
        (Method::DELETE, "/_sim/faults") => {
            shared.faults.clear();
            Reply::empty(204)
        }
        (Method::GET, "/_sim/data") => {
            let data = &shared.instance.data;
            Reply::json(
                200,
                &json!({
                    "flavor": shared.flavor,
                    "base_url": shared.instance.base_url,
                    "context_path": shared.context_path,
                    "users": data.users,
                    "projects": data.projects,
                    "issues": data.issues,
                    "suggestions": data.suggestions,
                    "cloud_sites": shared.authz.sites(),
                }),
            )
        }
        (Method::GET, "/_sim/health") => Reply::json(200, &json!({ "status": "ok" })),
        (Method::POST, "/_sim/oauth2/expire") => {
            let expired = shared.auth.oauth2().expire_all();
            Reply::json(200, &json!({ "expired": expired }))
        }
        (Method::GET, "/_sim/oauth2/stats") => {
            let oauth2 = shared.auth.oauth2();
            Reply::json(
                200,
                &json!({
                    "refreshes": oauth2.refreshes(),
                    "reuse_rejections": oauth2.reuse_rejections(),
                }),
            )
        }
        (Method::GET, "/_sim/authorization/stats") => {
            Reply::json(200, &json!(shared.authz.stats(&shared.auth)))
        }
        (Method::GET, "/_sim/return") => return_page(req.uri().query().unwrap_or("")),
        _ => control_error(404, "unknown control route"),
    }
}

/// A product's settings page, for demos: where a connection started against jira-sim may send
/// the browser back. It lists the query it was given (`status`, `org`, `integration_id` or
/// `error`).
fn return_page(query: &str) -> Reply {
    let mut rows = String::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        rows.push_str(&format!(
            "<tr><th>{}</th><td id=\"{}\">{}</td></tr>\n",
            html_escape(&k),
            html_escape(&k),
            html_escape(&v)
        ));
    }
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Back in the product</title></head>\
<body style=\"font-family:sans-serif;max-width:36rem;margin:3rem auto\"><h1>Back in the product</h1>\
<p>jira-sim plays the product's settings page the connection returned to.</p><table>{rows}</table></body></html>\n"
    );
    Reply::new(200, Some("text/html; charset=utf-8"), body)
}

fn control_error(status: u16, message: &str) -> Reply {
    Reply::json(status, &json!({ "error": message }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_return_page_lists_its_query_escaped() {
        let reply = return_page("status=connected&org=acme&integration_id=7&x=%3Cb%3E");
        let response = reply.into_response();
        assert_eq!(response.status(), 200);
        let body = format!("{:?}", response.body());
        assert!(body.contains("integration_id"), "{body}");
        assert!(
            body.contains("&lt;b&gt;") && !body.contains("<b>"),
            "{body}"
        );
    }
}
