//! The user routes: assignable search and user search in each flavour, and `myself`.

use serde_json::Value;

use super::errors::project_not_found;
use super::instance::Instance;
use super::params::{Paging, Params};
use super::render::user_json;
use crate::auth::Identity;
use crate::data::{SimProject, SimUser};
use crate::reply::Reply;
use crate::text::{prefix, word_prefix};

/// Server's `username` matching: user name prefix, display-name word prefix, e-mail prefix.
fn server_matches(jira: &Instance, u: &SimUser, needle: &str) -> bool {
    prefix(&u.name, needle)
        || word_prefix(&u.display_name, needle)
        || (!jira.hide_emails && u.email.as_deref().is_some_and(|e| prefix(e, needle)))
}

/// Cloud's `query` matching: display-name word prefix, e-mail prefix.
fn cloud_matches(u: &SimUser, needle: &str) -> bool {
    word_prefix(&u.display_name, needle) || u.email.as_deref().is_some_and(|e| prefix(e, needle))
}

fn assignable_in(u: &SimUser, project: &SimProject) -> bool {
    u.active && (u.projects.is_empty() || u.projects.contains(&project.key))
}

fn users_reply(jira: &Instance, users: &[&SimUser], v: &str) -> Reply {
    Reply::json(
        200,
        &Value::Array(users.iter().map(|u| user_json(jira, u, v)).collect()),
    )
}

/// The project an assignable search is about, or the reply that refuses it.
fn assignable_project<'a>(
    jira: &'a Instance,
    params: &Params<'_>,
) -> Result<&'a SimProject, Reply> {
    let issue_ref = params.non_empty("issueKey").or_else(|| {
        if jira.is_cloud() {
            params.non_empty("issueId")
        } else {
            None
        }
    });
    if let Some(issue_ref) = issue_ref {
        let issue = jira
            .issue_by_key(issue_ref)
            .or_else(|| jira.issue_by_id(issue_ref));
        return match issue {
            Some(issue) => jira
                .find_project(&issue.project_key)
                .ok_or_else(|| project_not_found(&issue.project_key)),
            None => Err(Reply::errors(404, "Issue Does Not Exist")),
        };
    }
    let Some(project) = params.non_empty("project") else {
        return Err(Reply::errors(
            400,
            "No project, issue key or issue ID was provided",
        ));
    };
    let found = if jira.is_cloud() {
        // Cloud: id or key, case-sensitive.
        jira.project_by_id(project)
            .or_else(|| jira.project_by_key(project).filter(|p| p.key == project))
    } else {
        // Server: a key only; an id is "no project with key '10000'".
        jira.project_by_key(project)
    };
    found.ok_or_else(|| project_not_found(project))
}

/// Server's `GET /user/assignable/search`.
pub(super) fn server_assignable(jira: &Instance, params: &Params<'_>) -> Reply {
    let project = match assignable_project(jira, params) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let paging = Paging::from_params(params, 50, 100);
    // `query` is not a Server parameter: it is ignored, and the first page comes back
    // unfiltered.
    let needle = params.get("username").unwrap_or("").to_lowercase();
    let users: Vec<&SimUser> = jira
        .sorted_users()
        .filter(|u| assignable_in(u, project))
        .filter(|u| server_matches(jira, u, &needle))
        .skip(paging.start)
        .take(paging.max)
        .collect();
    users_reply(jira, &users, "2")
}

/// Cloud's `GET /user/assignable/search`.
pub(super) fn cloud_assignable(jira: &Instance, v: &str, params: &Params<'_>) -> Reply {
    let project = match assignable_project(jira, params) {
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
    let paging = Paging::from_params(params, 50, 1000);
    let needle = query.unwrap_or("").to_lowercase();
    // Cloud takes the page of candidates first (up to the 1000th), then keeps the assignable
    // ones: a short page does not mean the end.
    let end = paging.end().min(1000);
    let users: Vec<&SimUser> = jira
        .sorted_users()
        .filter(|u| u.active)
        .filter(|u| match account {
            Some(id) => u.account_id == id,
            None => cloud_matches(u, &needle),
        })
        .take(end)
        .skip(paging.start)
        .filter(|u| assignable_in(u, project))
        .collect();
    users_reply(jira, &users, v)
}

/// Server's `GET /user/search`: `username` is required.
pub(super) fn server_user_search(jira: &Instance, params: &Params<'_>) -> Reply {
    let Some(username) = params.non_empty("username") else {
        return Reply::errors(400, "The username query parameter was not provided");
    };
    let paging = Paging::from_params(params, 50, 100);
    let include_active = params.bool("includeActive", true);
    let include_inactive = params.bool("includeInactive", false);
    let needle = username.to_lowercase();
    let users: Vec<&SimUser> = jira
        .sorted_users()
        .filter(|u| {
            if u.active {
                include_active
            } else {
                include_inactive
            }
        })
        .filter(|u| server_matches(jira, u, &needle))
        .skip(paging.start)
        .take(paging.max)
        .collect();
    users_reply(jira, &users, "2")
}

/// Cloud's `GET /user/search`: `query`, `accountId` or `property`.
pub(super) fn cloud_user_search(jira: &Instance, v: &str, params: &Params<'_>) -> Reply {
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
    let paging = Paging::from_params(params, 50, 1000);
    let needle = query.unwrap_or("").to_lowercase();
    let users: Vec<&SimUser> = jira
        .sorted_users()
        .filter(|u| u.active)
        .filter(|u| account.is_none_or(|id| u.account_id == id))
        .filter(|u| query.is_none() || cloud_matches(u, &needle))
        // The simulated users carry no properties.
        .filter(|_| property.is_none())
        .take(1000)
        .skip(paging.start)
        .take(paging.max)
        .collect();
    users_reply(jira, &users, v)
}

/// `GET /myself`: the user the credentials stand for.
pub(super) fn myself(jira: &Instance, v: &str, identity: &Identity) -> Reply {
    let find = |login: &str| {
        jira.data
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
        Identity::Anonymous | Identity::Bearer => jira.service_user.clone(),
        Identity::Basic(login) | Identity::OAuth1(login) | Identity::OAuth2(login) => find(login),
        Identity::Jwt(issuer) => {
            // The Connect app's own user: no e-mail, displayName = the app key.
            let mut app = synthetic_user(issuer);
            app.display_name = issuer.clone();
            app.email = None;
            let mut json = user_json(jira, &app, v);
            if let Some(m) = json.as_object_mut() {
                m.insert("accountType".into(), "app".into());
            }
            return Reply::json(200, &json);
        }
    };
    Reply::json(200, &user_json(jira, &user, v))
}

/// A user for a Basic login the data set does not contain (a configured credential).
fn synthetic_user(login: &str) -> SimUser {
    // FNV-1a 64 of the login: the same login always gets the same account id.
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
