//! What an operator sees: every metric family after a run, and one JSON log line per request
//! carrying each field, with no query text and no secret above debug.

mod common;

use common::{get, CacheKind, Service, World, SERVER_PAT};

/// The metric families of docs/operations.md, as exposed (`# TYPE` name and type). A family
/// shows once it has a sample; `jira_search_jira_token_renewals` needs an OAuth 2.0
/// integration and is asserted by tests/auth.rs.
const FAMILIES: &[(&str, &str)] = &[
    ("jira_search_http_requests", "counter"),
    ("jira_search_http_request_duration_seconds", "histogram"),
    ("jira_search_http_requests_in_flight", "gauge"),
    ("jira_search_http_connections_open", "gauge"),
    ("jira_search_jira_requests", "counter"),
    ("jira_search_jira_request_duration_seconds", "histogram"),
    ("jira_search_jira_retries", "counter"),
    ("jira_search_jira_breaker_open", "gauge"),
    ("jira_search_jira_breaker_transitions", "counter"),
    ("jira_search_cache_operations", "counter"),
    ("jira_search_cache_breaker_open", "gauge"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_expose_every_family_and_the_log_line_carries_every_field() {
    let w = World::new().await;
    for cache in common::CACHES {
        let svc = Service::start(
            &w.db,
            cache,
            &[
                ("LOG_FORMAT", "json"),
                ("JIRA_BREAKER_FAILURES", "1"),
                ("JIRA_TIMEOUT_SECONDS", "1"),
            ],
        );
        let id = &w.server_id;
        let base = format!("/extensions/jira-server/search/acme/{id}/");
        let secret_query = "zqxprivatequery";
        // A miss then a hit, an issue search, a project lookup, a retried 429, and a
        // breaker that opens.
        let users = svc.url(&format!("{base}?field=assignee&query={secret_query}"));
        for _ in 0..2 {
            assert_eq!(get(&users, Some(&w.token)).await.status, 200);
        }
        let issues = svc.url(&format!("{base}?field=externalIssue&query=HSP-1"));
        assert_eq!(get(&issues, Some(&w.token)).await.status, 200);
        let project = svc.url(&format!("{base}?field=reporter&query=ab&project=10900"));
        assert_eq!(get(&project, Some(&w.token)).await.status, 200);
        w.server_sim
            .add_fault(jira_sim::Fault::rate_limited(Some(0)).times(1));
        let retried = svc.url(&format!("{base}?field=assignee&query=retried"));
        assert_eq!(get(&retried, Some(&w.token)).await.status, 200);
        w.server_sim
            .add_fault(jira_sim::Fault::status(502).times(1));
        let failing = svc.url(&format!("{base}?field=assignee&query=failing"));
        assert_eq!(get(&failing, Some(&w.token)).await.status, 400);

        let text = get(&svc.url("/metrics"), None).await.text();
        for (name, kind) in FAMILIES {
            let line = format!("# TYPE {name} {kind}");
            assert!(text.contains(&line), "{line} missing:\n{text}");
        }
        let adapter = if cache == CacheKind::Redis {
            "redis"
        } else {
            "memory"
        };
        for sample in [
            "jira_search_http_requests_total{route=\"search_server\",branch=\"users\",status=\"200\"} 4".to_owned(),
            "jira_search_http_requests_total{route=\"search_server\",branch=\"issues\",status=\"200\"} 1".to_owned(),
            "jira_search_http_requests_total{route=\"search_server\",branch=\"users\",status=\"400\"} 1".to_owned(),
            "jira_search_http_requests_in_flight 1".to_owned(),
            format!("jira_search_jira_requests_total{{integration=\"{id}\",endpoint=\"/rest/api/2/user/search\",status=\"200\"}} 2"),
            format!("jira_search_jira_requests_total{{integration=\"{id}\",endpoint=\"/rest/api/2/user/search\",status=\"502\"}} 1"),
            format!("jira_search_jira_requests_total{{integration=\"{id}\",endpoint=\"/rest/api/2/project/{{id}}\",status=\"200\"}} 1"),
            format!("jira_search_jira_retries_total{{integration=\"{id}\",endpoint=\"/rest/api/2/user/search\"}} 1"),
            format!("jira_search_jira_breaker_open{{integration=\"{id}\"}} 1"),
            format!("jira_search_jira_breaker_transitions_total{{integration=\"{id}\",outcome=\"open\"}} 1"),
            format!("jira_search_cache_operations_total{{adapter=\"{adapter}\",outcome=\"hit\"}} 1"),
            format!("jira_search_cache_breaker_open{{adapter=\"{adapter}\"}} 0"),
        ] {
            assert!(text.contains(&sample), "{sample} missing:\n{text}");
        }
        assert!(
            text.contains(&format!(
                "jira_search_jira_request_duration_seconds_count{{integration=\"{id}\",endpoint=\"/rest/api/2/user/search\"}} 3"
            )),
            "{text}"
        );
        // This scrape's own connection at least (closed ones may not be counted down yet).
        let open: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("jira_search_http_connections_open "))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no connection gauge:\n{text}"));
        assert!(open >= 1.0, "{text}");
        // Labels stay bounded: no query, no user, no org.
        for private in [secret_query, "acme", "HSP-1"] {
            assert!(!text.contains(private), "{private} in the metrics");
        }

        // The log: one JSON object per line; one `request` line per search with each field.
        let logs = svc.logs();
        let lines: Vec<serde_json::Value> = logs
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect();
        let requests: Vec<&serde_json::Value> = lines
            .iter()
            .filter(|l| l["message"] == "request" && l["route"] == "search_server")
            .collect();
        assert_eq!(requests.len(), 6, "{logs}");
        let first = requests[0];
        for field in [
            "request_id",
            "method",
            "route",
            "branch",
            "org",
            "integration",
            "status",
            "latency_ms",
            "jira_calls",
            "cache",
        ] {
            assert!(!first[field].is_null(), "{field} missing: {first}");
        }
        assert_eq!(first["branch"], "users");
        assert_eq!(first["org"], "acme");
        assert_eq!(first["integration"].as_i64().unwrap().to_string(), *id);
        assert_eq!(first["status"], 200);
        assert_eq!(
            (first["jira_calls"].clone(), first["cache"].clone()),
            (1.into(), "miss".into())
        );
        let second = requests[1];
        assert_eq!(
            (second["jira_calls"].clone(), second["cache"].clone()),
            (0.into(), "hit".into())
        );
        assert_eq!(requests[2]["branch"], "issues");
        assert_eq!(requests[2]["cache"], "bypass");
        assert_eq!(
            requests[3]["jira_calls"], 2,
            "project lookup and user search"
        );
        assert_eq!(requests[5]["status"], 400);
        // Never the query text nor a secret at info.
        for private in [secret_query, SERVER_PAT, w.token.as_str()] {
            assert!(!logs.contains(private), "{private} in the logs:\n{logs}");
        }
    }
}
