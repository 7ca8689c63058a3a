//! What a port's error keeps as its source.

/// Any error an adapter wraps as the source of a port's error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
