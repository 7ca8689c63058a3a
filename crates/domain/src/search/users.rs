//! The `assignee` / `reporter` branch: the assignable search within a project, else the
//! instance-wide user search (docs/api.md, "User search").

use serde_json::Value;

use super::{SearchError, SearchService, SearchTrace};
use crate::choice;
use crate::jira_request::{self, JiraRequest};
use crate::messages;
use crate::model::{Integration, Provider};
use crate::ports::{IntegrationStore, JiraApi, JiraError, SearchCache};

/// What a user search asks Jira, decided before any user-search call.
struct UserSearch {
    /// The cache key's project part: `""` for the instance-wide search, else what the
    /// assignable search's `project` carries (a key on Server, the id on Cloud). Within one
    /// integration (one provider) a part names one request.
    scope: String,
    /// Whether `scope` names a project the first call passes on (else the instance-wide
    /// search).
    in_project: bool,
    /// Whether a 404 of the first call (Cloud's unknown project) falls back to the
    /// instance-wide search.
    fall_back: bool,
}

impl UserSearch {
    /// The first call. Built only when Jira is asked: a cache hit needs none.
    fn request(&self, provider: Provider, query: &str) -> JiraRequest {
        let project = self.in_project.then_some(self.scope.as_str());
        jira_request::user_search(provider, project, query)
    }

    /// The call after the first one's 404, if any: the instance-wide search.
    fn on_not_found(&self, provider: Provider, query: &str) -> Option<JiraRequest> {
        self.fall_back
            .then(|| jira_request::user_search(provider, None, query))
    }
}

impl<J: JiraApi, S: IntegrationStore, C: SearchCache> SearchService<J, S, C> {
    /// The user search, cached under the integration, the project part and the query.
    pub(super) async fn search_users(
        &self,
        integration: &Integration,
        project: Option<&str>,
        query: &str,
        trace: &SearchTrace,
    ) -> Result<String, SearchError> {
        let users_error = |source| SearchError::Jira {
            message: messages::USERS_ERROR.to_owned(),
            source,
        };
        let search = self
            .plan_user_search(integration, project, trace)
            .await
            .map_err(users_error)?;
        let id_field = integration.provider.user_id_field();
        let map = |u: &Value| choice::user_choice(u, id_field);
        let key = self.cache_key(integration.id, "users", &[&search.scope, query]);
        let provider = integration.provider;
        self.cached_render(&key, trace, || async {
            let request = search.request(provider, query);
            let first = self.choices(integration, &request, None, map, trace);
            match (first.await, search.on_not_found(provider, query)) {
                (Err(JiraError::Status { status: 404, .. }), Some(fallback)) => {
                    self.choices(integration, &fallback, None, map, trace).await
                }
                (answer, _) => answer,
            }
        })
        .await
        .map_err(users_error)
    }

    /// Step 1 of the branch: which search to send.
    ///
    /// - Server: the assignable search takes only a key, so a project id is resolved to its
    ///   key first (cached); an unknown id means the instance-wide search.
    /// - Cloud: the assignable search takes the id itself (one call instead of two); Cloud's
    ///   404 for an unknown project falls back to the instance-wide search.
    ///
    /// An id that is not digits is unknown without asking anything, on both.
    async fn plan_user_search(
        &self,
        integration: &Integration,
        project: Option<&str>,
        trace: &SearchTrace,
    ) -> Result<UserSearch, JiraError> {
        let provider = integration.provider;
        let project_id = project.filter(|p| is_jira_id(p));
        let (scope, fall_back) = match (provider, project_id) {
            (_, None) => (None, false),
            (Provider::JiraServer, Some(id)) => {
                (self.project_key(integration, id, trace).await?, false)
            }
            (Provider::JiraCloud, Some(id)) => (Some(id.to_owned()), true),
        };
        Ok(UserSearch {
            in_project: scope.is_some(),
            scope: scope.unwrap_or_default(),
            fall_back,
        })
    }

    /// Resolves a Jira project id to its key with `GET /rest/api/2/project/{id}`, cached.
    /// `Ok(None)` means "unknown project": a 404.
    async fn project_key(
        &self,
        integration: &Integration,
        project_id: &str,
        trace: &SearchTrace,
    ) -> Result<Option<String>, JiraError> {
        let cache_key = self.cache_key(integration.id, "project-key", &[project_id]);
        // Cached as a string: the key, or "" for an unknown id (keys are never empty).
        if let Some(hit) = self.cached::<String>(&cache_key, trace).await {
            return Ok(Some(hit).filter(|k| !k.is_empty()));
        }
        let key = self
            .project_keys
            .run(&cache_key, || async {
                let request = jira_request::project(project_id);
                trace.jira_call();
                let key = match self.jira.get_json(integration, &request).await {
                    Ok(body) => match body.get("key").and_then(Value::as_str) {
                        Some(k) if !k.is_empty() => k.to_owned(),
                        _ => {
                            return Err(JiraError::InvalidBody(
                                "project answer has no key".to_owned(),
                            ))
                        }
                    },
                    Err(JiraError::Status { status: 404, .. }) => String::new(),
                    Err(e) => return Err(e),
                };
                self.store_cached(&cache_key, &key).await;
                Ok(key)
            })
            .await?;
        Ok(Some(key).filter(|k| !k.is_empty()))
    }
}

/// Whether `s` can be a Jira numeric id (digits, short enough for a 64-bit number).
fn is_jira_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit())
}
