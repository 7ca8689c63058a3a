//! Reading query parameters the way Jira does, and paging.

/// Query parameters with Jersey's reading: a repeated single-valued parameter yields its first
/// value.
pub(super) struct Params<'a>(&'a [(String, String)]);

impl<'a> Params<'a> {
    pub(super) fn new(pairs: &'a [(String, String)]) -> Self {
        Self(pairs)
    }

    /// Every pair, in order.
    pub(super) fn pairs(&self) -> &'a [(String, String)] {
        self.0
    }

    pub(super) fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn non_empty(&self, name: &str) -> Option<&'a str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub(super) fn all(&self, name: &str) -> Vec<&'a str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub(super) fn int(&self, name: &str, default: i64) -> i64 {
        self.get(name)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(default)
    }

    pub(super) fn bool(&self, name: &str, default: bool) -> bool {
        match self.get(name) {
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            _ => default,
        }
    }
}

/// Which page of a list a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Paging {
    /// Index of the first item.
    pub(super) start: usize,
    /// Most items on the page.
    pub(super) max: usize,
}

impl Paging {
    /// `startAt` (never negative) and `maxResults` (default when negative, clamped to `cap`).
    pub(super) fn from_params(params: &Params<'_>, default_max: i64, cap: i64) -> Self {
        let start = params.int("startAt", 0).max(0) as usize;
        let max = params.int("maxResults", default_max);
        let max = if max < 0 { default_max } else { max.min(cap) };
        Self {
            start,
            max: max as usize,
        }
    }

    /// The items of the page.
    pub(super) fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        items
            .iter()
            .skip(self.start)
            .take(self.max)
            .cloned()
            .collect()
    }

    /// Index just past the page (saturating).
    pub(super) fn end(&self) -> usize {
        self.start.saturating_add(self.max)
    }

    /// Whether no item of a list of `total` comes after this page.
    pub(super) fn is_last(&self, total: usize) -> bool {
        self.end() >= total
    }
}
