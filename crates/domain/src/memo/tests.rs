use std::cell::Cell;

use super::*;

#[test]
fn an_answer_is_computed_once_per_input_and_read_back() {
    let memo = TextMemo::new(10);
    let calls = Cell::new(0);
    let upper = |s: &str| {
        calls.set(calls.get() + 1);
        s.to_uppercase()
    };
    assert_eq!(&*memo.get("abc", upper), "ABC");
    assert_eq!(&*memo.get("abc", upper), "ABC");
    assert_eq!(&*memo.get("abd", upper), "ABD");
    assert_eq!(calls.get(), 2);
    assert_eq!(memo.len(), 2);
}

#[test]
fn a_full_memory_forgets_everything_and_stays_bounded() {
    let memo = TextMemo::new(3);
    let calls = Cell::new(0);
    let f = |s: &str| {
        calls.set(calls.get() + 1);
        format!("<{s}>")
    };
    for i in 0..10 {
        assert_eq!(&*memo.get(&i.to_string(), f), format!("<{i}>"));
        assert!(memo.len() <= 3, "{} inputs kept", memo.len());
    }
    assert_eq!(calls.get(), 10);
    // "9" was the last one stored: still known; "0" was forgotten and is computed again.
    memo.get("9", f);
    assert_eq!(calls.get(), 10);
    assert_eq!(&*memo.get("0", f), "<0>");
    assert_eq!(calls.get(), 11);
}

#[test]
fn debug_never_shows_an_input() {
    let memo = TextMemo::new(3);
    memo.get("jst_secret_token", |s| s.len().to_string());
    let shown = format!("{memo:?}");
    assert!(!shown.contains("secret"), "{shown}");
    assert!(shown.contains("inputs: 1"), "{shown}");
}
