//! A secret string that never shows itself by accident.

use std::fmt;

/// A credential (Jira token, password, private key, caller token).
///
/// `Debug` prints `Secret(***)`; there is deliberately no `Display` and no `Serialize`, so a
/// secret cannot end up in a log line, an error message or a JSON answer without an explicit
/// [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself: call it only where the value must leave the process (to Jira, or
    /// to the store).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("hunter2");
        let printed = format!("{s:?} {:#?}", s);
        assert!(!printed.contains("hunter2"), "{printed}");
        assert_eq!(s.expose(), "hunter2");
    }
}
