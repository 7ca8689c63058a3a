//! The project routes: one project, the Server list and Cloud's paged search.

use serde_json::{json, Value};

use super::errors::project_not_found;
use super::instance::Instance;
use super::params::{Paging, Params};
use super::render::project_json;
use crate::data::SimProject;
use crate::reply::Reply;
use crate::text::encode_query;

/// `GET /project/{idOrKey}`.
pub(super) fn get_project(jira: &Instance, v: &str, id_or_key: &str) -> Reply {
    match jira.find_project(id_or_key) {
        Some(p) => Reply::json(200, &project_json(jira, p, v)),
        None => project_not_found(id_or_key),
    }
}

/// `GET /project`: every project, unpaged (Server by name, Cloud by key).
pub(super) fn list_projects(jira: &Instance, v: &str) -> Reply {
    let mut projects: Vec<&SimProject> = jira.data.projects.iter().collect();
    if jira.is_cloud() {
        projects.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        projects.sort_by_cached_key(|p| (p.name.to_lowercase(), p.key.clone()));
    }
    Reply::json(
        200,
        &Value::Array(projects.iter().map(|p| project_json(jira, p, v)).collect()),
    )
}

/// The order `orderBy` asks for: `key` (the default) or `name`, `-` first for descending.
struct ProjectOrder {
    by_name: bool,
    descending: bool,
}

impl ProjectOrder {
    fn parse(order_by: &str) -> Self {
        let (field, descending) = match order_by.strip_prefix('-') {
            Some(field) => (field, true),
            None => (order_by.trim_start_matches('+'), false),
        };
        Self {
            by_name: field == "name",
            descending,
        }
    }
}

/// Cloud's `GET /project/search`: filtered by `query`, `keys` and `id`, paged, with links.
pub(super) fn project_search(jira: &Instance, v: &str, params: &Params<'_>) -> Reply {
    let paging = Paging::from_params(params, 50, 100);
    let query = params.get("query").unwrap_or("").to_lowercase();
    let keys: Vec<&str> = params
        .all("keys")
        .into_iter()
        .flat_map(|k| k.split(','))
        .filter(|k| !k.is_empty())
        .collect();
    let ids: Vec<&str> = params
        .all("id")
        .into_iter()
        .flat_map(|k| k.split(','))
        .filter(|k| !k.is_empty())
        .collect();
    let mut matching: Vec<&SimProject> = jira
        .data
        .projects
        .iter()
        .filter(|p| {
            query.is_empty()
                || p.key.to_lowercase().contains(&query)
                || p.name.to_lowercase().contains(&query)
        })
        .filter(|p| keys.is_empty() || keys.contains(&p.key.as_str()))
        .filter(|p| ids.is_empty() || ids.contains(&p.id.as_str()))
        .collect();
    let order = ProjectOrder::parse(params.get("orderBy").unwrap_or("key"));
    if order.by_name {
        matching.sort_by_cached_key(|p| (p.name.to_lowercase(), p.key.clone()));
    } else {
        matching.sort_by(|a, b| a.key.cmp(&b.key));
    }
    if order.descending {
        matching.reverse();
    }
    let total = matching.len();
    let values: Vec<Value> = paging
        .slice(&matching)
        .into_iter()
        .map(|p| project_json(jira, p, v))
        .collect();
    let is_last = paging.is_last(total);
    let link = |start_at: usize| {
        let mut pairs: Vec<(String, String)> = params
            .pairs()
            .iter()
            .filter(|(k, _)| k != "startAt" && k != "maxResults")
            .cloned()
            .collect();
        pairs.push(("maxResults".into(), paging.max.to_string()));
        pairs.push(("startAt".into(), start_at.to_string()));
        pairs.sort();
        format!(
            "{}/rest/api/{v}/project/search?{}",
            jira.base_url,
            encode_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        )
    };
    let mut body = json!({
        "self": link(paging.start),
        "maxResults": paging.max,
        "startAt": paging.start,
        "total": total,
        "isLast": is_last,
        "values": values,
    });
    if !is_last {
        body["nextPage"] = link(paging.start + paging.max).into();
    }
    Reply::json(200, &body)
}
