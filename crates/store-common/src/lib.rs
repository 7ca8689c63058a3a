//! What every store adapter shares, whatever its database: the secret bundles and their
//! sealing ([`SecretKey`], [`SecretOwner`]), credentials as columns and back, the rows of
//! each table as domain values (row types that any sqlx driver decodes), every org and
//! active token read whole ([`Directory`]), the report and rotation of every stored secret
//! ([`SecretsReport`]), and the domain's administration ports over an adapter's own
//! operations ([`admin_ports!`]).
//!
//! No SQL is here: each adapter writes its own dialect, in its own transactions, and hands
//! the values it read to these functions. So the stored form (bundles, JSON of sites,
//! column meanings) is the same in every database, byte for byte: a sealed secret copied
//! from one store to another opens there with the same key.
//!
//! Modules: `secrets` (bundles, sealing), `owner` (the row a bundle is bound to), `error`,
//! `credentials` (an integration's credentials to columns and back), `orgs`,
//! `integrations`, `apps`, `connections`, `signing_keys` (rows to domain values), `tokens`
//! (the two tables of tokens),
//! `directory`, `dump` (every stored row as plain values, for `db copy`), `rotation`, `url`
//! (a URL fit for an error message), `renewal` (the OAuth 2.0 tokens a renewal lease reads
//! and writes), `ports` (the delegating port implementations) and, behind the `testing`
//! feature, `sample` (a store holding every kind of row).

pub mod apps;
pub mod connections;
pub mod credentials;
pub mod directory;
pub mod dump;
mod error;
pub mod integrations;
pub mod orgs;
mod owner;
mod ports;
pub mod renewal;
pub mod rotation;
#[cfg(feature = "testing")]
pub mod sample;
pub mod secrets;
pub mod signing_keys;
pub mod tokens;
pub mod url;

pub use directory::Directory;
pub use error::{is_unreadable_row, Error};
pub use rotation::SecretsReport;
pub use secrets::{SecretKey, SecretOwner};

/// The domain crate, for the paths [`admin_ports!`] expands to in an adapter.
#[doc(hidden)]
pub use domain as __domain;
