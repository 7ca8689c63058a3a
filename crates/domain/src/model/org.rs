//! Organizations and the ids that name orgs and integrations.

use std::fmt;

use super::invalid::{shown, InvalidInput};

/// Numeric id of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(pub i64);

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An organization's slug: `[a-z0-9][a-z0-9-]{0,49}`, not all digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

/// Most characters of a slug.
pub const MAX_SLUG_LEN: usize = 50;

impl Slug {
    /// Validates a new slug. All digits are refused: `--org 2` and the search route's
    /// `{org}` read digits as an org's id, so an org named `123` could never be named by its
    /// slug, and `2` would silently mean another org.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the rule when `s` is not a valid slug.
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        if !is_slug_shaped(s) {
            return Err(InvalidInput::new(format!(
                "invalid org slug {:?}: use 1 to {MAX_SLUG_LEN} characters of a-z, 0-9 and '-', starting with a letter or digit",
                shown(s)
            )));
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidInput::new(format!(
                "invalid org slug {s:?}: a slug must not be all digits, since --org {s} names the org whose id is {s}"
            )));
        }
        Ok(Self(s.to_owned()))
    }

    /// A slug read back from the store. Slugs stored before the all-digits rule existed
    /// are still read (they can be named by id).
    ///
    /// # Errors
    /// [`InvalidInput`] when the stored text is not slug-shaped at all (a corrupt row).
    pub fn from_stored(s: &str) -> Result<Self, InvalidInput> {
        if is_slug_shaped(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidInput::new(format!(
                "invalid stored slug {:?}",
                shown(s)
            )))
        }
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_slug_shaped(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_SLUG_LEN
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a caller or an admin names an org: its numeric id or its slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgRef {
    /// All digits: the numeric id.
    Id(i64),
    /// Anything else: the slug (not validated; an invalid slug simply matches nothing).
    Slug(String),
}

impl OrgRef {
    /// Reads `10` as an id and `acme` as a slug. A digits-only string too long for an id
    /// names nothing and is kept as a slug (which cannot match either).
    pub fn parse(s: &str) -> Self {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(id) = s.parse() {
                return Self::Id(id);
            }
        }
        Self::Slug(s.to_owned())
    }
}

impl fmt::Display for OrgRef {
    /// As the user wrote it: the id's digits or the slug.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => id.fmt(f),
            Self::Slug(slug) => f.write_str(slug),
        }
    }
}

/// An organization: the tenant that owns tokens and is linked to integrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// Numeric id.
    pub id: OrgId,
    /// Unique slug.
    pub slug: Slug,
}

/// Numeric id of an integration (one connected Jira instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntegrationId(pub i64);

impl fmt::Display for IntegrationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["a", "acme", "0a", "a-b-9", "1-2", &"a".repeat(50)] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("", "use 1 to 50"),
            ("-a", "use 1 to 50"),
            ("Acme", "use 1 to 50"),
            ("a_b", "use 1 to 50"),
            ("a b", "use 1 to 50"),
            (&"a".repeat(51), "use 1 to 50"),
            ("é", "use 1 to 50"),
            ("0", "must not be all digits"),
            ("123", "must not be all digits"),
        ] {
            let err = Slug::parse(bad).unwrap_err();
            assert!(err.0.contains("invalid org slug"), "{err}");
            assert!(err.0.contains(why), "{bad}: {err}");
        }
        // A huge slug is quoted shortened, never echoed whole.
        let err = Slug::parse(&"x".repeat(10_000)).unwrap_err();
        assert!(err.0.len() < 300, "{}", err.0.len());
        // Stored before the rule: still readable.
        assert_eq!(Slug::from_stored("123").unwrap().as_str(), "123");
        assert!(Slug::from_stored("Not A Slug").is_err());
    }

    #[test]
    fn org_refs() {
        assert_eq!(OrgRef::parse("12"), OrgRef::Id(12));
        assert_eq!(OrgRef::parse("acme"), OrgRef::Slug("acme".into()));
        assert_eq!(OrgRef::parse("1a"), OrgRef::Slug("1a".into()));
        assert_eq!(
            OrgRef::parse("99999999999999999999999"),
            OrgRef::Slug("99999999999999999999999".into())
        );
        assert_eq!(OrgRef::parse("12").to_string(), "12");
        assert_eq!(OrgRef::parse("acme").to_string(), "acme");
    }
}
