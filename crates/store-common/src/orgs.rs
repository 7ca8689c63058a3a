//! Org rows as domain values.

use domain::{Org, OrgId, Slug};

use crate::Error;

/// An org row. Slugs stored before the all-digits rule still read (see
/// [`Slug::from_stored`]); text that is no slug at all is a corrupt row.
///
/// # Errors
/// [`Error::CorruptRow`] for text that is no slug.
pub fn org_from_row(id: i64, slug: &str) -> Result<Org, Error> {
    Ok(Org {
        id: OrgId(id),
        slug: slug_of(id, slug)?,
    })
}

/// The slug of org `id` as stored.
///
/// # Errors
/// [`Error::CorruptRow`] for text that is no slug.
pub fn slug_of(id: i64, slug: &str) -> Result<Slug, Error> {
    Slug::from_stored(slug).map_err(|e| Error::CorruptRow(format!("org {id}: {e}")))
}
