//! A bounded memory of a pure function of text: what the search's hot path computes again
//! and again for the same input (the SHA-256 of a caller's token, the key of a cached
//! answer) is computed once and then read back.
//!
//! Only pure functions are remembered, so an answer can never be stale: nothing here needs
//! invalidating. The memory is bounded: when it holds [`TextMemo::max`] inputs it forgets
//! them all (a flood of distinct inputs costs what it cost without the memory, and never
//! more memory). Inputs may be secrets (caller tokens): they are wiped from memory when
//! forgotten and never printed.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, PoisonError, RwLock};

use zeroize::Zeroize;

/// One remembered input: wiped when forgotten, compared and hashed as its text.
struct Input(Box<str>);

impl Drop for Input {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl PartialEq for Input {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Input {}

impl Hash for Input {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes, so that lookups by `&str` find it (`Borrow`'s contract).
        (*self.0).hash(state);
    }
}

impl Borrow<str> for Input {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// The memory of one function's answers, by input.
pub(crate) struct TextMemo {
    answers: RwLock<HashMap<Input, Arc<str>>>,
    max: usize,
}

impl std::fmt::Debug for TextMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The inputs may be secrets: only how many there are.
        f.debug_struct("TextMemo")
            .field("inputs", &self.len())
            .field("max", &self.max)
            .finish()
    }
}

impl TextMemo {
    /// A memory of at most `max` inputs (at least one).
    pub(crate) fn new(max: usize) -> Self {
        Self {
            answers: RwLock::new(HashMap::new()),
            max: max.max(1),
        }
    }

    /// `function(input)`, computed only when `input` is not remembered. `function` must be
    /// pure: the same input always gives the same answer.
    pub(crate) fn get(&self, input: &str, function: impl FnOnce(&str) -> String) -> Arc<str> {
        let known = self
            .answers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(input)
            .cloned();
        if let Some(answer) = known {
            return answer;
        }
        let answer: Arc<str> = function(input).into();
        let mut answers = self.answers.write().unwrap_or_else(PoisonError::into_inner);
        if answers.len() >= self.max {
            answers.clear();
        }
        answers.insert(Input(input.into()), answer.clone());
        answer
    }

    /// How many inputs are remembered.
    pub(crate) fn len(&self) -> usize {
        self.answers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests;
