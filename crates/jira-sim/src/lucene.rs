//! The text of a `text ~ "..."` or `summary ~ "..."` clause as Jira reads it: Lucene's classic
//! query syntax (Atlassian's "Search syntax for text fields"), matched against the words of an
//! issue's summary.
//!
//! - Terms are ANDed (Jira's default operator). `AND` / `&&`, `OR` / `||`, `NOT` / `!` (upper
//!   case only: `and` is a word) and the `+` / `-` modifiers combine them as Lucene's classic
//!   parser does, `( )` groups them.
//! - A term matches a whole word, case-insensitively: `log` does not find `login`. Words are runs
//!   of Unicode letters and digits, in the summary as in the query: a term holding anything else
//!   (`R&D`, `e-mail`) needs each of its words. **No stemming**: `logins` does not find `login`,
//!   where Jira's English analyser would.
//! - `*` (any run of characters) and `?` (exactly one) are wildcards inside or at the end of a
//!   term, which then matches one word; a term may not start with either (Jira's 400).
//! - `"..."` is a phrase: its words one after the other.
//! - Stop words (Lucene's English list: `the`, `a`, `and`, `of`, ...) are neither indexed nor
//!   searched: a term of only stop words drops out of the query, and a query left with nothing
//!   finds nothing.
//! - `\` takes the next character literally: a letter or digit is part of a word, anything else
//!   separates words (so `C\:\\` searches for the word `c`). Inside a JQL string literal that
//!   backslash is itself written `\\`.
//! - `~` (fuzzy, proximity) and `^N` (boost) after a term, phrase or group are accepted and have
//!   no effect, as on Jira Cloud.
//! - Any other reserved character left unescaped — `:` (fields), `[ ] { }` (ranges), `/`
//!   (regular expressions), `^` without a number, `~` or an operator with nothing to apply to, an
//!   unbalanced `(` or `"`, a trailing `\` — is refused with Jira's 400 "Unable to parse the
//!   text '...' for field '...'". Lucene has a meaning for fields, ranges and regular
//!   expressions; the simulator does not play them and refuses them instead.

use crate::jql::JqlError;

/// Lucene's English stop words (`EnglishAnalyzer`'s default set).
const STOP_WORDS: [&str; 33] = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// How deep `( )` groups may nest before the text is refused (a bound on recursion).
const MAX_DEPTH: usize = 64;

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// The lower-cased words of a text: runs of Unicode letters and digits; stop words are `None`
/// (they hold a position, as in Lucene's index, but never match).
fn index_words(text: &str) -> Vec<Option<String>> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| Some(w.to_lowercase()).filter(|w| !is_stop_word(w)))
        .collect()
}

/// One character of a term, and whether a backslash escaped it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ch {
    c: char,
    escaped: bool,
}

impl Ch {
    fn wildcard(self) -> bool {
        !self.escaped && matches!(self.c, '*' | '?')
    }
}

/// A lexical token of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Term(Vec<Ch>),
    Phrase(String),
    And,
    Or,
    Not,
    Plus,
    Minus,
    Open,
    Close,
    /// `~`, with or without a number.
    Fuzzy,
    /// `^` and its number.
    Boost,
}

/// Characters that end a term (a backslash-escaped one does not).
fn ends_term(c: char) -> bool {
    c.is_whitespace() || "()[]{}:^\"~!/".contains(c)
}

/// Why the text was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    /// Lucene could not parse it.
    Syntax,
    /// A term starts with `*` or `?`.
    LeadingWildcard,
}

/// Skips a number (`2`, `0.5`) at `i`; whether there was one.
fn number(chars: &[char], i: &mut usize) -> bool {
    let start = *i;
    while chars
        .get(*i)
        .is_some_and(|c| c.is_ascii_digit() || *c == '.')
    {
        *i += 1;
    }
    *i > start
}

fn lex(text: &str) -> Result<Vec<Tok>, Refusal> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        let tok = match c {
            c if c.is_whitespace() => continue,
            '"' => {
                let mut phrase = String::new();
                loop {
                    match chars.get(i) {
                        None => return Err(Refusal::Syntax),
                        Some('"') => break,
                        Some('\\') => {
                            phrase.push(*chars.get(i + 1).ok_or(Refusal::Syntax)?);
                            i += 2;
                        }
                        Some(&other) => {
                            phrase.push(other);
                            i += 1;
                        }
                    }
                }
                i += 1;
                Tok::Phrase(phrase)
            }
            '(' => Tok::Open,
            ')' => Tok::Close,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '!' => Tok::Not,
            '~' => {
                number(&chars, &mut i);
                Tok::Fuzzy
            }
            '^' if number(&chars, &mut i) => Tok::Boost,
            '^' | ':' | '[' | ']' | '{' | '}' | '/' => return Err(Refusal::Syntax),
            _ => {
                i -= 1;
                let mut term = Vec::new();
                while let Some(&c) = chars.get(i) {
                    if c == '\\' {
                        let &escaped = chars.get(i + 1).ok_or(Refusal::Syntax)?;
                        term.push(Ch {
                            c: escaped,
                            escaped: true,
                        });
                        i += 2;
                    } else if ends_term(c) {
                        break;
                    } else {
                        term.push(Ch { c, escaped: false });
                        i += 1;
                    }
                }
                let plain: Option<String> = term
                    .iter()
                    .map(|ch| (!ch.escaped).then_some(ch.c))
                    .collect();
                match plain.as_deref() {
                    Some("AND" | "&&") => Tok::And,
                    Some("OR" | "||") => Tok::Or,
                    Some("NOT") => Tok::Not,
                    _ => Tok::Term(term),
                }
            }
        };
        out.push(tok);
    }
    Ok(out)
}

/// One character of a wildcard pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pat {
    Lit(char),
    /// `?`
    One,
    /// `*`
    Any,
}

/// Whether a word matches a wildcard pattern (iterative, backtracking to the last `*`).
fn glob(pattern: &[Pat], word: &[char]) -> bool {
    let (mut p, mut w) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while w < word.len() {
        match pattern.get(p) {
            Some(Pat::Any) => {
                star = Some((p, w));
                p += 1;
            }
            Some(Pat::One) => {
                p += 1;
                w += 1;
            }
            Some(Pat::Lit(c)) if *c == word[w] => {
                p += 1;
                w += 1;
            }
            _ => match star {
                Some((sp, sw)) => {
                    p = sp + 1;
                    w = sw + 1;
                    star = Some((sp, sw + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|x| *x == Pat::Any)
}

/// How a clause takes part in its group, as in Lucene's `BooleanClause.Occur`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Occur {
    Must,
    Should,
    MustNot,
}

/// A query after analysis.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    /// Nothing left to search for (stop words, punctuation): the clause drops out.
    Empty,
    /// Every one of these words.
    Words(Vec<String>),
    /// One word matching the pattern.
    Wildcard(Vec<Pat>),
    /// These words in a row (`None`: a stop word's position, which any word fills).
    Phrase(Vec<Option<String>>),
    /// A group of clauses.
    Group(Vec<(Occur, Node)>),
}

impl Node {
    fn term(term: &[Ch]) -> Result<Self, Refusal> {
        if term.first().is_some_and(|ch| ch.wildcard()) {
            return Err(Refusal::LeadingWildcard);
        }
        if term.iter().any(|ch| ch.wildcard()) {
            let pattern = term
                .iter()
                .flat_map(|ch| match ch.c {
                    '*' if !ch.escaped => vec![Pat::Any],
                    '?' if !ch.escaped => vec![Pat::One],
                    c => c.to_lowercase().map(Pat::Lit).collect(),
                })
                .collect();
            return Ok(Node::Wildcard(pattern));
        }
        let text: String = term.iter().map(|ch| ch.c).collect();
        let words: Vec<String> = index_words(&text).into_iter().flatten().collect();
        Ok(if words.is_empty() {
            Node::Empty
        } else {
            Node::Words(words)
        })
    }

    fn phrase(text: &str) -> Self {
        let mut words = index_words(text);
        let first = words.iter().position(Option::is_some);
        let Some(first) = first else {
            return Node::Empty;
        };
        words.drain(..first);
        while words.last().is_some_and(Option::is_none) {
            words.pop();
        }
        match words.as_slice() {
            [Some(one)] => Node::Words(vec![one.clone()]),
            _ => Node::Phrase(words),
        }
    }

    /// Whether the summary's words (stop words as `None`) match.
    fn matches(&self, index: &[Option<String>], chars: &[Vec<char>]) -> bool {
        match self {
            Node::Empty => false,
            Node::Words(words) => words
                .iter()
                .all(|w| index.iter().any(|i| i.as_ref() == Some(w))),
            Node::Wildcard(pattern) => index
                .iter()
                .zip(chars)
                .any(|(word, chars)| word.is_some() && glob(pattern, chars)),
            Node::Phrase(words) => (0..index.len()).any(|start| {
                words.iter().enumerate().all(|(k, w)| match w {
                    None => true,
                    Some(w) => index.get(start + k).is_some_and(|i| i.as_ref() == Some(w)),
                })
            }),
            Node::Group(clauses) => {
                let mut positive = false;
                let mut must = false;
                let mut any_should = false;
                for (occur, node) in clauses {
                    match occur {
                        Occur::Must => {
                            if !node.matches(index, chars) {
                                return false;
                            }
                            positive = true;
                            must = true;
                        }
                        Occur::MustNot => {
                            if node.matches(index, chars) {
                                return false;
                            }
                        }
                        Occur::Should => {
                            positive = true;
                            any_should = any_should || node.matches(index, chars);
                        }
                    }
                }
                positive && (must || any_should)
            }
        }
    }
}

/// A conjunction between two clauses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Conj {
    None,
    And,
    Or,
}

/// Lucene's `QueryParserBase.addClause` with the default operator AND: an `AND` makes the
/// previous clause required, an `OR` makes it optional (unless prohibited), then the new clause
/// is prohibited (`NOT`, `!`, `-`), optional (after `OR`) or required. A clause that analysed to
/// nothing still changes the previous one, then drops out.
fn add_clause(clauses: &mut Vec<(Occur, Node)>, conj: Conj, prohibited: bool, node: Node) {
    if let Some(last) = clauses.last_mut() {
        if last.0 != Occur::MustNot {
            match conj {
                Conj::And => last.0 = Occur::Must,
                Conj::Or => last.0 = Occur::Should,
                Conj::None => {}
            }
        }
    }
    if node == Node::Empty || matches!(&node, Node::Group(c) if c.is_empty()) {
        return;
    }
    let occur = if prohibited {
        Occur::MustNot
    } else if conj == Conj::Or {
        Occur::Should
    } else {
        Occur::Must
    };
    clauses.push((occur, node));
}

/// Recursive descent over the tokens.
struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn bump(&mut self) -> Option<Tok> {
        let tok = self.toks.get(self.at).cloned();
        self.at += 1;
        tok
    }

    /// Clauses up to the end or a `)`; `Err` when there is none at all.
    fn query(&mut self, depth: usize) -> Result<Vec<(Occur, Node)>, Refusal> {
        let mut clauses = Vec::new();
        let mut first = true;
        while !matches!(self.peek(), None | Some(Tok::Close)) {
            let conj = match (first, self.peek()) {
                (false, Some(Tok::And)) => Conj::And,
                (false, Some(Tok::Or)) => Conj::Or,
                _ => Conj::None,
            };
            if conj != Conj::None {
                self.bump();
            }
            let prohibited = match self.peek() {
                Some(Tok::Not | Tok::Minus) => true,
                Some(Tok::Plus) => false,
                _ => {
                    let node = self.clause(depth)?;
                    add_clause(&mut clauses, conj, false, node);
                    first = false;
                    continue;
                }
            };
            self.bump();
            let node = self.clause(depth)?;
            add_clause(&mut clauses, conj, prohibited, node);
            first = false;
        }
        if first {
            return Err(Refusal::Syntax);
        }
        Ok(clauses)
    }

    /// A term, phrase or group, with any `~` and `^N` after it.
    fn clause(&mut self, depth: usize) -> Result<Node, Refusal> {
        let node = match self.bump() {
            Some(Tok::Term(term)) => Node::term(&term)?,
            Some(Tok::Phrase(text)) => Node::phrase(&text),
            Some(Tok::Open) if depth < MAX_DEPTH => {
                let inner = self.query(depth + 1)?;
                if self.bump() != Some(Tok::Close) {
                    return Err(Refusal::Syntax);
                }
                Node::Group(inner)
            }
            _ => return Err(Refusal::Syntax),
        };
        while matches!(self.peek(), Some(Tok::Fuzzy | Tok::Boost)) {
            self.bump();
        }
        Ok(node)
    }
}

/// A text search as Jira reads it: parsed once, then matched against summaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextQuery {
    root: Node,
}

impl TextQuery {
    /// Reads the content of the string literal of `<field> ~ "..."` (JQL escapes already
    /// undone). `Err` is Jira's 400 message, naming the text and the field.
    pub fn parse(field: &str, text: &str) -> Result<Self, JqlError> {
        let parsed = lex(text).and_then(|toks| {
            let mut parser = Parser { toks, at: 0 };
            let clauses = parser.query(0)?;
            if parser.at < parser.toks.len() {
                // A `)` without its `(`.
                return Err(Refusal::Syntax);
            }
            Ok(clauses)
        });
        match parsed {
            Ok(clauses) => Ok(Self {
                root: Node::Group(clauses),
            }),
            Err(Refusal::Syntax) => Err(JqlError::new(format!(
                "Unable to parse the text '{text}' for field '{field}'."
            ))),
            Err(Refusal::LeadingWildcard) => Err(JqlError::new(format!(
                "The text query '{text}' for field '{field}' is not allowed to start with a wildcard ('*' or '?')."
            ))),
        }
    }

    /// Whether a summary matches.
    pub fn matches(&self, summary: &str) -> bool {
        let index = index_words(summary);
        let chars: Vec<Vec<char>> = index
            .iter()
            .map(|w| w.as_deref().unwrap_or("").chars().collect())
            .collect();
        self.root.matches(&index, &chars)
    }
}

#[cfg(test)]
mod tests;
