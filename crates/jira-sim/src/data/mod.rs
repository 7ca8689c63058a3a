//! The simulated instance's data: users, projects, issues and autocomplete values. `generate`
//! builds them deterministically from a seed so that two runs with the same flags answer the
//! same searches; `words` holds the lists names are drawn from.

use serde::{Deserialize, Serialize};

pub(crate) mod generate;
mod words;

/// A Jira user as the simulator knows it; each flavour renders it in its own shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimUser {
    /// Server username (`name`), e.g. `jdoe3`.
    pub name: String,
    /// Server user key, e.g. `JIRAUSER10003`.
    pub key: String,
    /// Cloud account id (24 hex digits for generated users).
    pub account_id: String,
    /// Display name, e.g. `Jane Doe`.
    pub display_name: String,
    /// E-mail address; `None` models a user whose address is private.
    pub email: Option<String>,
    /// Inactive users are never assignable and hidden from default searches.
    pub active: bool,
    /// Keys of the projects the user is assignable in; empty means every project.
    pub projects: Vec<String>,
}

/// A Jira project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimProject {
    /// Numeric id, as a string like Jira sends it (`"10000"`).
    pub id: String,
    /// Upper-case project key (`"PRJ"`).
    pub key: String,
    /// Display name.
    pub name: String,
}

/// An issue, enough of one for issue-key and text searches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimIssue {
    /// Numeric id as a string.
    pub id: String,
    /// Issue key (`"PRJ-1"`).
    pub key: String,
    /// Summary line.
    pub summary: String,
    /// Key of the project the issue belongs to.
    pub project_key: String,
}

/// One value the JQL autocomplete endpoint can suggest for a field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimSuggestion {
    /// JQL field name it belongs to, compared case-insensitively (`sprint`, `labels`, `cf[10100]`).
    pub field: String,
    /// The value sent back as `value`.
    pub value: String,
    /// Plain-text display name; the simulator HTML-escapes it and highlights the match.
    pub display_name: String,
}

/// Everything the instance holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DataSet {
    /// Users in creation order.
    pub users: Vec<SimUser>,
    /// Projects in creation order.
    pub projects: Vec<SimProject>,
    /// Issues in creation order.
    pub issues: Vec<SimIssue>,
    /// Autocomplete values.
    pub suggestions: Vec<SimSuggestion>,
}

/// The custom field id whose values the generated data set offers (`cf[10100]`, "Team").
pub const TEAM_FIELD: &str = "cf[10100]";
