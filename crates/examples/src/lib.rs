//! Nothing to build: the examples of docs/testing.md are this crate's tests
//! (`tests/http_over_fakes.rs`, `tests/own_cache_adapter.rs`).
