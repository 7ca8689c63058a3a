//! jira-sim
