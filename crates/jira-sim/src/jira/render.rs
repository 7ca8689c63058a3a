//! Users, projects and issues as JSON, in each flavour's shape.

use serde_json::{json, Map, Value};

use super::instance::Instance;
use crate::data::generate::time_zone_for;
use crate::data::{SimIssue, SimProject, SimUser};
use crate::text::encode_component;

/// A user in the flavour's shape.
pub(super) fn user_json(jira: &Instance, u: &SimUser, v: &str) -> Value {
    let mut m = Map::new();
    if jira.is_cloud() {
        m.insert(
            "self".into(),
            format!(
                "{}/rest/api/{v}/user?accountId={}",
                jira.base_url,
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
                jira.base_url,
                encode_component(&u.name)
            )
            .into(),
        );
        m.insert("key".into(), u.key.clone().into());
        m.insert("name".into(), u.name.clone().into());
        if !jira.hide_emails {
            if let Some(email) = &u.email {
                m.insert("emailAddress".into(), email.clone().into());
            }
        }
        let b = &jira.base_url;
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

/// A project in the flavour's shape.
pub(super) fn project_json(jira: &Instance, p: &SimProject, v: &str) -> Value {
    let b = &jira.base_url;
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
    if jira.is_cloud() {
        value["simplified"] = false.into();
        value["style"] = "classic".into();
        value["isPrivate"] = false.into();
        value["properties"] = json!({});
    } else {
        value["archived"] = false.into();
    }
    value
}

/// An issue with the fields asked for.
pub(super) fn issue_json(jira: &Instance, issue: &SimIssue, v: &str, fields: &FieldSet) -> Value {
    let b = &jira.base_url;
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
        if let Some(p) = jira.project_by_key(&issue.project_key) {
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

/// Which issue fields to render.
pub(super) struct FieldSet {
    all: bool,
    names: Vec<String>,
}

impl FieldSet {
    const KNOWN: [&'static str; 4] = ["summary", "status", "issuetype", "project"];

    /// `default_all`: Server's default is every navigable field, Cloud's `/search/jql` is `id`.
    pub(super) fn parse(values: &[&str], default_all: bool) -> Self {
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

    pub(super) fn wants(&self, field: &str) -> bool {
        let excluded = self
            .names
            .iter()
            .any(|f| f.strip_prefix('-') == Some(field));
        !excluded && (self.all || self.names.iter().any(|f| f == field))
    }

    pub(super) fn only_id(&self) -> bool {
        !Self::KNOWN.iter().any(|f| self.wants(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
