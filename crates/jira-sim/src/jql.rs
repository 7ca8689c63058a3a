//! Just enough JQL for the searches clients send: `text ~ "..."`, `summary ~ "..."`,
//! `id = KEY`, `key = KEY`, `project = KEY`, joined by `AND`, with an ignored `ORDER BY`.
//! Anything else is answered with Jira's kind of 400.

/// One restriction of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Clause {
    /// Full-text search (`text ~` or `summary ~`): every term must match a word of the summary.
    Text(String),
    /// `id = X`, `key = X` or `issuekey = X`: an issue key (any case) or a numeric id.
    Issue(String),
    /// `project = X`: a project key (any case) or id.
    Project(String),
}

/// Why a query was refused; each becomes a 400 `errorMessages` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JqlError(pub(crate) String);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Str(String),
    Op(String),
    Punct(char),
}

fn tokenize(jql: &str) -> Result<Vec<(Token, usize)>, JqlError> {
    let chars: Vec<char> = jql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        match c {
            '"' | '\'' => {
                let quote = c;
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(JqlError(format!(
                                "Error in the JQL Query: The quoted string '{}' has not been completed. (line 1, character {})",
                                chars[start..].iter().collect::<String>(),
                                start + 1
                            )))
                        }
                        Some('\\') => match chars.get(i + 1) {
                            Some(&n @ ('"' | '\'' | '\\' | ' ')) => {
                                value.push(n);
                                i += 2;
                            }
                            Some('n') => {
                                value.push('\n');
                                i += 2;
                            }
                            Some('t') => {
                                value.push('\t');
                                i += 2;
                            }
                            Some(other) => {
                                return Err(JqlError(format!(
                                    "Error in the JQL Query: The escape sequence '\\{other}' in the quoted string is illegal. (line 1, character {})",
                                    i + 1
                                )))
                            }
                            None => {
                                return Err(JqlError(format!(
                                    "Error in the JQL Query: The quoted string '{}' has not been completed. (line 1, character {})",
                                    chars[start..].iter().collect::<String>(),
                                    start + 1
                                )))
                            }
                        },
                        Some(&q) if q == quote => {
                            i += 1;
                            break;
                        }
                        Some(&other) => {
                            value.push(other);
                            i += 1;
                        }
                    }
                }
                out.push((Token::Str(value), start));
            }
            '=' | '~' => {
                out.push((Token::Op(c.to_string()), start));
                i += 1;
            }
            '!' => {
                let op = match chars.get(i + 1) {
                    Some('=') => "!=",
                    Some('~') => "!~",
                    _ => "!",
                };
                out.push((Token::Op(op.into()), start));
                i += op.len();
            }
            '(' | ')' | ',' => {
                out.push((Token::Punct(c), start));
                i += 1;
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.get(i) {
                    if c.is_whitespace() || "=~!()\"',".contains(c) {
                        break;
                    }
                    word.push(c);
                    i += 1;
                }
                out.push((Token::Word(word), start));
            }
        }
    }
    Ok(out)
}

fn describe(token: Option<&(Token, usize)>) -> (String, usize) {
    match token {
        None => ("end of query".into(), 0),
        Some((Token::Word(w), at)) => (format!("'{w}'"), *at + 1),
        Some((Token::Str(s), at)) => (format!("'\"{s}\"'"), *at + 1),
        Some((Token::Op(o), at)) => (format!("'{o}'"), *at + 1),
        Some((Token::Punct(p), at)) => (format!("'{p}'"), *at + 1),
    }
}

fn expected(what: &str, token: Option<&(Token, usize)>, len: usize) -> JqlError {
    let (got, at) = describe(token);
    let at = if at == 0 { len + 1 } else { at };
    JqlError(format!(
        "Error in the JQL Query: Expecting {what} but got {got}. (line 1, character {at})"
    ))
}

/// Parses a query into its clauses (all of which must hold).
pub(crate) fn parse(jql: &str) -> Result<Vec<Clause>, JqlError> {
    let tokens = tokenize(jql)?;
    let len = jql.chars().count();
    let mut clauses = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let (Token::Word(w), _) = &tokens[i] {
            if w.eq_ignore_ascii_case("order") {
                break;
            }
        }
        if !clauses.is_empty() {
            match &tokens[i] {
                (Token::Word(w), _) if w.eq_ignore_ascii_case("and") => i += 1,
                other => return Err(expected("either 'AND' or 'ORDER BY'", Some(other), len)),
            }
        }
        let field = match tokens.get(i) {
            Some((Token::Word(w), _)) | Some((Token::Str(w), _)) => w.clone(),
            other => return Err(expected("a field name", other, len)),
        };
        let op = match tokens.get(i + 1) {
            Some((Token::Op(o), _)) => o.clone(),
            other => return Err(expected("an operator", other, len)),
        };
        let value = match tokens.get(i + 2) {
            Some((Token::Word(w), _)) | Some((Token::Str(w), _)) => w.clone(),
            other => return Err(expected("either a value, list or function", other, len)),
        };
        i += 3;
        let lower = field.to_ascii_lowercase();
        let clause = match lower.as_str() {
            "text" | "summary" => {
                if op != "~" {
                    return Err(JqlError(format!(
                        "The operator '{op}' is not supported by the '{field}' field."
                    )));
                }
                if value.trim().is_empty() {
                    return Err(JqlError(format!(
                        "The field '{field}' does not support searching for an empty string."
                    )));
                }
                Clause::Text(value)
            }
            "id" | "key" | "issuekey" | "issue" => {
                if op != "=" {
                    return Err(JqlError(format!(
                        "The operator '{op}' is not supported by the '{field}' field."
                    )));
                }
                Clause::Issue(value)
            }
            "project" => {
                if op != "=" {
                    return Err(JqlError(format!(
                        "The operator '{op}' is not supported by the '{field}' field."
                    )));
                }
                Clause::Project(value)
            }
            _ => {
                return Err(JqlError(format!(
                    "Field '{field}' does not exist or you do not have permission to view it."
                )))
            }
        };
        clauses.push(clause);
    }
    Ok(clauses)
}

/// Lower-cased words of a text, split on anything that is not a letter or digit.
fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric() && c != '*' && c != '?')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

/// Whether a summary matches a text search: each term is a whole word (a trailing `*` makes it a
/// prefix), case-insensitively, like Lucene without stemming.
pub(crate) fn text_matches(summary: &str, text: &str) -> bool {
    let summary_words: Vec<String> = words(summary).collect();
    let mut any = false;
    for term in words(text) {
        let term_ok = match term.strip_suffix('*') {
            Some(stem) => summary_words.iter().any(|w| w.starts_with(stem)),
            None => summary_words.contains(&term),
        };
        if !term_ok {
            return false;
        }
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_client_queries() {
        assert_eq!(
            parse(r#"text ~ "test""#).unwrap(),
            vec![Clause::Text("test".into())]
        );
        assert_eq!(
            parse(r#"id="HSP-1""#).unwrap(),
            vec![Clause::Issue("HSP-1".into())]
        );
        assert_eq!(
            parse(r#"text ~ "say \"hi\"""#).unwrap(),
            vec![Clause::Text("say \"hi\"".into())]
        );
        assert_eq!(
            parse(r#"text ~ "foo\\""#).unwrap(),
            vec![Clause::Text("foo\\".into())]
        );
        assert_eq!(
            parse("project = ABC AND key = abc-1 ORDER BY created DESC").unwrap(),
            vec![Clause::Project("ABC".into()), Clause::Issue("abc-1".into())]
        );
    }

    #[test]
    fn refuses_what_jira_refuses() {
        // Sentry's escaping leaves a trailing backslash escaping the closing quote.
        assert!(parse(r#"text ~ "foo\""#)
            .unwrap_err()
            .0
            .contains("has not been completed"));
        assert!(parse("nosuch = 1")
            .unwrap_err()
            .0
            .contains("does not exist"));
        assert!(parse(r#"text = "x""#).unwrap_err().0.contains("operator"));
        assert!(parse(r#"text ~ """#)
            .unwrap_err()
            .0
            .contains("empty string"));
        assert!(parse("text ~").unwrap_err().0.contains("Expecting"));
    }

    #[test]
    fn text_search_matches_words() {
        assert!(text_matches("Fix login timeout on Safari", "LOGIN"));
        assert!(text_matches("Fix login timeout on Safari", "login safari"));
        assert!(!text_matches("Fix login timeout on Safari", "log"));
        assert!(text_matches("Fix login timeout on Safari", "log*"));
        assert!(!text_matches(
            "Fix \"quoted\" search terms",
            "say \"quoted\""
        ));
        assert!(text_matches("Fix \"quoted\" search terms", "\"quoted\""));
        assert!(!text_matches("anything", "  "));
    }
}
