//! The instance: its data, the indexes the routes look things up in, and its personality.

use std::collections::HashMap;

use crate::config::Flavor;
use crate::data::{DataSet, SimIssue, SimProject, SimUser};

/// The instance: its data, indexes and personality.
pub(crate) struct Instance {
    pub(crate) flavor: Flavor,
    pub(crate) hide_emails: bool,
    pub(crate) base_url: String,
    pub(crate) data: DataSet,
    /// User indexes in Jira's order: display name, then user name, case-insensitively.
    users_sorted: Vec<usize>,
    /// Upper-case project key -> index in `data.projects`.
    project_by_key: HashMap<String, usize>,
    /// Project id -> index in `data.projects`.
    project_by_id: HashMap<String, usize>,
    /// Upper-case issue key -> index in `data.issues`.
    issue_by_key: HashMap<String, usize>,
    /// Issue id -> index in `data.issues`.
    issue_by_id: HashMap<String, usize>,
    /// Who a bearer token (or an anonymous request) is.
    pub(super) service_user: SimUser,
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

    pub(super) fn is_cloud(&self) -> bool {
        self.flavor == Flavor::Cloud
    }

    /// The users in Jira's order: display name, then user name, case-insensitively.
    pub(super) fn sorted_users(&self) -> impl Iterator<Item = &SimUser> + '_ {
        self.users_sorted.iter().map(|&i| &self.data.users[i])
    }

    /// A project by id, or else by key in any case.
    pub(super) fn find_project(&self, id_or_key: &str) -> Option<&SimProject> {
        self.project_by_id(id_or_key)
            .or_else(|| self.project_by_key(id_or_key))
    }

    /// A project by key, in any case.
    pub(super) fn project_by_key(&self, key: &str) -> Option<&SimProject> {
        self.project_by_key
            .get(&key.to_uppercase())
            .map(|&i| &self.data.projects[i])
    }

    /// A project by id.
    pub(super) fn project_by_id(&self, id: &str) -> Option<&SimProject> {
        self.project_by_id.get(id).map(|&i| &self.data.projects[i])
    }

    /// An issue by key, in any case.
    pub(super) fn issue_by_key(&self, key: &str) -> Option<&SimIssue> {
        self.issue_by_key
            .get(&key.to_uppercase())
            .map(|&i| &self.data.issues[i])
    }

    /// An issue by id.
    pub(super) fn issue_by_id(&self, id: &str) -> Option<&SimIssue> {
        self.issue_by_id.get(id).map(|&i| &self.data.issues[i])
    }
}
