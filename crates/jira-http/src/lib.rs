//! jira-http
