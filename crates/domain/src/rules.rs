//! The pure rules of the branches besides labels and messages: JQL building, JQL field
//! names, Jira's highlighted HTML as plain text.

/// Escapes text for a JQL string literal: backslash first, then the double quote, so a
/// trailing backslash can never swallow the closing quote.
pub fn escape_jql(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Whether the raw query looks like an issue key: `^[A-Za-z][A-Za-z0-9]*-[0-9]+$`.
pub fn is_issue_key(query: &str) -> bool {
    let Some((project, number)) = query.split_once('-') else {
        return false;
    };
    let mut chars = project.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric())
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The JQL of an issue search: `id="<key>"` for an issue key, else `text ~ "<query>"`.
pub fn issue_jql(query: &str) -> String {
    let escaped = escape_jql(query);
    if is_issue_key(query) {
        format!("id=\"{escaped}\"")
    } else {
        format!("text ~ \"{escaped}\"")
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jql_building() {
        let cases = [
            ("test", r#"text ~ "test""#),
            ("HSP-1", r#"id="HSP-1""#),
            ("hsp-1", r#"id="hsp-1""#),
            ("a1B2-0042", r#"id="a1B2-0042""#),
            (r#"say "hi""#, r#"text ~ "say \"hi\"""#),
            (r"trailing\", r#"text ~ "trailing\\""#),
            (r#"a\"b"#, r#"text ~ "a\\\"b""#),
            ("Zoë 東京", r#"text ~ "Zoë 東京""#),
            ("  spaced out  ", r#"text ~ "  spaced out  ""#),
            (" HSP-1", r#"text ~ " HSP-1""#),
            ("HSP-1 ", r#"text ~ "HSP-1 ""#),
            ("HSP-", r#"text ~ "HSP-""#),
            ("1SP-1", r#"text ~ "1SP-1""#),
            ("HSP-1-2", r#"text ~ "HSP-1-2""#),
            ("HS_P-1", r#"text ~ "HS_P-1""#),
            ("ÄSP-1", r#"text ~ "ÄSP-1""#),
            ("HSP-１", r#"text ~ "HSP-１""#),
        ];
        for (query, jql) in cases {
            assert_eq!(issue_jql(query), jql, "{query}");
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
