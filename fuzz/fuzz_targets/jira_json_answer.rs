//! Jira's JSON answers (user searches, issue searches, project lookups and searches,
//! autocomplete suggestions): what jira-http reads from a 2xx body and what the search makes
//! of it, through the whole `SearchService` with a cache.
//!
//! Input: the branch's name on the first line (`users-server`, `issues-cloud`...: see
//! `BRANCHES`), then the body; for a branch with a project, the project lookup's body comes
//! first, then a line `----` (never part of JSON), then the user search's. Checks: the answer
//! is the text of a list of `{value, label}` that decodes, one row per list entry the branch's
//! mapping keeps, in Jira's order; a failure is the branch's documented message; a second
//! identical search (a cache hit for the cached branches) answers exactly the same.
#![no_main]

use domain::choice::{self, Choice};
use domain::testing::InMemoryCache;
use domain::{
    messages, OrgRef, Provider, SearchError, SearchRequest, SearchService, SearchSettings,
    SearchTrace,
};
use jira_search_fuzz::{block_on, read_success_body, store, AnsweringJira, CLOUD, SERVER, TOKEN};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

type Branch = (
    &'static str,
    Provider,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

/// Each branch: its name, provider, field, project, and where the answer's list is.
const BRANCHES: [Branch; 9] = [
    ("users-server", Provider::JiraServer, "assignee", None, None),
    ("users-cloud", Provider::JiraCloud, "assignee", None, None),
    (
        "users-project-server",
        Provider::JiraServer,
        "reporter",
        Some("10000"),
        None,
    ),
    (
        "users-project-cloud",
        Provider::JiraCloud,
        "reporter",
        Some("10000"),
        None,
    ),
    (
        "issues-server",
        Provider::JiraServer,
        "externalIssue",
        None,
        Some("issues"),
    ),
    (
        "issues-cloud",
        Provider::JiraCloud,
        "parent",
        None,
        Some("issues"),
    ),
    (
        "projects-cloud",
        Provider::JiraCloud,
        "project",
        None,
        Some("values"),
    ),
    (
        "autocomplete-server",
        Provider::JiraServer,
        "customfield_10100",
        None,
        Some("results"),
    ),
    (
        "autocomplete-cloud",
        Provider::JiraCloud,
        "labels",
        None,
        Some("results"),
    ),
];

/// `----` on a line of its own, between the project lookup's body and the user search's.
const SEPARATOR: &[u8] = b"\n----\n";

fuzz_target!(|data: &[u8]| {
    let Some(at) = data.iter().position(|&b| b == b'\n') else {
        return;
    };
    let (name, rest) = (&data[..at], &data[at + 1..]);
    let Some(&(_, provider, field, project, list_at)) =
        BRANCHES.iter().find(|b| b.0.as_bytes() == name)
    else {
        return;
    };
    let (project_body, body) = match project {
        Some(_) => match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(at) => (&rest[..at], &rest[at + SEPARATOR.len()..]),
            None => (&b"{\"key\":\"HSP\"}"[..], rest),
        },
        None => (&b""[..], rest),
    };
    let service = SearchService::new(
        AnsweringJira {
            project: project_body.to_vec(),
            body: body.to_vec(),
        },
        store(),
        InMemoryCache::new(),
        SearchSettings::default(),
    );
    let request = SearchRequest {
        token: Some(TOKEN.to_owned()),
        org: OrgRef::parse("acme"),
        integration_id: Some(if provider == Provider::JiraServer {
            SERVER
        } else {
            CLOUD
        }),
        field: Some(field.to_owned()),
        query: Some("fuzz".to_owned()),
        project: project.map(str::to_owned),
    };
    let search = || {
        let trace = SearchTrace::default();
        block_on(service.search(provider, &request, &trace))
    };
    let first = search();
    match &first {
        Ok(json) => {
            let text = json.as_str();
            let rows: Vec<Choice> = json.choices().expect("the answer decodes");
            // The rows are the branch's mapping of the list, in Jira's order.
            let answer = read_success_body(body).expect("an answer came from a JSON body");
            let list = match list_at {
                None => answer.as_array(),
                Some(at) => answer.get(at).and_then(Value::as_array),
            }
            .expect("an answer came from a list");
            let id_field = provider.user_id_field();
            let want: Vec<Choice> = list
                .iter()
                .filter_map(|v| match field {
                    "assignee" | "reporter" => choice::user_choice(v, id_field),
                    "externalIssue" | "parent" => choice::issue_choice(v),
                    "project" => choice::project_choice(v),
                    _ => choice::suggestion_choice(v),
                })
                .collect();
            // The answer is the text of those rows. (Decoded, a number may come back a bit
            // off: serde_json's default float parsing is not correctly rounded, so the rows
            // are compared by their labels and count, and the text by the rows it renders.)
            assert_eq!(
                serde_json::to_string(&want).expect("rows encode"),
                text,
                "the answer is the text of the branch's rows"
            );
            let labels = |rows: &[Choice]| rows.iter().map(|r| r.label.clone()).collect::<Vec<_>>();
            assert_eq!(labels(&rows), labels(&want));
            for row in &rows {
                match field {
                    "assignee" | "reporter" => assert_eq!(row.label, row.label.trim()),
                    "externalIssue" | "parent" => {
                        let key = row.value.as_str().expect("an issue key");
                        assert!(row.label.starts_with(&format!("({key}) ")), "{row:?}");
                    }
                    "project" => assert!(row.value.is_string(), "{row:?}"),
                    _ => {}
                }
            }
        }
        Err(SearchError::Jira { message, source }) => {
            let want = match field {
                "assignee" | "reporter" => messages::USERS_ERROR.to_owned(),
                "externalIssue" | "parent" => messages::issue_error_message(provider, source),
                "project" => messages::PROJECTS_ERROR.to_owned(),
                _ => messages::autocomplete_error(field),
            };
            assert_eq!(message, &want);
        }
        Err(other) => panic!("a search past its checks failed with {other:?}"),
    }
    // Asked again: the cached branches answer from the cache, the others ask Jira again;
    // either way the same answer.
    let second = search();
    match (&first, &second) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("two identical searches disagree: {first:?} then {second:?}"),
    }
});
