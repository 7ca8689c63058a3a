//! The search use case: "which Jira users / issues / field values match what I typed?".

use std::fmt::Write as _;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::browser_token::is_browser_token;
use crate::cache_key::cache_key;
use crate::choice::{self, Choice};
use crate::coalesce::Coalescer;
use crate::jira_request::{self, JiraRequest};
use crate::keyring::Keyring;
use crate::memo::TextMemo;
use crate::messages;
use crate::model::{Integration, IntegrationId, OrgRef, Provider};
use crate::ports::{IntegrationStore, JiraApi, JiraError, SearchCache, StoreError};
use crate::rules;
use crate::token::hash_token;

mod issues;
mod trace;
mod users;

pub use trace::{Branch, CacheOutcome, ChoicesJson, SearchTrace};

/// A search as the caller asked for it, before any check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// The caller's bearer token, if any was sent.
    pub token: Option<String>,
    /// The org as the route names it: slug or numeric id.
    pub org: OrgRef,
    /// The integration id from the route; `None` for digits too many for any id (it names no
    /// integration, which the checks say after the token's and the org's).
    pub integration_id: Option<IntegrationId>,
    /// `field`, when present (an empty value is present).
    pub field: Option<String>,
    /// `query`, when present.
    pub query: Option<String>,
    /// `project` (a Jira project id), when present.
    pub project: Option<String>,
}

/// Why a search gives no list. Each variant is one row of docs/api.md's status table.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// No token, or one that is unknown or revoked.
    #[error("Authentication credentials were not provided.")]
    Unauthenticated,
    /// The org does not exist, or the token belongs to another org.
    #[error("The requested resource does not exist")]
    OrgNotFound,
    /// The integration does not exist, is of the other provider, is not linked to the org,
    /// or is disabled.
    #[error("integration not found")]
    IntegrationNotFound,
    /// `field` is absent.
    #[error("field is a required parameter")]
    FieldRequired,
    /// `query` is absent or empty.
    #[error("query is a required parameter")]
    QueryRequired,
    /// Jira failed; `message` is the branch's exact text for the caller, `source` the cause
    /// for the logs.
    #[error("{message}")]
    Jira {
        /// The exact `detail` the caller gets.
        message: String,
        /// What went wrong underneath.
        #[source]
        source: JiraError,
    },
    /// The store could not answer: our failure, not the caller's.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Settings of the search use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchSettings {
    /// Lifetime of cached answers (`CACHE_TTL_SECONDS`).
    pub cache_ttl: Duration,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            cache_ttl: Duration::from_secs(240),
        }
    }
}

/// The search service: checks in the order of docs/api.md, then the branch.
/// Identical Jira calls in flight at the same moment are made once ([`Coalescer`]).
pub struct SearchService<J, S, C> {
    jira: J,
    store: S,
    cache: C,
    settings: SearchSettings,
    lists: Coalescer<String>,
    project_keys: Coalescer<String>,
    /// The signing keys browser tokens are verified with; `None`: no browser token is valid.
    keyring: Option<Arc<Keyring>>,
    /// [`hash_token`] of the caller tokens seen lately (a SHA-256 on every search otherwise).
    token_hashes: TextMemo,
    /// [`cache_key`] of the lookups seen lately (another SHA-256 on every search otherwise).
    cache_keys: TextMemo,
}

/// Inputs each memory of [`SearchService`] keeps before it starts afresh.
const MEMO_INPUTS: usize = 10_000;

impl<J: JiraApi, S: IntegrationStore, C: SearchCache> SearchService<J, S, C> {
    /// Wires the service to its adapters.
    pub fn new(jira: J, store: S, cache: C, settings: SearchSettings) -> Self {
        Self {
            jira,
            store,
            cache,
            settings,
            lists: Coalescer::default(),
            project_keys: Coalescer::default(),
            keyring: None,
            token_hashes: TextMemo::new(MEMO_INPUTS),
            cache_keys: TextMemo::new(MEMO_INPUTS),
        }
    }

    /// The service that also accepts browser tokens signed by a key of `keyring`
    /// (docs/api.md, "Browser tokens"). Without it, every browser token answers 401.
    #[must_use]
    pub fn with_keyring(mut self, keyring: Arc<Keyring>) -> Self {
        self.keyring = Some(keyring);
        self
    }

    /// [`cache_key`] of a lookup, remembered: the memory's input holds the same parts, each
    /// behind its length, so two lookups share an input only when they are the same.
    fn cache_key(&self, integration: IntegrationId, kind: &str, parts: &[&str]) -> Arc<str> {
        let mut input = String::with_capacity(64);
        // Writing to a String cannot fail.
        let _ = write!(input, "{}:{}:{kind}", integration.0, kind.len());
        for part in parts {
            let _ = write!(input, ":{}:{part}", part.len());
        }
        self.cache_keys
            .get(&input, |_| cache_key(integration, kind, parts))
    }

    /// The cache adapter (for readiness reports).
    pub fn cache(&self) -> &C {
        &self.cache
    }

    /// The store adapter (for readiness reports).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Answers one search for an integration of `provider` (the route's provider),
    /// recording in `trace` the branch taken, the Jira calls made and the cache's outcome.
    ///
    /// # Errors
    /// A [`SearchError`] for each failed check, in the order of docs/api.md: caller token,
    /// org, integration, `field`, `query`, then the branch's own failure.
    pub async fn search(
        &self,
        provider: Provider,
        req: &SearchRequest,
        trace: &SearchTrace,
    ) -> Result<ChoicesJson, SearchError> {
        let integration = self.authorize(provider, req).await?;
        let field = req.field.as_deref().ok_or(SearchError::FieldRequired)?;
        let query = req
            .query
            .as_deref()
            .filter(|q| !q.is_empty())
            .ok_or(SearchError::QueryRequired)?;
        let branch = Branch::of(integration.provider, field);
        trace.set_branch(branch);
        let t = trace;
        let json = match branch {
            Branch::Users => {
                self.search_users(&integration, req.project.as_deref(), query, t)
                    .await
            }
            Branch::Issues => self.search_issues(&integration, query, t).await,
            Branch::Projects => self.search_projects(&integration, query, t).await,
            Branch::Autocomplete => self.autocomplete(&integration, field, query, t).await,
        }?;
        Ok(ChoicesJson::from(json))
    }

    /// Checks 1 and 2: the caller's token, the org, and the integration. A browser token
    /// (a JWT) is verified with the keyring alone, no store read: any failure, its org or
    /// its integrations not the route's included, is the one 401.
    async fn authorize(
        &self,
        provider: Provider,
        req: &SearchRequest,
    ) -> Result<Integration, SearchError> {
        let token = req.token.as_deref().ok_or(SearchError::Unauthenticated)?;
        if is_browser_token(token) {
            let keyring = self
                .keyring
                .as_deref()
                .ok_or(SearchError::Unauthenticated)?;
            let grant = keyring.verify(token).map_err(|why| {
                tracing::debug!(reason = %why, "browser token refused");
                SearchError::Unauthenticated
            })?;
            if !grant.names_org(&req.org) || !grant.allows(req.integration_id) {
                tracing::debug!("browser token refused: another org or integration");
                return Err(SearchError::Unauthenticated);
            }
            let id = req.integration_id.ok_or(SearchError::IntegrationNotFound)?;
            return self
                .store
                .linked_integration(grant.org.id, id)
                .await?
                .filter(|i| i.provider == provider && i.enabled)
                .ok_or(SearchError::IntegrationNotFound);
        }
        let token_org = self
            .store
            .org_for_token_hash(&self.token_hashes.get(token, hash_token))
            .await?
            .ok_or(SearchError::Unauthenticated)?;
        let org = self
            .store
            .find_org(&req.org)
            .await?
            .filter(|o| o.id == token_org)
            .ok_or(SearchError::OrgNotFound)?;
        let id = req.integration_id.ok_or(SearchError::IntegrationNotFound)?;
        self.store
            .linked_integration(org.id, id)
            .await?
            .filter(|i| i.provider == provider && i.enabled)
            .ok_or(SearchError::IntegrationNotFound)
    }

    /// The `project` branch of Jira Cloud: `project/search`, cached.
    async fn search_projects(
        &self,
        integration: &Integration,
        query: &str,
        trace: &SearchTrace,
    ) -> Result<String, SearchError> {
        let request = jira_request::project_search(query);
        self.cached_choices(
            integration,
            "projects",
            &[query],
            &request,
            Some("values"),
            choice::project_choice,
            trace,
        )
        .await
        .map_err(|source| SearchError::Jira {
            message: messages::PROJECTS_ERROR.to_owned(),
            source,
        })
    }

    /// Any other field: JQL autocomplete suggestions, cached.
    async fn autocomplete(
        &self,
        integration: &Integration,
        field: &str,
        query: &str,
        trace: &SearchTrace,
    ) -> Result<String, SearchError> {
        let name = rules::jql_field_name(field);
        let request = jira_request::autocomplete(&name, query);
        self.cached_choices(
            integration,
            "autocomplete",
            &[&name, query],
            &request,
            Some("results"),
            choice::suggestion_choice,
            trace,
        )
        .await
        .map_err(|source| SearchError::Jira {
            message: messages::autocomplete_error(field),
            source,
        })
    }

    /// Asks Jira and maps the list found at `list_at` (the body itself when `None`) in
    /// Jira's order, dropping the entries `map` skips.
    async fn choices(
        &self,
        integration: &Integration,
        request: &JiraRequest,
        list_at: Option<&str>,
        map: impl Fn(&Value) -> Option<Choice>,
        trace: &SearchTrace,
    ) -> Result<Vec<Choice>, JiraError> {
        trace.jira_call();
        let body = self.jira.get_json(integration, request).await?;
        let list = match list_at {
            None => body.as_array(),
            Some(field) => body.get(field).and_then(Value::as_array),
        };
        let list = list.ok_or_else(|| {
            JiraError::InvalidBody(format!(
                "the answer of {} has no list{}",
                request.path(),
                list_at.map(|f| format!(" at {f:?}")).unwrap_or_default()
            ))
        })?;
        Ok(list.iter().filter_map(map).collect())
    }

    /// [`Self::choices`] behind the cache: see [`Self::cached_render`].
    // Each argument is one part of the lookup; a struct for a private helper would only rename them.
    #[allow(clippy::too_many_arguments)]
    async fn cached_choices(
        &self,
        integration: &Integration,
        kind: &str,
        parts: &[&str],
        request: &JiraRequest,
        list_at: Option<&str>,
        map: impl Fn(&Value) -> Option<Choice>,
        trace: &SearchTrace,
    ) -> Result<String, JiraError> {
        let key = self.cache_key(integration.id, kind, parts);
        self.cached_render(&key, trace, || {
            self.choices(integration, request, list_at, map, trace)
        })
        .await
    }

    /// The rendered answer of `fetch` behind the cache under `key`: a hit asks Jira
    /// nothing; an answer (even an empty one) is stored for the TTL; an error is never
    /// stored. Identical fetches in flight at the same moment run once.
    async fn cached_render<F, Fut>(
        &self,
        key: &str,
        trace: &SearchTrace,
        fetch: F,
    ) -> Result<String, JiraError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<Choice>, JiraError>>,
    {
        if let Some(hit) = self.cached_list(key, trace).await {
            return Ok(hit);
        }
        self.lists
            .run(key, || async {
                let json = render(&fetch().await?);
                self.store_text(key, &json).await;
                Ok(json)
            })
            .await
    }

    /// A cached answer as stored: the JSON text of a list. Anything else is a miss.
    async fn cached_list(&self, key: &str, trace: &SearchTrace) -> Option<String> {
        self.cached_as(key, trace, |text| {
            (text.starts_with('[') && text.ends_with(']'))
                .then_some(text)
                .ok_or_else(|| "not a JSON list".to_owned())
        })
        .await
    }

    /// A cache read where any failure or undecodable entry is a miss.
    async fn cached<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        trace: &SearchTrace,
    ) -> Option<T> {
        self.cached_as(key, trace, |text| {
            serde_json::from_str(&text).map_err(|e| e.to_string())
        })
        .await
    }

    /// A cache read through `decode`; records the outcome in `trace`. A failed read or an
    /// entry `decode` refuses is a miss (the latter logged: it should never happen).
    async fn cached_as<T>(
        &self,
        key: &str,
        trace: &SearchTrace,
        decode: impl FnOnce(String) -> Result<T, String>,
    ) -> Option<T> {
        let (outcome, value) = match self.cache.get(key).await {
            Ok(Some(text)) => match decode(text) {
                Ok(v) => (CacheOutcome::Hit, Some(v)),
                Err(e) => {
                    tracing::warn!(error = %e, "undecodable cache entry ignored");
                    (CacheOutcome::Miss, None)
                }
            },
            Ok(None) => (CacheOutcome::Miss, None),
            Err(e) => {
                tracing::debug!(error = %e, "cache read failed; asking Jira");
                (CacheOutcome::Error, None)
            }
        };
        trace.set_cache(outcome);
        value
    }

    /// A cache write whose failure only costs a future miss.
    async fn store_cached<T: Serialize>(&self, key: &str, value: &T) {
        match serde_json::to_string(value) {
            Ok(text) => self.store_text(key, &text).await,
            Err(e) => tracing::warn!(error = %e, "cache entry not encodable"),
        }
    }

    /// Stores `text` under `key` for the TTL; a failure only costs a future miss.
    async fn store_text(&self, key: &str, text: &str) {
        if let Err(e) = self.cache.set(key, text, self.settings.cache_ttl).await {
            tracing::debug!(error = %e, "cache write failed");
        }
    }
}

/// The JSON text of an answer: `[{"value": ..., "label": ...}, ...]`.
fn render(choices: &[Choice]) -> String {
    // Plain strings and JSON values always serialise.
    serde_json::to_string(choices).unwrap_or_else(|_| "[]".to_owned())
}

#[cfg(test)]
mod tests;
