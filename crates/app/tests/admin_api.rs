//! The admin API of docs/onboarding.md, black-box: the real binary over a real SQLite file,
//! tokens made by the CLI, jira-sim behind the integrations. Every route with its success
//! status and body shape, every refusal the contract names (and that a refused write changes
//! nothing), secrets never answered, and the CLI and the API wording a mistake the same.

mod common;
mod admin_api {
    pub mod harness;

    mod apps_connections;
    mod integrations;
    mod orgs_tokens;
    mod refusals;
    mod signing_keys;
}
