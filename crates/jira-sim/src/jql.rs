//! Just enough JQL for the searches clients send: `text ~ "..."`, `summary ~ "..."`,
//! `id = KEY`, `key = KEY`, `project = KEY`, joined by `AND`, with an ignored `ORDER BY`.
//! Anything else is answered with Jira's kind of 400. The string of a text search is read
//! afterwards, as Lucene syntax (`crate::lucene`).

/// One restriction of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clause {
    /// `text ~ "..."`: full-text search, the string's content (JQL escapes undone) in Lucene's
    /// syntax. The simulated issues' only text is their summary.
    Text(String),
    /// `summary ~ "..."`: the same search, on the summary field alone.
    Summary(String),
    /// `id = X`, `key = X` or `issuekey = X`: an issue key (any case) or a numeric id.
    Issue(String),
    /// `project = X`: a project key (any case) or id.
    Project(String),
}

/// Why a query was refused; each becomes a 400 `errorMessages` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JqlError {
    /// Jira's message.
    pub message: String,
}

impl JqlError {
    pub(crate) fn new(message: String) -> Self {
        Self { message }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Str(String),
    Op(String),
    Punct(char),
}

impl Token {
    /// The token as Jira quotes it in an error message.
    fn quoted(&self) -> String {
        match self {
            Token::Word(w) => format!("'{w}'"),
            Token::Str(s) => format!("'\"{s}\"'"),
            Token::Op(o) => format!("'{o}'"),
            Token::Punct(p) => format!("'{p}'"),
        }
    }
}

/// A token and where it starts: the index of its first character (from 0).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Located {
    token: Token,
    at: usize,
}

fn tokenize(jql: &str) -> Result<Vec<Located>, JqlError> {
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
                            return Err(JqlError::new(format!(
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
                            Some('r') => {
                                value.push('\r');
                                i += 2;
                            }
                            Some('u') if unicode_escape(&chars[i + 2..]).is_some() => {
                                value.extend(unicode_escape(&chars[i + 2..]));
                                i += 6;
                            }
                            Some(other) => {
                                return Err(JqlError::new(format!(
                                    "Error in the JQL Query: The escape sequence '\\{other}' in the quoted string is illegal. (line 1, character {})",
                                    i + 1
                                )))
                            }
                            None => {
                                return Err(JqlError::new(format!(
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
                out.push(Located {
                    token: Token::Str(value),
                    at: start,
                });
            }
            '=' | '~' => {
                out.push(Located {
                    token: Token::Op(c.to_string()),
                    at: start,
                });
                i += 1;
            }
            '!' => {
                let op = match chars.get(i + 1) {
                    Some('=') => "!=",
                    Some('~') => "!~",
                    _ => "!",
                };
                out.push(Located {
                    token: Token::Op(op.into()),
                    at: start,
                });
                i += op.len();
            }
            '(' | ')' | ',' => {
                out.push(Located {
                    token: Token::Punct(c),
                    at: start,
                });
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
                out.push(Located {
                    token: Token::Word(word),
                    at: start,
                });
            }
        }
    }
    Ok(out)
}

/// The character of a `\uXXXX` escape, from the four hexadecimal digits after `\u`.
fn unicode_escape(after: &[char]) -> Option<char> {
    let hex: String = after.get(..4)?.iter().collect();
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    char::from_u32(u32::from_str_radix(&hex, 16).ok()?)
}

/// Jira's error for a token (or the end of a query of `len` characters) where `what` should be.
fn expected(what: &str, found: Option<&Located>, len: usize) -> JqlError {
    let got = found.map_or_else(|| "end of query".to_string(), |l| l.token.quoted());
    // Jira counts characters from 1; the end of the query is just past its last character.
    let character = found.map_or(len + 1, |l| l.at + 1);
    JqlError::new(format!(
        "Error in the JQL Query: Expecting {what} but got {got}. (line 1, character {character})"
    ))
}

/// Parses a query into its clauses (all of which must hold).
pub fn parse(jql: &str) -> Result<Vec<Clause>, JqlError> {
    let tokens = tokenize(jql)?;
    let len = jql.chars().count();
    let mut clauses = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Token::Word(w) = &tokens[i].token {
            if w.eq_ignore_ascii_case("order") {
                break;
            }
        }
        if !clauses.is_empty() {
            match &tokens[i].token {
                Token::Word(w) if w.eq_ignore_ascii_case("and") => i += 1,
                _ => {
                    return Err(expected(
                        "either 'AND' or 'ORDER BY'",
                        Some(&tokens[i]),
                        len,
                    ))
                }
            }
        }
        let token = |at: usize| tokens.get(at).map(|l| &l.token);
        let field = match token(i) {
            Some(Token::Word(w) | Token::Str(w)) => w.clone(),
            _ => return Err(expected("a field name", tokens.get(i), len)),
        };
        let op = match token(i + 1) {
            Some(Token::Op(o)) => o.clone(),
            _ => return Err(expected("an operator", tokens.get(i + 1), len)),
        };
        let value = match token(i + 2) {
            Some(Token::Word(w) | Token::Str(w)) => w.clone(),
            _ => {
                return Err(expected(
                    "either a value, list or function",
                    tokens.get(i + 2),
                    len,
                ))
            }
        };
        i += 3;
        let lower = field.to_ascii_lowercase();
        let clause = match lower.as_str() {
            "text" | "summary" => {
                if op != "~" {
                    return Err(JqlError::new(format!(
                        "The operator '{op}' is not supported by the '{field}' field."
                    )));
                }
                if value.trim().is_empty() {
                    return Err(JqlError::new(format!(
                        "The field '{field}' does not support searching for an empty string."
                    )));
                }
                if lower == "text" {
                    Clause::Text(value)
                } else {
                    Clause::Summary(value)
                }
            }
            "id" | "key" | "issuekey" | "issue" => {
                if op != "=" {
                    return Err(JqlError::new(format!(
                        "The operator '{op}' is not supported by the '{field}' field."
                    )));
                }
                Clause::Issue(value)
            }
            "project" => {
                if op != "=" {
                    return Err(JqlError::new(format!(
                        "The operator '{op}' is not supported by the '{field}' field."
                    )));
                }
                Clause::Project(value)
            }
            _ => {
                return Err(JqlError::new(format!(
                    "Field '{field}' does not exist or you do not have permission to view it."
                )))
            }
        };
        clauses.push(clause);
    }
    Ok(clauses)
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
            parse(r#"summary ~ "C\u003a\\\r""#).unwrap(),
            vec![Clause::Summary("C:\\\r".into())]
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
            .message
            .contains("has not been completed"));
        assert!(parse("nosuch = 1")
            .unwrap_err()
            .message
            .contains("does not exist"));
        assert!(parse(r#"text = "x""#)
            .unwrap_err()
            .message
            .contains("operator"));
        assert!(parse(r#"text ~ """#)
            .unwrap_err()
            .message
            .contains("empty string"));
        assert!(parse("text ~").unwrap_err().message.contains("Expecting"));
        for bad in [r#"text ~ "\u12""#, r#"text ~ "\u12g4""#, r#"text ~ "\:""#] {
            assert!(
                parse(bad).unwrap_err().message.contains("is illegal"),
                "{bad}"
            );
        }
    }

    #[test]
    fn expectations_name_what_came_and_where() {
        let message = |jql: &str| parse(jql).unwrap_err().message;
        assert_eq!(
            message("text ~"),
            "Error in the JQL Query: Expecting either a value, list or function but got end of query. (line 1, character 7)"
        );
        assert_eq!(
            message(r#"text ~ x "y""#),
            "Error in the JQL Query: Expecting either 'AND' or 'ORDER BY' but got '\"y\"'. (line 1, character 10)"
        );
        assert_eq!(
            message("= x"),
            "Error in the JQL Query: Expecting a field name but got '='. (line 1, character 1)"
        );
        assert_eq!(
            message("text ( x"),
            "Error in the JQL Query: Expecting an operator but got '('. (line 1, character 6)"
        );
        assert_eq!(
            message("text ~ x AND y"),
            "Error in the JQL Query: Expecting an operator but got end of query. (line 1, character 15)"
        );
    }
}
