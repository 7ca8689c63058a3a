//! What a picker shows: the `{value, label}` rows of an answer, and how each kind of Jira
//! object (user, issue, project, autocomplete suggestion) becomes one, with Sentry's exact
//! label formats (docs/api.md).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::rules::plain_text;

/// One answer row: `{"value": ..., "label": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// What the form submits (a user name or account id, an issue key...). May be null.
    pub value: Value,
    /// What the picker shows.
    pub label: String,
}

/// Python's `str()` of a JSON value, since Sentry formats labels with Python: `null` prints
/// as `None`, booleans as `True`/`False`, strings as themselves.
fn py_str(v: &Value) -> String {
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
/// `"{display} {email_part}{name_part}"` trimmed (docs/api.md).
pub fn user_choice(user: &Value, id_field: &str) -> Option<Choice> {
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

/// `{"label": "(<key>) <summary>", "value": "<key>"}`; a null or missing summary prints as
/// Python's `None`, as Sentry's label does. An issue without a string key is skipped.
pub fn issue_choice(issue: &Value) -> Option<Choice> {
    let key = issue.get("key")?.as_str()?;
    let summary = issue
        .get("fields")
        .and_then(|f| f.get("summary"))
        .unwrap_or(&Value::Null);
    Some(Choice {
        value: Value::String(key.to_owned()),
        label: format!("({key}) {}", py_str(summary)),
    })
}

/// `{"label": "<key> - <name>", "value": "<id>"}` for a Cloud project; a project without an
/// id is skipped.
pub fn project_choice(project: &Value) -> Option<Choice> {
    let id = project.get("id")?;
    let id = match id {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let key = project.get("key").map(py_str).unwrap_or_default();
    let name = project.get("name").map(py_str).unwrap_or_default();
    Some(Choice {
        value: Value::String(id),
        label: format!("{key} - {name}"),
    })
}

/// One autocomplete suggestion: `{"value": <value>, "label": <displayName as plain text>}`.
/// Without a `displayName` the value is shown.
pub fn suggestion_choice(result: &Value) -> Option<Choice> {
    let value = result.get("value")?.clone();
    let label = match result.get("displayName") {
        Some(Value::String(s)) => plain_text(s),
        Some(other) if !other.is_null() => py_str(other),
        _ => py_str(&value),
    };
    Some(Choice { value, label })
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
            let got = user_choice(&user, field);
            let want = want.map(|(value, label)| Choice {
                value,
                label: label.to_owned(),
            });
            assert_eq!(got, want, "user {user} with id field {field}");
        }
    }

    #[test]
    fn issue_labels() {
        let rows = [
            (
                json!({"key":"HSP-1","fields":{"summary":"this is a test issue summary"}}),
                Some(("HSP-1", "(HSP-1) this is a test issue summary")),
            ),
            (
                json!({"key":"HSP-2","fields":{"summary":null}}),
                Some(("HSP-2", "(HSP-2) None")),
            ),
            (
                json!({"key":"HSP-3","fields":{}}),
                Some(("HSP-3", "(HSP-3) None")),
            ),
            (json!({"key":"HSP-4"}), Some(("HSP-4", "(HSP-4) None"))),
            (
                json!({"key":"HSP-5","fields":{"summary":"<b>not</b> &amp; html"}}),
                Some(("HSP-5", "(HSP-5) <b>not</b> &amp; html")),
            ),
            (json!({"id":"10001","fields":{"summary":"no key"}}), None),
        ];
        for (issue, want) in rows {
            let want = want.map(|(v, l)| Choice {
                value: json!(v),
                label: l.to_owned(),
            });
            assert_eq!(issue_choice(&issue), want, "{issue}");
        }
    }

    #[test]
    fn project_labels() {
        assert_eq!(
            project_choice(&json!({"id":"10000","key":"EX","name":"Example"})),
            Some(Choice {
                value: json!("10000"),
                label: "EX - Example".into()
            })
        );
        assert_eq!(project_choice(&json!({"key":"EX"})), None);
    }

    #[test]
    fn suggestion_labels_are_plain_text() {
        assert_eq!(
            suggestion_choice(&json!({"value":"1","displayName":"<b>Sp</b>rint 1 (1)"})),
            Some(Choice {
                value: json!("1"),
                label: "Sprint 1 (1)".into()
            })
        );
        assert_eq!(
            suggestion_choice(&json!({"value":"x"})),
            Some(Choice {
                value: json!("x"),
                label: "x".into()
            })
        );
        assert_eq!(suggestion_choice(&json!({"displayName":"no value"})), None);
    }
}
