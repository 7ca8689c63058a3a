//! The text of a text search: what it matches, and what Jira refuses.

use super::*;

const LOGIN: &str = "Fix login timeout on Safari";

fn matches(text: &str, summary: &str) -> bool {
    TextQuery::parse("text", text)
        .unwrap_or_else(|e| panic!("{text:?} refused: {}", e.message))
        .matches(summary)
}

fn refusal(text: &str) -> String {
    match TextQuery::parse("summary", text) {
        Ok(q) => panic!("{text:?} accepted as {q:?}"),
        Err(e) => e.message,
    }
}

#[test]
fn terms_are_whole_words_anded_case_insensitively() {
    assert!(matches("LOGIN", LOGIN));
    assert!(matches("login safari", LOGIN));
    assert!(matches("Safari   LOGIN", LOGIN));
    assert!(!matches("login chrome", LOGIN));
    assert!(!matches("log", LOGIN), "no substring match");
    assert!(!matches("logins", LOGIN), "no stemming");
    assert!(!matches("ogin", LOGIN));
    assert!(matches("zoë", "Ask Zoë Müller"));
    assert!(matches("MÜLLER", "Ask Zoë Müller"));
}

#[test]
fn wildcards_match_one_word() {
    assert!(matches("log*", LOGIN));
    assert!(matches("login fai*", "Login failure on Safari"));
    assert!(!matches("login fai*", LOGIN));
    assert!(matches("log?n", LOGIN));
    assert!(matches("logi?", LOGIN));
    assert!(!matches("log?", LOGIN), "? is exactly one character");
    assert!(matches("l*n", LOGIN));
    assert!(matches("t*m*t", LOGIN));
    assert!(matches("login*", LOGIN), "* may match nothing");
    assert!(!matches("log*x", LOGIN));
    assert!(matches("SAF*", LOGIN), "wildcard terms are lower-cased");
    // A wildcard term matches one word: its pattern cannot span the space.
    assert!(!matches("login*safari", LOGIN));
    // Wildcards in a phrase are just punctuation.
    assert!(!matches("\"log*\"", LOGIN));
}

#[test]
fn leading_wildcards_are_refused() {
    for text in ["*ogin", "?ogin", "login *afari", "*", "?", "(?x)"] {
        assert_eq!(
            refusal(text),
            format!(
                "The text query '{text}' for field 'summary' is not allowed to start with a wildcard ('*' or '?')."
            )
        );
    }
    // An escaped one is a literal character: punctuation between words.
    assert!(matches(r"\*login", LOGIN));
}

#[test]
fn unescaped_reserved_characters_are_refused() {
    for text in [
        "foo:",
        "foo:bar",
        "(draft",
        "draft)",
        "()",
        "a [b TO c]",
        "{x}",
        "a/b",
        "x^",
        "^2",
        "~",
        "foo\\",
        "say \"hi",
        "say \"hi\\\"",
        "+",
        "-",
        "!",
        "login -",
        "login AND",
        "AND login",
        "login OR OR safari",
        "NOT",
        "login &&",
        "|| login",
    ] {
        assert_eq!(
            refusal(text),
            format!("Unable to parse the text '{text}' for field 'summary'."),
            "{text:?}"
        );
    }
    let too_deep = format!("{}login{}", "(".repeat(65), ")".repeat(65));
    assert!(refusal(&too_deep).starts_with("Unable to parse"));
    assert!(matches(
        &format!("{}login{}", "(".repeat(64), ")".repeat(64)),
        LOGIN
    ));
}

#[test]
fn escaped_reserved_characters_are_taken_literally() {
    let drive = r#"say "hi" to the C:\ drive"#;
    assert!(matches(r"C\:\\", drive));
    assert!(matches(r"C\:\\ drive", drive));
    assert!(matches(r"\(hi\)", drive));
    assert!(matches(
        r"\+\-\&\|\!\(\)\{\}\[\]\^\~\*\?\:\\\/ drive",
        drive
    ));
    assert!(!matches(r"\:", drive), "punctuation alone searches nothing");
    assert!(matches(r"foo\:bar", "the foo and the bar"));
    assert!(!matches(r"foo\:bar", "only foo"));
}

#[test]
fn terms_with_inner_punctuation_need_each_word() {
    assert!(matches("R&D", "Update R&D budget report"));
    assert!(matches("e-mail", "Send the e-mail"));
    assert!(matches("e-mail", "mail e"), "words in any order");
    assert!(!matches("e-mail", "Send the mail"));
    assert!(matches("&&x", "x"), "&& is an operator only on its own");
}

#[test]
fn stop_words_match_nothing() {
    let summary = "Document dashboard widgets in the mobile app";
    assert!(!matches("the", summary));
    assert!(!matches("in the", summary));
    assert!(!matches("the*", summary), "stop words are not indexed");
    assert!(matches("the dashboard", summary));
    assert!(matches("dashboard of the", summary));
    assert!(matches("\"widgets in the mobile\"", summary));
    assert!(
        matches("\"widgets on a mobile\"", summary),
        "any word fills a stop word's place"
    );
    assert!(
        !matches("\"widgets mobile\"", summary),
        "positions are kept"
    );
    assert!(!matches("\"the of\"", summary));
}

#[test]
fn phrases_are_words_in_a_row() {
    let quoted = "Fix \"quoted\" search terms";
    assert!(matches("\"quoted\"", quoted));
    assert!(!matches("say \"quoted\"", quoted));
    assert!(matches("\"search terms\"", quoted));
    assert!(matches("\"SEARCH, terms!\"", quoted));
    assert!(!matches("\"terms search\"", quoted));
    assert!(matches("terms search", quoted));
    assert!(
        matches("\"quoted search\"~2 fix^3", quoted),
        "~ and ^ have no effect"
    );
    assert!(!matches("\"\"", quoted), "an empty phrase finds nothing");
    assert!(matches("fix~ quoted~0.5 (terms)^2", quoted));
}

#[test]
fn operators_combine_like_lucene() {
    assert!(matches("login OR chrome", LOGIN));
    assert!(matches("chrome || login", LOGIN));
    assert!(!matches("chrome OR firefox", LOGIN));
    assert!(matches("login AND safari", LOGIN));
    assert!(matches("login && safari", LOGIN));
    assert!(!matches("login AND chrome", LOGIN));
    assert!(!matches("login NOT safari", LOGIN));
    assert!(!matches("login -safari", LOGIN));
    assert!(!matches("login !safari", LOGIN));
    assert!(matches("login -chrome", LOGIN));
    assert!(matches("+login +safari", LOGIN));
    assert!(
        !matches("-login", LOGIN),
        "a purely negative query finds nothing"
    );
    assert!(!matches("NOT chrome", LOGIN));
    assert!(matches("(chrome OR safari) login", LOGIN));
    assert!(!matches("(chrome OR firefox) login", LOGIN));
    assert!(matches("fix (-chrome) OR login", LOGIN));
    // Lower-case words are terms: "and" is a stop word, "not" too.
    assert!(matches("login and safari", LOGIN));
    assert!(matches("login not safari", LOGIN));
    // Upper-case operators inside a word are letters.
    assert!(matches("ANDROID OR login", LOGIN));
}

#[test]
fn jql_string_content_arrives_unescaped() {
    // `text ~ "C\\:"` in JQL is `C\:` here.
    let jql = crate::jql::parse(r#"text ~ "C\\: drive""#).unwrap();
    let crate::jql::Clause::Text(text) = &jql[0] else {
        panic!("{jql:?}");
    };
    assert!(matches(text, r"C:\ drive"));
    let jql = crate::jql::parse(r#"text ~ "C: drive""#).unwrap();
    let crate::jql::Clause::Text(text) = &jql[0] else {
        panic!("{jql:?}");
    };
    assert_eq!(
        TextQuery::parse("text", text).unwrap_err().message,
        "Unable to parse the text 'C: drive' for field 'text'."
    );
}

/// xorshift64*: a fixed sequence of arbitrary texts.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[test]
fn arbitrary_texts_never_panic_and_escaping_makes_them_words() {
    const ALPHABET: &[char] = &[
        'a', 'b', 'l', 'o', 'g', 'i', 'n', 'é', 'Ω', '1', ' ', ' ', '+', '-', '&', '|', '!', '(',
        ')', '{', '}', '[', ']', '^', '~', '*', '?', ':', '\\', '/', '"', 'A', 'N', 'D', 'O', 'R',
        '\t', '.',
    ];
    let summaries = [
        "Fix login timeout",
        "a b",
        "Ω1 é",
        "the and of",
        "",
        "lo-gin \"x\"",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..20_000 {
        let len = (next(&mut state) % 24) as usize;
        let text: String = (0..len)
            .map(|_| ALPHABET[(next(&mut state) % ALPHABET.len() as u64) as usize])
            .collect();
        if text.trim().is_empty() {
            // JQL refuses an empty text search before Lucene reads it.
            continue;
        }
        if let Ok(query) = TextQuery::parse("text", &text) {
            for s in summaries {
                query.matches(s);
            }
        }
        // Every character escaped: always accepted, and it searches the text's words.
        let escaped: String = text
            .chars()
            .flat_map(|c| {
                if c.is_whitespace() {
                    vec![c]
                } else {
                    vec!['\\', c]
                }
            })
            .collect();
        let query = TextQuery::parse("text", &escaped)
            .unwrap_or_else(|e| panic!("{escaped:?}: {}", e.message));
        let words: Vec<String> = index_words(&text).into_iter().flatten().collect();
        for s in summaries {
            let expected = !words.is_empty() && {
                let index = index_words(s);
                words.iter().all(|w| index.contains(&Some(w.clone())))
            };
            assert_eq!(query.matches(s), expected, "{escaped:?} on {s:?}");
        }
    }
}
