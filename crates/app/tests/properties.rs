//! Property tests across crates (issue #12): what the domain writes, read back the way Jira
//! reads it (jira-sim's JQL and Lucene parsers, which share no code with the domain). Bounded
//! cases.

use domain::jira_request::issue_search;
use domain::rules::issue_text_jql;
use domain::Provider;
use jira_sim::{parse_jql, JqlClause, TextQuery};
use proptest::prelude::*;

/// A query as a user may type it: anything, with Lucene's reserved characters, JQL's quotes
/// and backslashes often, and issue keys.
fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        r#"[\\"' a-zA-Z0-9~=()*?:+!&|{}\[\]^/ntéü-]{0,16}"#,
        "[A-Za-z][A-Za-z0-9_]{0,5}-[0-9]{1,5}",
        r#"[ \\"*?-]{0,6}"#,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever is typed, the issue search sends nothing (no letter or digit) or a JQL Jira
    /// accepts: on Server and on Cloud, one `text ~ "..."` clause whose text Lucene parses
    /// (never the 400 of a reserved character or a leading wildcard). A summary made of the
    /// typed text is found by it (when none of its words is a stop word, which Jira does
    /// not index).
    #[test]
    fn every_typed_text_is_a_search_jira_accepts(q in query()) {
        let Some(jql) = issue_text_jql(&q) else {
            prop_assert!(!q.chars().any(char::is_alphanumeric), "{:?} sent nothing", q);
            return Ok(());
        };
        for provider in [Provider::JiraServer, Provider::JiraCloud] {
            let request = issue_search(provider, &jql);
            let sent = request
                .query()
                .iter()
                .find_map(|(k, v)| (k == "jql").then_some(v.as_str()))
                .expect("a jql parameter");
            prop_assert_eq!(sent, jql.as_str());
        }
        let clauses = parse_jql(&jql).map_err(|e| TestCaseError::fail(e.message))?;
        let [JqlClause::Text(text)] = clauses.as_slice() else {
            return Err(TestCaseError::fail(format!("{jql}: {clauses:?}")));
        };
        let search = TextQuery::parse("text", text).map_err(|e| TestCaseError::fail(e.message))?;
        // A letter whose lower case is two characters (`İ`) is indexed differently by the
        // simulator than by Jira; the words of any other text find that text.
        let simple = q.chars().all(|c| c.to_lowercase().count() == 1);
        let has_stop_word = text
            .trim_end_matches('*')
            .split(' ')
            .any(|w| STOP_WORDS.contains(&w));
        if simple && !has_stop_word {
            prop_assert!(search.matches(&q), "{} does not find {:?}", jql, q);
        }
    }
}

/// Lucene's English stop words, which Jira neither indexes nor searches.
const STOP_WORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];
