//! What a port's error keeps as its source, how an error reads with its sources, and the
//! store's error (shared by the store ports and the renewal lease).

/// Any error an adapter wraps as the source of a port's error.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failure of the store. Outcomes a caller can cause (a taken slug, an unknown id) are
/// not errors: each port method returns them as values.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store failed or could not be reached (database down, locked too long, full).
    #[error("store unavailable")]
    Unavailable(#[source] BoxError),
    /// A stored record cannot be used: unreadable, or its secrets cannot be opened with the
    /// store's key. Retrying does not help; an operator must.
    #[error("stored record unusable")]
    Unusable(#[source] BoxError),
}

impl StoreError {
    /// Wraps an adapter's failure to answer.
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        Self::Unavailable(source.into())
    }

    /// Wraps an adapter's unreadable record.
    pub fn unusable(source: impl Into<BoxError>) -> Self {
        Self::Unusable(source.into())
    }
}

/// An error and its sources on one line, `a: b: c`, each said once: a source whose text the
/// line already ends with is not repeated. What logs and CLI messages show.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.ends_with(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("inner: {0}")]
    struct Inner(#[source] std::io::Error);

    #[test]
    fn sources_are_joined_once() {
        let e = Outer(Inner(std::io::Error::other("disk full")));
        // "inner: disk full" already ends with its source's text: said once.
        assert_eq!(error_chain(&e), "outer: inner: disk full");
    }
}
