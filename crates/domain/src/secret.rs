//! A secret string that never shows itself by accident, and is wiped from memory when dropped.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// A credential (Jira token, password, private key, caller token).
///
/// `Debug` prints `Secret(***)`; there is deliberately no `Display` and no `Serialize`, so a
/// secret cannot end up in a log line, an error message or a JSON answer without an explicit
/// [`Secret::expose`].
///
/// Its bytes are overwritten with zeros when it is dropped ([`ZeroizeOnDrop`]), so a freed
/// credential does not linger in the heap; [`Zeroize`] wipes it on demand. A clone is a
/// second copy, wiped when that clone is dropped. Copies made from [`Secret::expose`] (a
/// header, a request body) are the caller's to keep short-lived.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
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

impl Zeroize for Secret {
    /// Overwrites the value with zeros and leaves the empty secret.
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

/// The inner `Zeroizing<String>` wipes the value when the secret is dropped.
impl ZeroizeOnDrop for Secret {}

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

    #[test]
    fn zeroize_wipes_the_value() {
        let mut s = Secret::new("hunter2");
        let copy = s.clone();
        s.zeroize();
        assert!(s.is_empty());
        assert_eq!(s.expose(), "");
        assert_eq!(copy.expose(), "hunter2", "a clone is a copy of its own");
    }

    #[test]
    fn a_secret_is_wiped_on_drop() {
        // Compiles only if the bound holds: dropping a Secret zeroizes it.
        fn wiped_on_drop<T: ZeroizeOnDrop>() {}
        wiped_on_drop::<Secret>();
    }
}
