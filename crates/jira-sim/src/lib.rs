//! jira-sim: a faithful Jira Server / Data Center and Jira Cloud simulator.
//!
//! It plays one Jira instance over HTTP (HTTP/1.1 and cleartext HTTP/2) with the behaviours that
//! trip clients up: Server ignores `query` in user searches, Cloud pages project searches and
//! filters assignable users after paging, bad credentials get an HTML 401, and so on
//! (docs/jira-fidelity.md lists each call and what verifies it). Tests start it in-process with
//! [`start`]; demos run the `jira-sim` binary and drive it through the `/_sim/` control routes.
//!
//! It deliberately shares no code with the client crates of this workspace: it must not share
//! their assumptions about Jira.
//!
//! Control routes (outside the context path, never authenticated, never recorded):
//! `GET /_sim/requests` (the [`RecordedRequest`] log), `DELETE /_sim/requests`,
//! `POST /_sim/faults` (one [`Fault`] or an array; missing fields take their defaults),
//! `GET /_sim/faults`, `DELETE /_sim/faults`, `GET /_sim/data` (users, projects, issues,
//! suggestions, cloud sites), `GET /_sim/health`, `POST /_sim/oauth2/expire` (expire every
//! issued OAuth 2.0 access token), `GET /_sim/oauth2/stats`
//! (`{"refreshes":N,"reuse_rejections":M}`) and `GET /_sim/authorization/stats` (an
//! [`AuthorizationStats`]).
//!
//! Authentication: Basic and static Bearer tokens, OAuth 1.0a RSA-SHA1 (RFC 5849), Atlassian
//! Connect JWT (HS256 with `qsh`) and OAuth 2.0 access tokens issued by the simulator's token
//! endpoint (`POST {context}/rest/oauth2/latest/token` and `POST /oauth/token`: the
//! authorization-code grant, and rotating refresh tokens with reuse detection). Any refused
//! credential gets the flavour's 401.
//!
//! Authorization servers, for a real browser to click through (each consent page has a
//! `login` input and `allow` / `deny` buttons): Atlassian's 3LO at the root (`/authorize`,
//! `/oauth/token`, `/oauth/token/accessible-resources`, and each configured [`SimSite`]'s REST
//! API under `/ex/jira/{cloud id}/`), Jira Data Center's OAuth 2.0 with PKCE
//! (`{context}/rest/oauth2/latest/authorize`) and OAuth 1.0a's three legs
//! (`{context}/plugins/servlet/oauth/request-token`, `authorize`, `access-token`).
//!
//! Order of work for a Jira request: record it, wait `latency_ms`, apply the first matching
//! fault (faults come before authentication), authenticate, route.

#![forbid(unsafe_code)]

// Layers: a module only uses modules of the layers above its own.
//   sync, text, jql, data                 leaves
//   lucene                                the string of a text search (uses jql's error)
//   config, request_log, fault, reply     the public types and the plain shared state
//   auth                                  credentials of a request and how they are checked
//   authz                                 the authorization servers' pages and servlets
//   jira                                  what Server and Cloud answer
//   server                                listener, connections, faults, control routes
//   fuzzing                               the fuzz targets' entry points (fuzz/)
mod auth;
mod authz;
mod config;
mod data;
mod fault;
#[doc(hidden)]
pub mod fuzzing;
mod jira;
mod jql;
mod lucene;
mod reply;
mod request_log;
mod server;
mod sync;
mod text;

pub use authz::AuthorizationStats;
pub use config::{Flavor, SimConfig, SimSite, DEFAULT_CLOUD_ID};
pub use data::{DataSet, SimIssue, SimProject, SimSuggestion, SimUser, TEAM_FIELD};
pub use fault::{Fault, FaultKind};
/// How the simulator reads a JQL query, for tests of the JQL a client builds (its clauses, or
/// Jira's kind of refusal).
pub use jql::{parse as parse_jql, Clause as JqlClause, JqlError};
/// How the simulator reads the string of a `text ~` or `summary ~` clause (Lucene's syntax) and
/// which summaries it matches.
pub use lucene::TextQuery;
pub use request_log::{AuthKind, RecordedRequest};
pub use server::{start, Sim, SimHandle};
