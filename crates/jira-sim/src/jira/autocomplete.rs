//! JQL autocomplete: `GET /jql/autocompletedata/suggestions`.

use serde_json::{json, Value};

use super::instance::Instance;
use super::params::Params;
use crate::reply::Reply;
use crate::text::highlight;

/// The values of `fieldName` that `fieldValue` starts a word of, HTML-escaped and highlighted.
pub(super) fn suggestions(jira: &Instance, params: &Params<'_>) -> Reply {
    let field = params.get("fieldName").unwrap_or("").to_lowercase();
    let typed = params.get("fieldValue").unwrap_or("");
    let results: Vec<Value> = jira
        .data
        .suggestions
        .iter()
        .filter(|s| s.field.to_lowercase() == field)
        .filter_map(|s| {
            highlight(&s.display_name, typed)
                .map(|display| json!({"value": s.value, "displayName": display}))
        })
        .collect();
    Reply::json(200, &json!({ "results": results }))
}
