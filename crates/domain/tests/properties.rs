//! Property tests of the domain's pure rules (issue #12): each an invariant that holds for any
//! input, checked on a bounded number of generated cases so the set runs in a few seconds.
//! The tables beside each rule (`choice.rs`, `rules.rs`) keep the exact examples.

use domain::choice::user_choice;
use domain::rules::plain_text;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Cases per property: enough to cover the edges of these small rules, quick on two cores.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// Python's `str()` of a JSON value, as the label prints it (`None`, `True`, `False`).
fn py_str(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Python's truthiness of the values generated here.
fn py_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A value of one of a user's keys: null, a boolean, a number or a string. Strings and
/// numbers never print a `-`, `(` or `)`, so the label's email part (`- e `) and name part
/// (`(n)`) can be told apart from the rest; strings include empty and blank ones.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u32>().prop_map(|n| json!(n)),
        Just(json!(0.0)),
        Just(json!(2.5)),
        Just(json!("")),
        Just(json!("  ")),
        "[ a-zA-Z0-9@._é東]{0,12}".prop_map(Value::String),
    ]
}

const USER_KEYS: [&str; 4] = ["name", "displayName", "emailAddress", "accountId"];

/// A user object built from the keys the label reads, each absent or holding any value.
fn user() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::vec(proptest::option::of(field_value()), USER_KEYS.len()).prop_map(
        |values| {
            USER_KEYS
                .iter()
                .zip(values)
                .filter_map(|(k, v)| Some(((*k).to_owned(), v?)))
                .collect()
        },
    )
}

fn id_field() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("name"), Just("accountId")]
}

proptest! {
    #![proptest_config(config())]

    /// The user-choice table (crates/domain/src/choice.rs) as invariants over any user:
    /// - a user is skipped iff its id field (`name` on Server, `accountId` on Cloud) is
    ///   absent; a present id is the value as it is, JSON null included;
    /// - the label is `"{display} {email_part}{name_part}"` trimmed: no surrounding blanks;
    /// - it starts with the display name (`displayName`, else `name`, else empty), printed as
    ///   Python prints it (`None`, `True`...);
    /// - it holds the email part `- {email}` iff the email is truthy (an empty or null email
    ///   is like none);
    /// - it ends with `({name})` iff the name is truthy, and holds no `(` otherwise;
    /// - with neither part, it is the display name trimmed.
    #[test]
    fn user_labels_follow_the_table(user in user(), id_field in id_field()) {
        let value = Value::Object(user.clone());
        let got = user_choice(&value, id_field);
        let Some(id) = user.get(id_field) else {
            prop_assert_eq!(got, None);
            return Ok(());
        };
        let choice = got.expect("a user with its id field is kept");
        prop_assert_eq!(&choice.value, id);
        let label = choice.label;
        prop_assert_eq!(label.trim(), label.as_str());

        let empty = json!("");
        let name = user.get("name").unwrap_or(&empty);
        let display = user.get("displayName").unwrap_or(name);
        let display = py_str(display);
        prop_assert!(label.starts_with(display.trim()), "{label:?} starts with {display:?}");

        let email = user.get("emailAddress").filter(|e| py_truthy(e));
        match email {
            Some(e) => {
                let part = format!("- {}", py_str(e));
                prop_assert!(label.contains(part.trim_end()), "{label:?} has {part:?}");
            }
            None => prop_assert!(!label.contains('-'), "{label:?} has no email part"),
        }
        if py_truthy(name) {
            let part = format!("({})", py_str(name));
            prop_assert!(label.ends_with(&part), "{label:?} ends with {part:?}");
        } else {
            prop_assert!(!label.contains('('), "{label:?} has no name part");
        }
        if email.is_none() && !py_truthy(name) {
            prop_assert_eq!(label.as_str(), display.trim());
        }
    }

    /// Keys the label does not read (`active`, `key`, `self`...) change nothing.
    #[test]
    fn other_keys_of_a_user_are_ignored(
        user in user(),
        id_field in id_field(),
        extra in proptest::collection::btree_map("active|key|self|timeZone", field_value(), 0..4),
    ) {
        let plain = user_choice(&Value::Object(user.clone()), id_field);
        let mut more = user;
        more.extend(extra);
        prop_assert_eq!(user_choice(&Value::Object(more), id_field), plain);
    }

    /// Anything but an object is skipped, whatever the id field.
    #[test]
    fn a_user_that_is_not_an_object_is_skipped(
        value in prop_oneof![
            field_value(),
            proptest::collection::vec(field_value(), 0..3).prop_map(Value::Array),
        ],
        id_field in id_field(),
    ) {
        prop_assert_eq!(user_choice(&value, id_field), None);
    }

    /// Text without markup (`<`, `>`, `&`) is already plain: it comes back unchanged.
    #[test]
    fn plain_text_leaves_plain_text_unchanged(s in "[^<>&]*") {
        prop_assert_eq!(plain_text(&s), s);
    }

    /// Tags are removed and the text between them is kept as it was, in order: no tag that
    /// was given between `<` and `>` survives.
    #[test]
    fn plain_text_drops_every_tag_and_keeps_the_text(
        pieces in proptest::collection::vec(("[^<>&]{0,8}", "<[^<>]{0,10}>"), 0..6),
        last in "[^<>&]{0,8}",
    ) {
        let mut html = String::new();
        let mut text = String::new();
        for (t, tag) in &pieces {
            html.push_str(t);
            html.push_str(tag);
            text.push_str(t);
        }
        html.push_str(&last);
        text.push_str(&last);
        let got = plain_text(&html);
        prop_assert_eq!(&got, &text);
        for (_, tag) in &pieces {
            prop_assert!(!got.contains(tag.as_str()), "{got:?} still has {tag:?}");
        }
    }

    /// Whatever the input, no `<` comes out unless an entity (`&lt;`) wrote it, and nothing
    /// panics.
    #[test]
    fn plain_text_never_leaves_an_opening_bracket(s in any::<String>()) {
        let got = plain_text(&s);
        if !s.contains('&') {
            prop_assert!(!got.contains('<'), "{s:?} gave {got:?}");
        }
    }
}
