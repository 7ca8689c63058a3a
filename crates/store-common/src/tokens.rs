//! The two tables of tokens, named by the adapters' queries: a table name is never input.

/// Which table of tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tokens {
    /// `api_tokens`: caller tokens of an org.
    Caller,
    /// `admin_tokens`: admin tokens.
    Admin,
}

impl Tokens {
    /// The table's name, as the schemas of every store spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Caller => "api_tokens",
            Self::Admin => "admin_tokens",
        }
    }
}
