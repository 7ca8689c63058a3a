//! Turning a Jira user object into a picker choice, with Sentry's exact label format.

use serde_json::Value;

use crate::search::Choice;

/// Python's `str()` of a JSON value, since Sentry formats labels with Python: `null` prints
/// as `None`, booleans as `True`/`False`, strings as themselves.
pub(crate) fn py_str(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Python's truthiness of a JSON value.
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

/// Maps one user object of a Jira user search to `{value, label}`.
///
/// `id_field` is `name` on Server and `accountId` on Cloud. A user without that key is
/// skipped (`None`); a present key holding JSON null is kept with a null value. The label is
/// `"{display} {email_part}{name_part}"` trimmed, as spec/search-behaviour.md's table says.
pub fn build_user_choice(user: &Value, id_field: &str) -> Option<Choice> {
    let obj = user.as_object()?;
    let value = obj.get(id_field)?.clone();
    let empty = Value::String(String::new());
    let name = obj.get("name").unwrap_or(&empty);
    let display = obj.get("displayName").unwrap_or(name);
    let email_part = match obj.get("emailAddress") {
        Some(e) if py_truthy(e) => format!("- {} ", py_str(e)),
        _ => String::new(),
    };
    let name_part = if py_truthy(name) {
        format!("({})", py_str(name))
    } else {
        String::new()
    };
    let label = format!("{} {email_part}{name_part}", py_str(display));
    Some(Choice {
        value,
        label: label.trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every row of the spec's user-choice table, plus the edges around them.
    #[test]
    fn user_choice_table() {
        type Row = (Value, &'static str, Option<(Value, &'static str)>);
        let rows: Vec<Row> = vec![
            (
                json!({"name":"bob","displayName":"Bobby","emailAddress":"bob@example.org"}),
                "name",
                Some((json!("bob"), "Bobby - bob@example.org (bob)")),
            ),
            (
                json!({"accountId":"deadbeef123","displayName":"Bobby","emailAddress":"bob@example.org"}),
                "accountId",
                Some((json!("deadbeef123"), "Bobby - bob@example.org")),
            ),
            (
                json!({"accountId":"x","displayName":"Saif Hakim","emailAddress":""}),
                "accountId",
                Some((json!("x"), "Saif Hakim")),
            ),
            (
                json!({"name":"bob"}),
                "name",
                Some((json!("bob"), "bob (bob)")),
            ),
            (
                json!({"accountId":"x","emailAddress":"a@b.c"}),
                "accountId",
                Some((json!("x"), "- a@b.c")),
            ),
            (
                json!({"name":"bob","displayName":null}),
                "name",
                Some((json!("bob"), "None (bob)")),
            ),
            (json!({"displayName":"no id"}), "name", None),
            // A present id key holding null is kept, its value null.
            (
                json!({"accountId":null,"displayName":"Ghost"}),
                "accountId",
                Some((Value::Null, "Ghost")),
            ),
            // Null email is like no email; inactive users are kept; other keys ignored.
            (
                json!({"accountId":"a1","displayName":"Mia","emailAddress":null,"active":false,"key":"k"}),
                "accountId",
                Some((json!("a1"), "Mia")),
            ),
            // Cloud users have no name: the id field decides, not `name`.
            (json!({"name":"bob"}), "accountId", None),
            // Null name with no display name prints as Python's None, without a name part.
            (json!({"name":null}), "name", Some((Value::Null, "None"))),
            // Surrounding whitespace of the whole label is trimmed.
            (
                json!({"name":"","displayName":"  Pad  "}),
                "name",
                Some((json!(""), "Pad")),
            ),
            // Not an object: skipped.
            (json!("bob"), "name", None),
        ];
        for (user, field, want) in rows {
            let got = build_user_choice(&user, field);
            let want = want.map(|(value, label)| Choice {
                value,
                label: label.to_owned(),
            });
            assert_eq!(got, want, "user {user} with id field {field}");
        }
    }
}
