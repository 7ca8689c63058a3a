//! The Jira routes: what Server and Cloud answer, including the quirks clients trip on.

use std::collections::HashMap;

use bytes::Bytes;
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

use crate::data::{time_zone_for, DataSet, SimIssue, SimProject, SimUser};
use crate::jql::{self, Clause};
use crate::text::{encode_component, encode_query, highlight, prefix, word_prefix};
use crate::Flavor;

/// Jira's usual JSON content type.
pub(crate) const JSON: &str = "application/json;charset=UTF-8";
/// Jira's HTML content type.
pub(crate) const HTML: &str = "text/html;charset=UTF-8";
/// Plain text.
pub(crate) const TEXT: &str = "text/plain;charset=UTF-8";

/// An answer before it becomes an HTTP response.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

impl Reply {
    pub(crate) fn new(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            content_type: content_type.map(str::to_string),
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub(crate) fn json(status: u16, value: &Value) -> Self {
        Self::new(status, Some(JSON), value.to_string())
    }

    /// Jira's error collection: `{"errorMessages":[..],"errors":{}}`.
    pub(crate) fn errors(status: u16, message: impl Into<String>) -> Self {
        Self::json(
            status,
            &json!({"errorMessages": [message.into()], "errors": {}}),
        )
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self::new(status, None, Bytes::new())
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// Who a request is, once authentication has passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Identity {
    /// No credentials on an open instance.
    Anonymous,
    /// Basic authentication as this user name or e-mail.
    Basic(String),
    /// A bearer token: the instance's service user.
    Bearer,
    /// A verified OAuth 1.0a request: the user `oauth-user`.
    OAuth1,
    /// A verified Atlassian Connect JWT: the app user of this issuer.
    Jwt(String),
    /// An access token issued by the simulator's OAuth 2.0 token endpoint: the user
    /// `oauth2-user`.
    OAuth2,
}

/// Query parameters with Jersey's reading: a repeated single-valued parameter yields its first
/// value.
struct Params<'a>(&'a [(String, String)]);

impl<'a> Params<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn non_empty(&self, name: &str) -> Option<&'a str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    fn all(&self, name: &str) -> Vec<&'a str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn int(&self, name: &str, default: i64) -> i64 {
        self.get(name)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(default)
    }

    fn bool(&self, name: &str, default: bool) -> bool {
        match self.get(name) {
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            _ => default,
        }
    }
}

/// `startAt` (never negative) and `maxResults` (default when negative, clamped to `cap`).
fn paging(params: &Params<'_>, default_max: i64, cap: i64) -> (usize, usize) {
    let start = params.int("startAt", 0).max(0) as usize;
    let max = params.int("maxResults", default_max);
    let max = if max < 0 { default_max } else { max.min(cap) };
    (start, max as usize)
}

fn page<T: Clone>(items: &[T], start: usize, max: usize) -> Vec<T> {
    items.iter().skip(start).take(max).cloned().collect()
}

/// A known resource.
enum Route<'a> {
    ListProjects,
    ProjectSearch,
    GetProject(&'a str),
    Assignable,
    UserSearch,
    Myself,
    ServerInfo,
    Search,
    SearchJql,
    Suggestions,
}

/// The instance: its data, indexes and personality.
pub(crate) struct Instance {
    pub(crate) flavor: Flavor,
    pub(crate) hide_emails: bool,
    pub(crate) base_url: String,
    pub(crate) data: DataSet,
    /// User indexes in Jira's order: display name, then user name, case-insensitively.
    users_sorted: Vec<usize>,
    project_by_key: HashMap<String, usize>,
    project_by_id: HashMap<String, usize>,
    issue_by_key: HashMap<String, usize>,
    issue_by_id: HashMap<String, usize>,
    service_user: SimUser,
}

impl Instance {
    pub(crate) fn new(flavor: Flavor, hide_emails: bool, base_url: String, data: DataSet) -> Self {
        let mut users_sorted: Vec<usize> = (0..data.users.len()).collect();
        let sort_keys: Vec<(String, String)> = data
            .users
            .iter()
            .map(|u| (u.display_name.to_lowercase(), u.name.to_lowercase()))
            .collect();
        users_sorted.sort_by(|&a, &b| sort_keys[a].cmp(&sort_keys[b]));
        let mut project_by_key = HashMap::new();
        let mut project_by_id = HashMap::new();
        for (i, p) in data.projects.iter().enumerate() {
            project_by_key.entry(p.key.to_uppercase()).or_insert(i);
            project_by_id.entry(p.id.clone()).or_insert(i);
        }
        let mut issue_by_key = HashMap::new();
        let mut issue_by_id = HashMap::new();
        for (i, issue) in data.issues.iter().enumerate() {
            issue_by_key.entry(issue.key.to_uppercase()).or_insert(i);
            issue_by_id.entry(issue.id.clone()).or_insert(i);
        }
        Self {
            flavor,
            hide_emails,
            base_url,
            data,
            users_sorted,
            project_by_key,
            project_by_id,
            issue_by_key,
            issue_by_id,
            service_user: SimUser {
                name: "jira-sim".into(),
                key: "JIRAUSER9999".into(),
                account_id: "5b10a2844c20165700ede21f".into(),
                display_name: "Jira Simulator".into(),
                email: Some("jira-sim@example.com".into()),
                active: true,
                projects: Vec::new(),
            },
        }
    }

    fn is_cloud(&self) -> bool {
        self.flavor == Flavor::Cloud
    }

    /// Answers one Jira request (authentication already checked). `path` is after the context
    /// path, still percent-encoded.
    pub(crate) fn answer(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        identity: &Identity,
    ) -> Reply {
        let trimmed = path.strip_suffix('/').unwrap_or(path);
        let segments: Vec<String> = trimmed
            .trim_start_matches('/')
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
        let params = Params(query);
        let cloud = self.is_cloud();
        let (v, route) = match segs.as_slice() {
            ["rest", "api", v, rest @ ..] if self.api_version_ok(v) => {
                let route = match rest {
                    ["project"] => Some(Route::ListProjects),
                    ["project", "search"] if cloud => Some(Route::ProjectSearch),
                    ["project", id_or_key] => Some(Route::GetProject(id_or_key)),
                    ["user", "assignable", "search"] => Some(Route::Assignable),
                    ["user", "search"] => Some(Route::UserSearch),
                    ["myself"] => Some(Route::Myself),
                    ["serverInfo"] => Some(Route::ServerInfo),
                    ["search"] => Some(Route::Search),
                    ["search", "jql"] if cloud => Some(Route::SearchJql),
                    ["jql", "autocompletedata", "suggestions"] => Some(Route::Suggestions),
                    _ => None,
                };
                (self.api_version(v), route)
            }
            _ => ("2", None),
        };
        let Some(route) = route else {
            return self.not_found(path);
        };
        match method {
            "GET" | "HEAD" => {}
            "OPTIONS" => return Reply::empty(200).header("Allow", "GET,HEAD,OPTIONS"),
            _ => return Reply::empty(405).header("Allow", "GET,HEAD,OPTIONS"),
        }
        match route {
            Route::ListProjects => self.list_projects(v),
            Route::ProjectSearch => self.project_search(v, &params),
            Route::GetProject(id_or_key) => self.get_project(v, id_or_key),
            Route::Assignable if cloud => self.cloud_assignable(v, &params),
            Route::Assignable => self.server_assignable(&params),
            Route::UserSearch if cloud => self.cloud_user_search(v, &params),
            Route::UserSearch => self.server_user_search(&params),
            Route::Myself => self.myself(v, identity),
            Route::ServerInfo => self.server_info(),
            // Atlassian retired the old search on Cloud (CHANGE-2046).
            Route::Search if cloud => Reply::errors(410, "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"),
            Route::Search => self.server_issue_search(&params),
            Route::SearchJql => self.cloud_issue_search(v, &params),
            Route::Suggestions => self.suggestions(&params),
        }
    }

    fn api_version_ok(&self, v: &str) -> bool {
        match v {
            "2" | "latest" => true,
            "3" => self.is_cloud(),
            _ => false,
        }
    }

    fn api_version(&self, v: &str) -> &'static str {
        match (v, self.flavor) {
            ("3", _) | ("latest", Flavor::Cloud) => "3",
            _ => "2",
        }
    }

    /// 404 for a path no resource answers: Jersey's JSON under `/rest`, an HTML page elsewhere.
    pub(crate) fn not_found(&self, path: &str) -> Reply {
        if path.starts_with("/rest/") {
            Reply::json(
                404,
                &json!({"message": format!("null for uri: {}{}", self.base_url, path), "status-code": 404}),
            )
        } else {
            Reply::new(404, Some(HTML), DEAD_LINK_PAGE)
        }
    }

    // ---- rendering -----------------------------------------------------------------------

    fn user_json(&self, u: &SimUser, v: &str) -> Value {
        let mut m = Map::new();
        if self.is_cloud() {
            m.insert(
                "self".into(),
                format!(
                    "{}/rest/api/{v}/user?accountId={}",
                    self.base_url,
                    encode_component(&u.account_id)
                )
                .into(),
            );
            m.insert("accountId".into(), u.account_id.clone().into());
            m.insert("accountType".into(), "atlassian".into());
            if let Some(email) = &u.email {
                m.insert("emailAddress".into(), email.clone().into());
            }
            let initials: String = u
                .display_name
                .split_whitespace()
                .filter_map(|w| w.chars().next())
                .filter(|c| c.is_alphabetic())
                .take(2)
                .flat_map(char::to_uppercase)
                .collect();
            let initials = encode_component(&initials);
            m.insert(
                "avatarUrls".into(),
                json!({
                    "48x48": format!("https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/{initials}-5.png?size=48&s=48"),
                    "24x24": format!("https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/{initials}-5.png?size=24&s=24"),
                    "16x16": format!("https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/{initials}-5.png?size=16&s=16"),
                    "32x32": format!("https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/{initials}-5.png?size=32&s=32"),
                }),
            );
            m.insert("displayName".into(), u.display_name.clone().into());
            m.insert("active".into(), u.active.into());
            m.insert("timeZone".into(), time_zone_for(u).into());
            m.insert("locale".into(), "en_US".into());
        } else {
            m.insert(
                "self".into(),
                format!(
                    "{}/rest/api/2/user?username={}",
                    self.base_url,
                    encode_component(&u.name)
                )
                .into(),
            );
            m.insert("key".into(), u.key.clone().into());
            m.insert("name".into(), u.name.clone().into());
            if !self.hide_emails {
                if let Some(email) = &u.email {
                    m.insert("emailAddress".into(), email.clone().into());
                }
            }
            let b = &self.base_url;
            m.insert(
                "avatarUrls".into(),
                json!({
                    "48x48": format!("{b}/secure/useravatar?avatarId=10122"),
                    "24x24": format!("{b}/secure/useravatar?size=small&avatarId=10122"),
                    "16x16": format!("{b}/secure/useravatar?size=xsmall&avatarId=10122"),
                    "32x32": format!("{b}/secure/useravatar?size=medium&avatarId=10122"),
                }),
            );
            m.insert("displayName".into(), u.display_name.clone().into());
            m.insert("active".into(), u.active.into());
            m.insert("timeZone".into(), time_zone_for(u).into());
        }
        Value::Object(m)
    }

    fn project_json(&self, p: &SimProject, v: &str) -> Value {
        let b = &self.base_url;
        let id = &p.id;
        let mut value = json!({
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "self": format!("{b}/rest/api/{v}/project/{id}"),
            "id": id,
            "key": p.key,
            "name": p.name,
            "avatarUrls": {
                "48x48": format!("{b}/secure/projectavatar?pid={id}&avatarId=10324"),
                "24x24": format!("{b}/secure/projectavatar?size=small&pid={id}&avatarId=10324"),
                "16x16": format!("{b}/secure/projectavatar?size=xsmall&pid={id}&avatarId=10324"),
                "32x32": format!("{b}/secure/projectavatar?size=medium&pid={id}&avatarId=10324"),
            },
            "projectTypeKey": "software",
        });
        if self.is_cloud() {
            value["simplified"] = false.into();
            value["style"] = "classic".into();
            value["isPrivate"] = false.into();
            value["properties"] = json!({});
        } else {
            value["archived"] = false.into();
        }
        value
    }

    fn issue_json(&self, issue: &SimIssue, v: &str, fields: &FieldSet) -> Value {
        let b = &self.base_url;
        let mut f = Map::new();
        if fields.wants("summary") {
            f.insert("summary".into(), issue.summary.clone().into());
        }
        if fields.wants("status") {
            f.insert(
                "status".into(),
                json!({"self": format!("{b}/rest/api/{v}/status/10000"), "id": "10000", "name": "To Do",
                       "statusCategory": {"id": 2, "key": "new", "name": "To Do"}}),
            );
        }
        if fields.wants("issuetype") {
            f.insert(
                "issuetype".into(),
                json!({"self": format!("{b}/rest/api/{v}/issuetype/10001"), "id": "10001", "name": "Task", "subtask": false}),
            );
        }
        if fields.wants("project") {
            if let Some(&pi) = self.project_by_key.get(&issue.project_key.to_uppercase()) {
                let p = &self.data.projects[pi];
                f.insert(
                    "project".into(),
                    json!({"self": format!("{b}/rest/api/{v}/project/{}", p.id), "id": p.id, "key": p.key, "name": p.name, "projectTypeKey": "software"}),
                );
            }
        }
        json!({
            "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
            "id": issue.id,
            "self": format!("{b}/rest/api/{v}/issue/{}", issue.id),
            "key": issue.key,
            "fields": Value::Object(f),
        })
    }

    // ---- projects ------------------------------------------------------------------------

    fn find_project(&self, id_or_key: &str) -> Option<&SimProject> {
        self.project_by_id
            .get(id_or_key)
            .or_else(|| self.project_by_key.get(&id_or_key.to_uppercase()))
            .map(|&i| &self.data.projects[i])
    }

    fn project_not_found(key: &str) -> Reply {
        Reply::errors(404, format!("No project could be found with key '{key}'."))
    }

    fn get_project(&self, v: &str, id_or_key: &str) -> Reply {
        match self.find_project(id_or_key) {
            Some(p) => Reply::json(200, &self.project_json(p, v)),
            None => Self::project_not_found(id_or_key),
        }
    }

    fn list_projects(&self, v: &str) -> Reply {
        let mut projects: Vec<&SimProject> = self.data.projects.iter().collect();
        if self.is_cloud() {
            projects.sort_by(|a, b| a.key.cmp(&b.key));
        } else {
            projects.sort_by_cached_key(|p| (p.name.to_lowercase(), p.key.clone()));
        }
        Reply::json(
            200,
            &Value::Array(projects.iter().map(|p| self.project_json(p, v)).collect()),
        )
    }

    fn project_search(&self, v: &str, params: &Params<'_>) -> Reply {
        let (start, max) = paging(params, 50, 100);
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
        let mut matching: Vec<&SimProject> = self
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
        let order = params.get("orderBy").unwrap_or("key");
        let (descending, field) = match order.strip_prefix('-') {
            Some(f) => (true, f),
            None => (false, order.trim_start_matches('+')),
        };
        if field == "name" {
            matching.sort_by_cached_key(|p| (p.name.to_lowercase(), p.key.clone()));
        } else {
            matching.sort_by(|a, b| a.key.cmp(&b.key));
        }
        if descending {
            matching.reverse();
        }
        let total = matching.len();
        let values: Vec<Value> = page(&matching, start, max)
            .into_iter()
            .map(|p| self.project_json(p, v))
            .collect();
        let is_last = start.saturating_add(max) >= total;
        let link = |start_at: usize| {
            let mut pairs: Vec<(String, String)> = params
                .0
                .iter()
                .filter(|(k, _)| k != "startAt" && k != "maxResults")
                .cloned()
                .collect();
            pairs.push(("maxResults".into(), max.to_string()));
            pairs.push(("startAt".into(), start_at.to_string()));
            pairs.sort();
            format!(
                "{}/rest/api/{v}/project/search?{}",
                self.base_url,
                encode_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            )
        };
        let mut body = json!({
            "self": link(start),
            "maxResults": max,
            "startAt": start,
            "total": total,
            "isLast": is_last,
            "values": values,
        });
        if !is_last {
            body["nextPage"] = link(start + max).into();
        }
        Reply::json(200, &body)
    }

    // ---- users ---------------------------------------------------------------------------

    fn sorted_users(&self) -> impl Iterator<Item = &SimUser> + '_ {
        self.users_sorted.iter().map(|&i| &self.data.users[i])
    }

    /// Server's `username` matching: user name prefix, display-name word prefix, e-mail prefix.
    fn server_matches(&self, u: &SimUser, needle: &str) -> bool {
        prefix(&u.name, needle)
            || word_prefix(&u.display_name, needle)
            || (!self.hide_emails && u.email.as_deref().is_some_and(|e| prefix(e, needle)))
    }

    /// Cloud's `query` matching: display-name word prefix, e-mail prefix.
    fn cloud_matches(u: &SimUser, needle: &str) -> bool {
        word_prefix(&u.display_name, needle)
            || u.email.as_deref().is_some_and(|e| prefix(e, needle))
    }

    fn assignable_in(u: &SimUser, project: &SimProject) -> bool {
        u.active && (u.projects.is_empty() || u.projects.contains(&project.key))
    }

    fn users_reply(&self, users: &[&SimUser], v: &str) -> Reply {
        Reply::json(
            200,
            &Value::Array(users.iter().map(|u| self.user_json(u, v)).collect()),
        )
    }

    /// The project an assignable search is about, or the reply that refuses it.
    fn assignable_project(&self, params: &Params<'_>) -> Result<&SimProject, Reply> {
        let issue_ref = params.non_empty("issueKey").or_else(|| {
            if self.is_cloud() {
                params.non_empty("issueId")
            } else {
                None
            }
        });
        if let Some(issue_ref) = issue_ref {
            let issue = self
                .issue_by_key
                .get(&issue_ref.to_uppercase())
                .or_else(|| self.issue_by_id.get(issue_ref))
                .map(|&i| &self.data.issues[i]);
            return match issue {
                Some(issue) => self
                    .find_project(&issue.project_key)
                    .ok_or_else(|| Self::project_not_found(&issue.project_key)),
                None => Err(Reply::errors(404, "Issue Does Not Exist")),
            };
        }
        let Some(project) = params.non_empty("project") else {
            return Err(Reply::errors(
                400,
                "No project, issue key or issue ID was provided",
            ));
        };
        let found = if self.is_cloud() {
            // Cloud: id or key, case-sensitive.
            self.project_by_id
                .get(project)
                .map(|&i| &self.data.projects[i])
                .or_else(|| {
                    self.project_by_key
                        .get(&project.to_uppercase())
                        .map(|&i| &self.data.projects[i])
                        .filter(|p| p.key == project)
                })
        } else {
            // Server: a key only; an id is "no project with key '10000'".
            self.project_by_key
                .get(&project.to_uppercase())
                .map(|&i| &self.data.projects[i])
        };
        found.ok_or_else(|| Self::project_not_found(project))
    }

    fn server_assignable(&self, params: &Params<'_>) -> Reply {
        let project = match self.assignable_project(params) {
            Ok(p) => p,
            Err(reply) => return reply,
        };
        let (start, max) = paging(params, 50, 100);
        // `query` is not a Server parameter: it is ignored, and the first page comes back
        // unfiltered.
        let needle = params.get("username").unwrap_or("").to_lowercase();
        let users: Vec<&SimUser> = self
            .sorted_users()
            .filter(|u| Self::assignable_in(u, project))
            .filter(|u| self.server_matches(u, &needle))
            .skip(start)
            .take(max)
            .collect();
        self.users_reply(&users, "2")
    }

    fn cloud_assignable(&self, v: &str, params: &Params<'_>) -> Reply {
        let project = match self.assignable_project(params) {
            Ok(p) => p,
            Err(reply) => return reply,
        };
        let query = params.non_empty("query");
        let account = params.non_empty("accountId");
        if query.is_some() && account.is_some() {
            return Reply::errors(
                400,
                "The query parameters 'query' and 'accountId' cannot be used together.",
            );
        }
        let (start, max) = paging(params, 50, 1000);
        let needle = query.unwrap_or("").to_lowercase();
        // Cloud takes the page of candidates first (up to the 1000th), then keeps the assignable
        // ones: a short page does not mean the end.
        let end = start.saturating_add(max).min(1000);
        let users: Vec<&SimUser> = self
            .sorted_users()
            .filter(|u| u.active)
            .filter(|u| match account {
                Some(id) => u.account_id == id,
                None => Self::cloud_matches(u, &needle),
            })
            .take(end)
            .skip(start)
            .filter(|u| Self::assignable_in(u, project))
            .collect();
        self.users_reply(&users, v)
    }

    fn server_user_search(&self, params: &Params<'_>) -> Reply {
        let Some(username) = params.non_empty("username") else {
            return Reply::errors(400, "The username query parameter was not provided");
        };
        let (start, max) = paging(params, 50, 100);
        let include_active = params.bool("includeActive", true);
        let include_inactive = params.bool("includeInactive", false);
        let needle = username.to_lowercase();
        let users: Vec<&SimUser> = self
            .sorted_users()
            .filter(|u| {
                if u.active {
                    include_active
                } else {
                    include_inactive
                }
            })
            .filter(|u| self.server_matches(u, &needle))
            .skip(start)
            .take(max)
            .collect();
        self.users_reply(&users, "2")
    }

    fn cloud_user_search(&self, v: &str, params: &Params<'_>) -> Reply {
        let query = params.non_empty("query");
        let account = params.non_empty("accountId");
        let property = params.non_empty("property");
        if query.is_none() && account.is_none() && property.is_none() {
            return Reply::errors(
                400,
                "One of the query parameters 'query', 'accountId' or 'property' must be provided.",
            );
        }
        if query.is_some() && account.is_some() {
            return Reply::errors(
                400,
                "The query parameters 'query' and 'accountId' cannot be used together.",
            );
        }
        let (start, max) = paging(params, 50, 1000);
        let needle = query.unwrap_or("").to_lowercase();
        let users: Vec<&SimUser> = self
            .sorted_users()
            .filter(|u| u.active)
            .filter(|u| account.is_none_or(|id| u.account_id == id))
            .filter(|u| query.is_none() || Self::cloud_matches(u, &needle))
            // The simulated users carry no properties.
            .filter(|_| property.is_none())
            .take(1000)
            .skip(start)
            .take(max)
            .collect();
        self.users_reply(&users, v)
    }

    fn myself(&self, v: &str, identity: &Identity) -> Reply {
        let find = |login: &str| {
            self.data
                .users
                .iter()
                .find(|u| {
                    u.name.eq_ignore_ascii_case(login)
                        || u.email
                            .as_deref()
                            .is_some_and(|e| e.eq_ignore_ascii_case(login))
                })
                .cloned()
                .unwrap_or_else(|| synthetic_user(login))
        };
        let user = match identity {
            Identity::Anonymous | Identity::Bearer => self.service_user.clone(),
            Identity::Basic(login) => find(login),
            Identity::OAuth1 => find("oauth-user"),
            Identity::OAuth2 => find("oauth2-user"),
            Identity::Jwt(issuer) => {
                // The Connect app's own user: no e-mail, displayName = the app key.
                let mut app = synthetic_user(issuer);
                app.display_name = issuer.clone();
                app.email = None;
                let mut json = self.user_json(&app, v);
                if let Some(m) = json.as_object_mut() {
                    m.insert("accountType".into(), "app".into());
                }
                return Reply::json(200, &json);
            }
        };
        Reply::json(200, &self.user_json(&user, v))
    }

    fn server_info(&self) -> Reply {
        let info = if self.is_cloud() {
            json!({
                "baseUrl": self.base_url,
                "version": "1001.0.0-SNAPSHOT",
                "versionNumbers": [1001, 0, 0],
                "deploymentType": "Cloud",
                "buildNumber": 100283,
                "buildDate": "2025-12-01T00:00:00.000+0000",
                "scmInfo": "57a0ca5b4a0bb0ac5f3fee4764acb1c14e4d7e71",
                "serverTitle": "Jira",
                "defaultLocale": {"locale": "en_US"},
                "serverTimeZone": "Etc/UTC",
            })
        } else {
            json!({
                "baseUrl": self.base_url,
                "version": "9.12.15",
                "versionNumbers": [9, 12, 15],
                "deploymentType": "Server",
                "buildNumber": 9120015,
                "buildDate": "2024-10-01T00:00:00.000+0000",
                "scmInfo": "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9",
                "serverTitle": "Jira Simulator",
            })
        };
        Reply::json(200, &info)
    }

    // ---- issues --------------------------------------------------------------------------

    /// Issues a JQL query selects, newest first; `Err` is Jira's 400 message.
    fn select_issues(&self, clauses: &[Clause]) -> Result<Vec<&SimIssue>, String> {
        let mut keep: Vec<&SimIssue> = self.data.issues.iter().rev().collect();
        for clause in clauses {
            match clause {
                Clause::Text(text) => keep.retain(|i| jql::text_matches(&i.summary, text)),
                Clause::Project(p) => {
                    let Some(project) = self.find_project(p) else {
                        return Err(format!(
                            "The value '{p}' does not exist for the field 'project'."
                        ));
                    };
                    keep.retain(|i| i.project_key == project.key);
                }
                Clause::Issue(r) => {
                    if r.chars().all(|c| c.is_ascii_digit()) {
                        keep.retain(|i| i.id == *r);
                    } else if is_issue_key(r) {
                        if !self.issue_by_key.contains_key(&r.to_uppercase()) {
                            return Err(format!(
                                "An issue with key '{r}' does not exist for field 'id'."
                            ));
                        }
                        keep.retain(|i| i.key.eq_ignore_ascii_case(r));
                    } else {
                        return Err(format!("The issue key '{r}' for field 'id' is invalid."));
                    }
                }
            }
        }
        Ok(keep)
    }

    fn server_issue_search(&self, params: &Params<'_>) -> Reply {
        let clauses = match jql::parse(params.get("jql").unwrap_or("")) {
            Ok(c) => c,
            Err(e) => return Reply::errors(400, e.0),
        };
        let issues = match self.select_issues(&clauses) {
            Ok(i) => i,
            Err(message) => return Reply::errors(400, message),
        };
        let (start, max) = paging(params, 50, 1000);
        let fields = FieldSet::parse(&params.all("fields"), true);
        let body = json!({
            "expand": "schema,names",
            "startAt": start,
            "maxResults": max,
            "total": issues.len(),
            "issues": page(&issues, start, max).into_iter().map(|i| self.issue_json(i, "2", &fields)).collect::<Vec<_>>(),
        });
        Reply::json(200, &body)
    }

    fn cloud_issue_search(&self, v: &str, params: &Params<'_>) -> Reply {
        let clauses = match jql::parse(params.get("jql").unwrap_or("")) {
            Ok(c) => c,
            Err(e) => return Reply::errors(400, e.0),
        };
        if clauses.is_empty() {
            return Reply::errors(
                400,
                "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
            );
        }
        let issues = match self.select_issues(&clauses) {
            Ok(i) => i,
            Err(message) => return Reply::errors(400, message),
        };
        let start = params
            .non_empty("nextPageToken")
            .and_then(decode_page_token)
            .unwrap_or(0);
        let max = params.int("maxResults", 50).clamp(1, 5000) as usize;
        let fields = FieldSet::parse(&params.all("fields"), false);
        let items: Vec<Value> = page(&issues, start, max)
            .into_iter()
            .map(|i| {
                if fields.only_id() {
                    json!({"id": i.id})
                } else {
                    self.issue_json(i, v, &fields)
                }
            })
            .collect();
        let is_last = start.saturating_add(max) >= issues.len();
        let mut body = json!({"issues": items, "isLast": is_last});
        if !is_last {
            body["nextPageToken"] = encode_page_token(start + max).into();
        }
        Reply::json(200, &body)
    }

    // ---- autocomplete --------------------------------------------------------------------

    fn suggestions(&self, params: &Params<'_>) -> Reply {
        let field = params.get("fieldName").unwrap_or("").to_lowercase();
        let typed = params.get("fieldValue").unwrap_or("");
        let results: Vec<Value> = self
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
}

/// Which issue fields to render.
struct FieldSet {
    all: bool,
    names: Vec<String>,
}

impl FieldSet {
    const KNOWN: [&'static str; 4] = ["summary", "status", "issuetype", "project"];

    /// `default_all`: Server's default is every navigable field, Cloud's `/search/jql` is `id`.
    fn parse(values: &[&str], default_all: bool) -> Self {
        let names: Vec<String> = values
            .iter()
            .flat_map(|v| v.split(','))
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect();
        if names.is_empty() {
            return Self {
                all: default_all,
                names: if default_all {
                    Vec::new()
                } else {
                    vec!["id".into()]
                },
            };
        }
        let all = names.iter().any(|f| f == "*all" || f == "*navigable");
        Self { all, names }
    }

    fn wants(&self, field: &str) -> bool {
        let excluded = self
            .names
            .iter()
            .any(|f| f.strip_prefix('-') == Some(field));
        !excluded && (self.all || self.names.iter().any(|f| f == field))
    }

    fn only_id(&self) -> bool {
        !Self::KNOWN.iter().any(|f| self.wants(f))
    }
}

fn is_issue_key(s: &str) -> bool {
    let Some((project, number)) = s.rsplit_once('-') else {
        return false;
    };
    let mut chars = project.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

fn encode_page_token(start: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("sim:{start}"))
}

fn decode_page_token(token: &str) -> Option<usize> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("sim:")?
        .parse()
        .ok()
}

/// A user for a Basic login the data set does not contain (a configured credential).
fn synthetic_user(login: &str) -> SimUser {
    let hash = login.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    let name = login.split('@').next().unwrap_or(login).to_string();
    SimUser {
        name: login.to_string(),
        key: login.to_lowercase(),
        account_id: format!("{hash:016x}{:08x}", (hash >> 17) as u32),
        display_name: name,
        email: login.contains('@').then(|| login.to_string()),
        active: true,
        projects: Vec::new(),
    }
}

/// Jira's "dead link" page for paths outside the REST API.
const DEAD_LINK_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Oops, you&#39;ve found a dead link. - Jira</title></head><body class=\"error-page error404\"><div id=\"page\"><section id=\"content\" role=\"main\"><div id=\"error-state\"><h1>Oops, you&#39;ve found a dead link.</h1><ul><li>Go back to the <a href=\"javascript:window.history.back()\">previous page</a></li><li>Go to the <a href=\"/secure/MyJiraHome.jspa\">Home Page</a></li></ul></div></section></div></body></html>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_keys() {
        assert!(is_issue_key("HSP-1"));
        assert!(is_issue_key("hsp-12"));
        assert!(!is_issue_key("HSP-"));
        assert!(!is_issue_key("1SP-1"));
        assert!(!is_issue_key("HSP1"));
    }

    #[test]
    fn page_tokens_round_trip() {
        assert_eq!(decode_page_token(&encode_page_token(150)), Some(150));
        assert_eq!(decode_page_token("garbage"), None);
    }

    #[test]
    fn field_sets() {
        let f = FieldSet::parse(&[], false);
        assert!(f.only_id());
        let f = FieldSet::parse(&["summary"], false);
        assert!(f.wants("summary") && !f.wants("status"));
        let f = FieldSet::parse(&[], true);
        assert!(f.wants("status"));
        let f = FieldSet::parse(&["*all,-status"], false);
        assert!(f.wants("summary") && !f.wants("status"));
    }
}
