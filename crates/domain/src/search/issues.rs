//! The `externalIssue` / `parent` branch: a word search of Jira's issues, with the exact
//! issue first when the query is an issue key (docs/api.md, "Issue search").

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

use serde_json::Value;

use super::{render, CacheOutcome, SearchError, SearchService, SearchTrace};
use crate::cache_key::cache_key;
use crate::choice::{self, Choice};
use crate::jira_request::{self, JiraRequest};
use crate::messages;
use crate::model::Integration;
use crate::ports::{IntegrationStore, JiraApi, JiraError, SearchCache};
use crate::rules;

impl<J: JiraApi, S: IntegrationStore, C: SearchCache> SearchService<J, S, C> {
    /// The issue search, never cached (issues change): `text ~ "<words>"` and, when the
    /// query is an issue key, that issue asked for at the same time. A query without a word
    /// (`?`, `---`) answers `[]` without asking Jira.
    pub(super) async fn search_issues(
        &self,
        integration: &Integration,
        query: &str,
        trace: &SearchTrace,
    ) -> Result<String, SearchError> {
        trace.set_cache(CacheOutcome::Bypass);
        // A key always holds a word, so no word means no exact lookup either.
        let Some(jql) = rules::issue_text_jql(query) else {
            return Ok(render(&[]));
        };
        let text = jira_request::issue_search(integration.provider, &jql);
        let key = rules::exact_issue_key(query);
        let exact = key.as_deref().map(jira_request::issue);
        // Never cached, but identical searches at the same moment still share the calls:
        // queries that ask Jira the same (`Login  fai`, `login fai`) are identical.
        let inflight = cache_key(
            integration.id,
            "issues",
            &[&jql, key.as_deref().unwrap_or("")],
        );
        self.lists
            .run(&inflight, || async {
                let (found, exact) = join(
                    self.choices(
                        integration,
                        &text,
                        Some("issues"),
                        choice::issue_choice,
                        trace,
                    ),
                    self.exact_issue(integration, exact.as_ref(), trace),
                )
                .await;
                Ok(render(&exact_first(exact?, found?)))
            })
            .await
            .map_err(|source| SearchError::Jira {
                message: messages::issue_error_message(integration.provider, &source),
                source,
            })
    }

    /// The issue `request` names (none without a request): `Ok(None)` when Jira answers 404,
    /// which means no such issue or one these credentials may not see.
    async fn exact_issue(
        &self,
        integration: &Integration,
        request: Option<&JiraRequest>,
        trace: &SearchTrace,
    ) -> Result<Option<Choice>, JiraError> {
        let Some(request) = request else {
            return Ok(None);
        };
        trace.jira_call();
        match self.jira.get_json(integration, request).await {
            Ok(issue) => issue_or_invalid(&issue, request).map(Some),
            Err(JiraError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The choice of one issue's answer; a 200 that is not an issue is an invalid answer.
fn issue_or_invalid(issue: &Value, request: &JiraRequest) -> Result<Choice, JiraError> {
    choice::issue_choice(issue).ok_or_else(|| {
        JiraError::InvalidBody(format!("the answer of {} has no issue key", request.path()))
    })
}

/// The exact issue (if any) first, then the text search's issues without it. The exact
/// issue's key is the one Jira answered with: a moved issue's old key finds it under its new
/// key, which the text search also shows.
fn exact_first(exact: Option<Choice>, found: Vec<Choice>) -> Vec<Choice> {
    let Some(exact) = exact else {
        return found;
    };
    let rest: Vec<Choice> = found
        .into_iter()
        .filter(|c| c.value != exact.value)
        .collect();
    std::iter::once(exact).chain(rest).collect()
}

/// Both futures, polled together on the caller's task, and both outputs once both are done:
/// two Jira calls in flight at the same time without spawning (the domain has no runtime).
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut done_a, mut done_b) = (None, None);
    poll_fn(|cx| {
        if done_a.is_none() {
            if let Poll::Ready(out) = a.as_mut().poll(cx) {
                done_a = Some(out);
            }
        }
        if done_b.is_none() {
            if let Poll::Ready(out) = b.as_mut().poll(cx) {
                done_b = Some(out);
            }
        }
        match (done_a.take(), done_b.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                (done_a, done_b) = (a, b);
                Poll::Pending
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests;
