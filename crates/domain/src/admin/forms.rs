//! The plain types of the admin use cases that the HTTP layer builds or reads.

/// Who a bearer token on an admin route is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAccess {
    /// An active admin token.
    Admin,
    /// An active caller (org) token: known, but not allowed here (403).
    Caller,
    /// No token, or one the service does not know (401).
    Unknown,
}

/// An integration's new name and/or state (`PATCH`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrationPatch {
    /// The new name.
    pub name: Option<String>,
    /// Enabled or disabled.
    pub enabled: Option<bool>,
}
