//! Every org and every active caller token, held whole: they are few (an org per tenant, a
//! few tokens each), so a memory of the hot path can hold all of them and answer ANY org
//! name or token from memory, known or not. Answer time then does not tell whether an org
//! exists, even on the first probe of a name, and a flood of made-up tokens never reaches
//! the database; memory is bounded by what the database holds, however long the flood.

use std::collections::HashMap;

use domain::{Org, OrgId, OrgRef};

use crate::orgs::org_from_row;
use crate::Error;

/// Orgs by id and by slug, and active token hashes, as of one read transaction.
#[derive(Debug, Default)]
pub struct Directory {
    tokens: HashMap<String, OrgId>,
    by_id: HashMap<i64, Org>,
    by_slug: HashMap<String, Org>,
}

impl Directory {
    /// Builds the directory from every org row `(id, slug)` and every active token row
    /// `(token_hash, org_id)`, read in one transaction.
    ///
    /// # Errors
    /// [`Error::CorruptRow`] for an org whose slug is no slug.
    pub fn from_rows(orgs: Vec<(i64, String)>, tokens: Vec<(String, i64)>) -> Result<Self, Error> {
        let mut directory = Self::default();
        for (id, slug) in orgs {
            let org = org_from_row(id, &slug)?;
            directory.by_slug.insert(slug, org.clone());
            directory.by_id.insert(id, org);
        }
        directory.tokens = tokens
            .into_iter()
            .map(|(hash, org)| (hash, OrgId(org)))
            .collect();
        Ok(directory)
    }

    /// The org of the active token with this hash.
    pub fn token(&self, hash: &str) -> Option<OrgId> {
        self.tokens.get(hash).copied()
    }

    /// The org named by id or slug.
    pub fn org(&self, org: &OrgRef) -> Option<Org> {
        match org {
            OrgRef::Id(id) => self.by_id.get(id),
            OrgRef::Slug(slug) => self.by_slug.get(slug),
        }
        .cloned()
    }
}
