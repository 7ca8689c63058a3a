//! What a failed command prints and which exit code it means.

pub use domain::error_chain;

/// A failure of a command: what to print and which exit code (2 for the user's input).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad usage or invalid input: exit code 2.
    #[error("{0}")]
    Usage(String),
    /// Anything else: exit code 1.
    #[error("{0}")]
    Failure(String),
}

impl CliError {
    /// 2 for the user's mistake, 1 for anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Failure(_) => 1,
        }
    }
}

impl From<store_sqlite::SqliteStoreError> for CliError {
    fn from(e: store_sqlite::SqliteStoreError) -> Self {
        if e.is_user_error() {
            Self::Usage(e.to_string())
        } else {
            Self::Failure(error_chain(&e))
        }
    }
}

impl From<store_postgres::PgStoreError> for CliError {
    fn from(e: store_postgres::PgStoreError) -> Self {
        if e.is_user_error() {
            Self::Usage(e.to_string())
        } else {
            Self::Failure(error_chain(&e))
        }
    }
}

impl From<domain::AdminError> for CliError {
    fn from(e: domain::AdminError) -> Self {
        if e.is_caller_mistake() {
            Self::Usage(e.to_string())
        } else {
            Self::Failure(error_chain(&e))
        }
    }
}

impl From<domain::InvalidInput> for CliError {
    fn from(e: domain::InvalidInput) -> Self {
        Self::Usage(e.0)
    }
}
