//! The pure rules of the branches besides labels and messages: the issue search's words,
//! JQL and exact key, JQL field names, Jira's highlighted HTML as plain text.

/// The words of an issue search: the runs of letters and digits (Unicode) of `query`, each
/// in lower case. Everything else (spaces, punctuation, Lucene's reserved characters)
/// separates words, as Jira's index splits text, so no input can be read as Lucene syntax;
/// lower case keeps `AND`, `OR`, `NOT`, `TO` from being read as operators.
///
/// A lower-cased letter that is not a letter or digit itself (the combining dot of `İ`
/// lower-cased) is dropped, so every word holds letters and digits only.
pub fn issue_terms(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .map(|run| {
            run.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|term| !term.is_empty())
        .collect()
}

/// The JQL of an issue's text search: `text ~ "<words joined by one space>"`, the last word
/// followed by `*` (a word prefix) when the query ends with a letter or digit, since the
/// person is then in the middle of a word. `None` when the query holds no word: there is
/// nothing to ask Jira.
///
/// The words hold only letters and digits, so nothing needs escaping inside the string:
/// `login fai` → `text ~ "login fai*"`, `C++ (draft` → `text ~ "c draft*"`, `say "hi"` →
/// `text ~ "say hi"`, `?` → `None`.
pub fn issue_text_jql(query: &str) -> Option<String> {
    let terms = issue_terms(query);
    if terms.is_empty() {
        return None;
    }
    let prefix = query.chars().next_back().is_some_and(char::is_alphanumeric);
    Some(format!(
        "text ~ \"{}{}\"",
        terms.join(" "),
        if prefix { "*" } else { "" }
    ))
}

/// Whether `query` is an issue key as typed: `^[A-Za-z][A-Za-z0-9_]*-[0-9]+$` (ASCII only,
/// no surrounding space).
pub fn is_issue_key(query: &str) -> bool {
    let Some((project, number)) = query.split_once('-') else {
        return false;
    };
    let mut chars = project.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The issue key to look up exactly, if the query (trimmed) is one: in upper case, as Jira
/// writes keys (`hsp-1` → `HSP-1`).
pub fn exact_issue_key(query: &str) -> Option<String> {
    let query = query.trim();
    is_issue_key(query).then(|| query.to_ascii_uppercase())
}

/// The JQL field name of a form field: `cf[<n>]` for `customfield_<n>`, else the field.
pub fn jql_field_name(field: &str) -> String {
    match field.strip_prefix("customfield_") {
        Some(n) if !n.is_empty() => format!("cf[{n}]"),
        _ => field.to_owned(),
    }
}

/// Jira's highlighted HTML (`<b>Sp</b>rint 1 (1)`, `<b>R</b>&amp;D`) as plain text: tags
/// removed first, then entities decoded, so an escaped `&lt;b&gt;` stays visible text.
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => in_tag = false,
            (false, c) => text.push(c),
            (true, _) => {}
        }
    }
    htmlize::unescape(text).into_owned()
}

/// The issue search's examples of the spec (search-behaviour.md): what is typed and the JQL
/// sent (`None`: nothing is sent). Checked here and through the search service.
#[cfg(test)]
pub(crate) const SPEC_JQL_EXAMPLES: [(&str, Option<&str>); 9] = [
    ("login fai", Some(r#"text ~ "login fai*""#)),
    ("login ", Some(r#"text ~ "login""#)),
    ("foo:bar", Some(r#"text ~ "foo bar*""#)),
    ("C++ (draft", Some(r#"text ~ "c draft*""#)),
    (r#"say "hi""#, Some(r#"text ~ "say hi""#)),
    ("AND pepper", Some(r#"text ~ "and pepper*""#)),
    ("?", None),
    ("---", None),
    ("\"", None),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's examples, one by one, and the edges around them.
    #[test]
    fn issue_text_jql_examples() {
        let edges = [
            (" ", None),
            ("", None),
            // A key is a search too: its words, the number as a prefix.
            ("HSP-1", Some(r#"text ~ "hsp 1*""#)),
            ("HSP-", Some(r#"text ~ "hsp""#)),
            // Lucene's reserved characters and JQL's quote and backslash only separate words.
            (r#"a\"b"#, Some(r#"text ~ "a b*""#)),
            (r"trailing\", Some(r#"text ~ "trailing""#)),
            ("*wild?card~", Some(r#"text ~ "wild card""#)),
            ("  spaced   out  ", Some(r#"text ~ "spaced out""#)),
            ("NOT OR TO", Some(r#"text ~ "not or to*""#)),
            // Unicode letters and digits are words; case is folded.
            ("Zoë 東京", Some(r#"text ~ "zoë 東京*""#)),
            ("ÄSP-１", Some(r#"text ~ "äsp １*""#)),
            ("İstanbul", Some(r#"text ~ "istanbul*""#)),
            ("under_score", Some(r#"text ~ "under score*""#)),
        ];
        for (query, jql) in SPEC_JQL_EXAMPLES.into_iter().chain(edges) {
            assert_eq!(issue_text_jql(query).as_deref(), jql, "{query:?}");
        }
    }

    #[test]
    fn exact_issue_keys() {
        let cases = [
            ("HSP-1", Some("HSP-1")),
            ("hsp-1", Some("HSP-1")),
            ("  hsp-12 ", Some("HSP-12")),
            ("a1B2-0042", Some("A1B2-0042")),
            ("HS_P-1", Some("HS_P-1")),
            ("H_-7", Some("H_-7")),
            ("HSP-", None),
            ("HSP1", None),
            ("1SP-1", None),
            ("_SP-1", None),
            ("HSP-1-2", None),
            ("HSP--1", None),
            ("HS P-1", None),
            ("ÄSP-1", None),
            ("HSP-１", None),
            ("HSP-1a", None),
            ("", None),
        ];
        for (query, key) in cases {
            assert_eq!(exact_issue_key(query).as_deref(), key, "{query:?}");
        }
    }

    #[test]
    fn autocomplete_labels_are_plain_text() {
        let rows = [
            ("<b>Sp</b>rint 1 (1)", "Sprint 1 (1)"),
            ("<b>R</b>&amp;D", "R&D"),
            ("&lt;b&gt;literal&lt;/b&gt;", "<b>literal</b>"),
            ("caf&eacute; &ndash; &#8364;5 &#x263A;", "café – €5 ☺"),
            ("<span class=\"x\">a</span> <b>b</b>", "a b"),
            ("plain", "plain"),
            ("AT&T", "AT&T"),
        ];
        for (html, text) in rows {
            assert_eq!(plain_text(html), text, "{html}");
        }
    }

    #[test]
    fn field_names() {
        assert_eq!(jql_field_name("customfield_0123"), "cf[0123]");
        assert_eq!(jql_field_name("customfield_10100"), "cf[10100]");
        assert_eq!(jql_field_name("customfield_"), "customfield_");
        assert_eq!(jql_field_name("sprint"), "sprint");
        assert_eq!(jql_field_name("project"), "project");
    }
}
