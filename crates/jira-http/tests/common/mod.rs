//! What the adapter's test files share.

#![allow(dead_code)] // each test binary uses a different part

pub mod fake_server;

use domain::JiraError;

/// Jira refusing the credentials: a 401 with no messages (its body is an HTML page or empty).
pub fn bare_401() -> JiraError {
    JiraError::Status {
        status: 401,
        error_messages: vec![],
        errors: vec![],
    }
}
