//! What one search did (its branch, Jira calls, cache outcome) and what it answers.

use std::sync::Mutex;

use crate::choice::Choice;
use crate::model::Provider;

/// The branch a search takes, decided by its `field` (and the route's provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Branch {
    /// `assignee`, `reporter`: user search.
    Users,
    /// `externalIssue`, `parent`: issue search.
    Issues,
    /// `project` on Jira Cloud: project search.
    Projects,
    /// Any other field: JQL autocomplete.
    Autocomplete,
}

impl Branch {
    /// The branch of `field` on an integration of `provider`.
    pub fn of(provider: Provider, field: &str) -> Self {
        match field {
            "assignee" | "reporter" => Self::Users,
            "externalIssue" | "parent" => Self::Issues,
            "project" if provider == Provider::JiraCloud => Self::Projects,
            _ => Self::Autocomplete,
        }
    }

    /// `users`, `issues`, `projects` or `autocomplete` (a bounded label).
    pub fn name(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Issues => "issues",
            Self::Projects => "projects",
            Self::Autocomplete => "autocomplete",
        }
    }
}

/// How a search used the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CacheOutcome {
    /// The search ended before reading the cache.
    #[default]
    None,
    /// The answer came from the cache.
    Hit,
    /// Not in the cache: Jira was asked.
    Miss,
    /// The cache failed: Jira was asked.
    Error,
    /// The branch is never cached (issues).
    Bypass,
}

impl CacheOutcome {
    /// `none`, `hit`, `miss`, `error` or `bypass`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Error => "error",
            Self::Bypass => "bypass",
        }
    }
}

/// What one search did, for its log line and metrics: filled in while it runs (it may be
/// shared by the coalesced calls of one search, hence the lock).
#[derive(Debug, Default)]
pub struct SearchTrace(Mutex<Traced>);

#[derive(Debug, Default, Clone, Copy)]
struct Traced {
    branch: Option<Branch>,
    jira_calls: u32,
    cache: CacheOutcome,
}

impl SearchTrace {
    fn traced(&self) -> std::sync::MutexGuard<'_, Traced> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The branch taken, once the checks before it passed.
    pub fn branch(&self) -> Option<Branch> {
        self.traced().branch
    }

    /// Calls made to Jira.
    pub fn jira_calls(&self) -> u32 {
        self.traced().jira_calls
    }

    /// The outcome of the last cache read (the answer's own, after any project lookup).
    pub fn cache(&self) -> CacheOutcome {
        self.traced().cache
    }

    pub(crate) fn set_branch(&self, branch: Branch) {
        self.traced().branch = Some(branch);
    }

    pub(crate) fn jira_call(&self) {
        self.traced().jira_calls += 1;
    }

    pub(crate) fn set_cache(&self, outcome: CacheOutcome) {
        self.traced().cache = outcome;
    }
}

/// A search's answer: the JSON text of the list of [`Choice`]s, as the HTTP answer carries
/// it (a cache hit is returned as stored, never decoded and encoded again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoicesJson(String);

impl From<String> for ChoicesJson {
    /// JSON text already known to be a list of choices (rendered, or cached as rendered).
    fn from(json: String) -> Self {
        Self(json)
    }
}

impl ChoicesJson {
    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The JSON text, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The choices, decoded.
    ///
    /// # Errors
    /// When the text is not a list of choices (only a corrupted cache entry could be).
    pub fn choices(&self) -> Result<Vec<Choice>, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}
