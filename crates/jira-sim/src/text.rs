//! Small text helpers: Jira's word-prefix matching, HTML escaping, query strings and
//! percent-encoding.

use std::fmt::Write as _;

/// Whether any whitespace-separated word of `text` starts with `needle`, or the whole text does
/// (so "jane d" finds "Jane Doe"). Case-insensitive; `needle` must already be lower-cased.
pub(crate) fn word_prefix(text: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let text = text.to_lowercase();
    text.starts_with(needle) || text.split_whitespace().any(|w| w.starts_with(needle))
}

/// Case-insensitive prefix of the whole value; `needle` must already be lower-cased.
pub(crate) fn prefix(text: &str, needle: &str) -> bool {
    text.to_lowercase().starts_with(needle)
}

/// Escapes text for HTML, like Jira does for autocomplete display names.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Jira's autocomplete highlighting: escapes `display` and wraps the first word-prefix match of
/// `typed` in `<b>..</b>`. Returns `None` when nothing matches.
pub(crate) fn highlight(display: &str, typed: &str) -> Option<String> {
    if typed.is_empty() {
        return Some(html_escape(display));
    }
    let lower = display.to_lowercase();
    let typed = typed.to_lowercase();
    // Only valid when lower-casing kept byte offsets (true for the data we generate).
    if lower.len() != display.len() {
        return word_prefix(display, &typed).then(|| html_escape(display));
    }
    let mut at = None;
    let mut word_start = true;
    for (i, c) in lower.char_indices() {
        if word_start && lower[i..].starts_with(&typed) {
            at = Some(i);
            break;
        }
        word_start = !c.is_alphanumeric();
    }
    let at = at?;
    let end = at + typed.len();
    if !display.is_char_boundary(end) {
        return Some(html_escape(display));
    }
    Some(format!(
        "{}<b>{}</b>{}",
        html_escape(&display[..at]),
        html_escape(&display[at..end]),
        html_escape(&display[end..])
    ))
}

/// Percent-decoded query pairs, in order.
pub(crate) fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// Encodes pairs as a query string.
pub(crate) fn encode_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Encodes one path segment.
pub(crate) fn encode_component(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// RFC 3986 percent-encoding, as OAuth 1.0a and Connect JWT sign: `A-Za-z0-9-._~` kept, every
/// other byte `%XX` upper-case.
pub(crate) fn rfc3986(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Percent-decodes text (`+` stays a `+`); invalid UTF-8 becomes U+FFFD.
pub(crate) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_prefix_matches_words_and_whole() {
        assert!(word_prefix("Jane Doe", "do"));
        assert!(word_prefix("Jane Doe", "jane d"));
        assert!(!word_prefix("Jane Doe", "oe"));
        assert!(word_prefix("Zoë Müller", "mü"));
    }

    #[test]
    fn highlight_marks_the_prefix() {
        assert_eq!(
            highlight("Sprint 1 (1)", "sp").as_deref(),
            Some("<b>Sp</b>rint 1 (1)")
        );
        assert_eq!(highlight("R&D", "d").as_deref(), Some("R&amp;<b>D</b>"));
        assert_eq!(highlight("R&D", "r").as_deref(), Some("<b>R</b>&amp;D"));
        assert_eq!(highlight("backend", "x"), None);
        assert_eq!(
            highlight("Search & Discovery", "").as_deref(),
            Some("Search &amp; Discovery")
        );
    }

    #[test]
    fn rfc3986_keeps_only_unreserved() {
        assert_eq!(rfc3986("a-b._~ Z9"), "a-b._~%20Z9");
        assert_eq!(rfc3986("=%&+*é"), "%3D%25%26%2B%2A%C3%A9");
    }

    #[test]
    fn query_round_trip() {
        let q = encode_query([("q", "a b&c"), ("x", "é")]);
        assert_eq!(
            parse_query(Some(&q)),
            vec![("q".into(), "a b&c".into()), ("x".into(), "é".into())]
        );
    }
}
