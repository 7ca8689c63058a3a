//! Every stored secret bundle at once (integrations, OAuth apps, connections in flight,
//! signing keys): counting them and checking them against the key ([`report`]), sealing
//! them anew ([`reseal`]). The adapter reads the bundles and writes them back, in one
//! transaction of its own.

use crate::secrets::{decode, encode, form, Form, SecretKey, SecretOwner};
use crate::Error;

/// How many stored secret bundles (one per integration, OAuth app, connection in flight and
/// active signing key) are sealed and how many are kept in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecretsReport {
    /// Rows whose secrets are sealed (`sealed:v1:`); the store's key opens every one.
    pub sealed: usize,
    /// Rows whose secrets are kept in clear (`plain:v1:`).
    pub plain: usize,
}

/// Every stored bundle with its row, in the order they are checked and rewritten:
/// integrations by id, then apps by id, then connections by state hash, then active signing
/// keys by creation.
pub fn bundles(
    integrations: Vec<(i64, String)>,
    apps: Vec<(i64, String)>,
    connections: Vec<(String, String)>,
    signing_keys: Vec<(String, String)>,
) -> Vec<(SecretOwner, String)> {
    let integrations = integrations
        .into_iter()
        .map(|(id, s)| (SecretOwner::Integration(id), s));
    let apps = apps.into_iter().map(|(id, s)| (SecretOwner::App(id), s));
    let connections = connections
        .into_iter()
        .map(|(hash, s)| (SecretOwner::Connection(hash), s));
    let signing_keys = signing_keys
        .into_iter()
        .map(|(id, s)| (SecretOwner::SigningKey(id), s));
    integrations
        .chain(apps)
        .chain(connections)
        .chain(signing_keys)
        .collect()
}

/// Counts sealed and plain bundles, and checks that `key` opens every sealed one. A row
/// that is corrupt in another way is counted by its prefix and reported only when read.
///
/// # Errors
/// The first [`Error::SecretKeyMissing`] or [`Error::SecretKeyWrong`], in the order of
/// `rows`.
pub fn report(
    key: Option<&SecretKey>,
    rows: &[(SecretOwner, String)],
) -> Result<SecretsReport, Error> {
    let mut report = SecretsReport::default();
    for (owner, stored) in rows {
        match form(stored) {
            Form::Plain => report.plain += 1,
            Form::Sealed => {
                report.sealed += 1;
                if let Err(e @ (Error::SecretKeyMissing(_) | Error::SecretKeyWrong(_))) =
                    decode(key, owner, stored)
                {
                    return Err(e);
                }
            }
            Form::Unknown => {}
        }
    }
    Ok(report)
}

/// Every bundle of `rows` opened with `key` (plain ones need none) and written again,
/// sealed under `new_key` or in clear without one: what to store for each row.
///
/// # Errors
/// [`Error::SecretKeyMissing`], [`Error::SecretKeyWrong`], [`Error::CorruptRow`] for the
/// first row that cannot be opened.
pub fn reseal<'a>(
    key: Option<&SecretKey>,
    new_key: Option<&SecretKey>,
    rows: &'a [(SecretOwner, String)],
) -> Result<Vec<(&'a SecretOwner, String)>, Error> {
    rows.iter()
        .map(|(owner, stored)| {
            let bundle = decode(key, owner, stored)?;
            Ok((owner, encode(new_key, owner, &bundle)?))
        })
        .collect()
}
