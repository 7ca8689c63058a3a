//! A test harness that drives a real headless Chromium through real HTML pages: open a URL,
//! type into inputs, click buttons, follow redirects, read the final URL and the page's text,
//! and save a PNG screenshot of every page under `target/browser/` for a person to look at.
//!
//! ```no_run
//! # async fn sign_in() -> Result<(), browser::BrowserError> {
//! let browser = browser::Browser::start().await?; // fails, never skips, without Chromium
//! browser.goto("http://127.0.0.1:8080/connect").await?; // screenshot 01-connect.png
//! browser.fill("input[name=site]", "https://jira.example.com").await?;
//! browser.click("button#next").await?; // waits for the next page; 02-<its path>.png
//! assert_eq!(browser.current_url().await?.path(), "/connected");
//! assert!(browser.page_text().await?.contains("Connected"));
//! browser.close().await
//! # }
//! ```
//!
//! # What it runs
//!
//! [`Browser::start`] finds `chromedriver` (`$CHROMEDRIVER`, else /usr/bin/chromedriver,
//! else `PATH`) and `chromium` (`$CHROMIUM`, else /usr/bin/chromium, else `PATH`): Debian's
//! `chromium-driver` and `chromium` packages, which `make test` installs
//! (scripts/lib/browser.sh). When either is missing it returns
//! [`BrowserError::NotInstalled`], whose message says how to install them: a browser test
//! fails then; it does not skip. It starts chromedriver on a port chromedriver picks itself
//! (`--port=0`), in a process group of its own, waits (bounded) until `/status` says ready,
//! and opens a session of a headless Chromium (`--headless=new`, no sandbox: tests run as
//! root) with a fresh temporary profile. Dropping the [`Browser`], even while a test panics,
//! ends the session and kills that process group by its PID, never by name.
//!
//! Every wait is bounded ([`BrowserOptions::timeout`], 5 s by default) and every error names
//! what was being done or waited for and the URL the browser was at.
//!
//! # Screenshots
//!
//! They go to `target/browser/<test binary>/<test name>/NN-<name>.png` (the workspace's
//! target directory, or `$CARGO_TARGET_DIR`), numbered in the order they were taken; the
//! folder is emptied when the test's browser starts. By default every page reached through
//! [`Browser::goto`] or [`Browser::click`] is saved, named after its path, and so is the page
//! a wait gave up on (`NN-timeout.png`, named in the error); [`Browser::screenshot`] saves
//! one on demand.
//!
//! # Why thirtyfour
//!
//! [thirtyfour](https://docs.rs/thirtyfour) is a maintained W3C WebDriver client (tested
//! against chromedriver and geckodriver, releases every few weeks) under MIT OR Apache-2.0.
//! Built without its default features it brings no HTTP client, no TLS and no driver
//! downloader: this crate hands it a plain-HTTP transport on the workspace's own hyper-util
//! client (`http.rs`; chromedriver listens on 127.0.0.1, so no TLS is needed) and starts
//! Debian's chromedriver itself. It added ten crates to Cargo.lock (thirtyfour, async-trait,
//! const_format, konst, pastey 0.2, serde_repr, stringmatch, unicode-xid and two proc-macro
//! helpers), all small and under licences deny.toml allows; the one second version is
//! pastey's (a tiny proc-macro; htmlize has 0.1).
//!
//! The alternatives looked at: fantoccini (also hyper-based) depends on Mozilla's `webdriver`
//! crate, which is MPL-2.0 (not in deny.toml) and brings http 0.2, cookie 0.16, thiserror 1
//! and a second, older copy of the ICU crates (about a dozen duplicates in all).
//! chromiumoxide and headless_chrome speak the DevTools protocol over WebSockets with large
//! generated protocol crates: heavier to build on a two-core machine, for nothing these tests
//! need.

mod browser;
mod error;
mod http;
mod locate;
mod options;
mod process;

pub use browser::Browser;
pub use error::{BrowserError, INSTALL_HINT};
pub use options::BrowserOptions;
/// The WebDriver client underneath, for what [`Browser::webdriver`] users reach for.
pub use thirtyfour;
