//! The contract suites: public async test bodies, one per port, that any adapter runs with
//! a few lines. Each check panics with a message naming the check and what differed.

pub mod cache;
pub mod jira;
pub mod store;
