//! Property tests across crates (issue #12): what the domain writes, read back the way Jira
//! reads it (jira-sim's JQL parser, which shares no code with the domain). Bounded cases.

use domain::jira_request::issue_search;
use domain::rules::is_issue_key;
use domain::Provider;
use jira_sim::{parse_jql, JqlClause};
use proptest::prelude::*;

/// A query as a user may type it: anything, with JQL's quotes, backslashes and escapes
/// often, and issue keys.
fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\\\\"' a-zA-Z0-9~=()*?ntéü-]{0,16}",
        "[A-Za-z][A-Za-z0-9]{0,5}-[0-9]{1,5}",
        "[ \\\\\"]{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// JQL literals parse back to what was typed: the `jql` of an issue search, on Server and
    /// on Cloud, is one clause whose value is the query exactly: `id="<key>"` for an issue
    /// key, else `text ~ "<query>"`. A blank query is the one Jira refuses (it does not
    /// search for an empty string), which the caller is told as Jira's 400.
    #[test]
    fn jql_literals_parse_back_to_what_was_typed(q in query()) {
        for provider in [Provider::JiraServer, Provider::JiraCloud] {
            let request = issue_search(provider, &q);
            let jql = request
                .query()
                .iter()
                .find_map(|(k, v)| (k == "jql").then_some(v.as_str()))
                .expect("a jql parameter");
            let parsed = parse_jql(jql);
            if is_issue_key(&q) {
                prop_assert_eq!(parsed, Ok(vec![JqlClause::Issue(q.clone())]), "{}", jql);
            } else if q.trim().is_empty() {
                let refusal = parsed.expect_err("a blank text search is refused");
                prop_assert!(refusal.message.contains("empty string"), "{}", refusal.message);
            } else {
                prop_assert_eq!(parsed, Ok(vec![JqlClause::Text(q.clone())]), "{}", jql);
            }
        }
    }
}
