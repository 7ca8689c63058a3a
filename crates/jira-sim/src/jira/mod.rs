//! The Jira routes: what Server and Cloud answer, including the quirks clients trip on.
//! [`answer`] routes an authenticated request to the module of its resource; `render` shapes
//! users, projects and issues, `errors` the 401 and 404 answers.

mod autocomplete;
mod errors;
mod instance;
mod issues;
mod params;
mod projects;
mod render;
mod server_info;
mod users;

use self::params::Params;
use crate::auth::Identity;
use crate::config::Flavor;
use crate::reply::Reply;
use crate::text::percent_decode;

pub(crate) use self::errors::unauthorized;
pub(crate) use self::instance::Instance;

/// A known resource.
enum Route<'a> {
    ListProjects,
    ProjectSearch,
    GetProject(&'a str),
    Assignable,
    UserSearch,
    Myself,
    ServerInfo,
    GetIssue(&'a str),
    Search,
    SearchJql,
    Suggestions,
}

/// A known resource and the REST API version (`"2"` or `"3"`) its answer is rendered for.
struct Resource<'a> {
    version: &'static str,
    route: Route<'a>,
}

/// Whether the flavour serves `/rest/api/{v}`: `2` and `latest` everywhere, `3` on Cloud.
fn api_version_ok(jira: &Instance, v: &str) -> bool {
    match v {
        "2" | "latest" => true,
        "3" => jira.is_cloud(),
        _ => false,
    }
}

/// The version `latest` stands for: Cloud's is 3, Server's 2.
fn api_version(jira: &Instance, v: &str) -> &'static str {
    match (v, jira.flavor) {
        ("3", _) | ("latest", Flavor::Cloud) => "3",
        _ => "2",
    }
}

/// The resource the decoded path segments name, if any.
fn resolve<'a>(jira: &Instance, segments: &[&'a str]) -> Option<Resource<'a>> {
    let ["rest", "api", v, rest @ ..] = segments else {
        return None;
    };
    if !api_version_ok(jira, v) {
        return None;
    }
    let cloud = jira.is_cloud();
    let route = match rest {
        ["project"] => Route::ListProjects,
        ["project", "search"] if cloud => Route::ProjectSearch,
        ["project", id_or_key] => Route::GetProject(id_or_key),
        ["user", "assignable", "search"] => Route::Assignable,
        ["user", "search"] => Route::UserSearch,
        ["myself"] => Route::Myself,
        ["serverInfo"] => Route::ServerInfo,
        ["issue", id_or_key] => Route::GetIssue(id_or_key),
        ["search"] => Route::Search,
        ["search", "jql"] if cloud => Route::SearchJql,
        ["jql", "autocompletedata", "suggestions"] => Route::Suggestions,
        _ => return None,
    };
    Some(Resource {
        version: api_version(jira, v),
        route,
    })
}

/// Answers one Jira request (authentication already checked). `path` is after the context
/// path, still percent-encoded.
pub(crate) fn answer(
    jira: &Instance,
    method: &str,
    path: &str,
    query: &[(String, String)],
    identity: &Identity,
) -> Reply {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    let segments: Vec<String> = trimmed
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let Some(Resource { version: v, route }) = resolve(jira, &segments) else {
        return errors::not_found(jira, path);
    };
    match method {
        "GET" | "HEAD" => {}
        "OPTIONS" => return Reply::empty(200).header("Allow", "GET,HEAD,OPTIONS"),
        _ => return Reply::empty(405).header("Allow", "GET,HEAD,OPTIONS"),
    }
    let params = Params::new(query);
    let cloud = jira.is_cloud();
    match route {
        Route::ListProjects => projects::list_projects(jira, v),
        Route::ProjectSearch => projects::project_search(jira, v, &params),
        Route::GetProject(id_or_key) => projects::get_project(jira, v, id_or_key),
        Route::Assignable if cloud => users::cloud_assignable(jira, v, &params),
        Route::Assignable => users::server_assignable(jira, &params),
        Route::UserSearch if cloud => users::cloud_user_search(jira, v, &params),
        Route::UserSearch => users::server_user_search(jira, &params),
        Route::Myself => users::myself(jira, v, identity),
        Route::ServerInfo => server_info::server_info(jira),
        // Atlassian retired the old search on Cloud (CHANGE-2046).
        Route::Search if cloud => Reply::errors(410, "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"),
        Route::Search => issues::server_issue_search(jira, &params),
        Route::GetIssue(id_or_key) => issues::get_issue(jira, v, id_or_key, &params),
        Route::SearchJql => issues::cloud_issue_search(jira, v, &params),
        Route::Suggestions => autocomplete::suggestions(jira, &params),
    }
}
