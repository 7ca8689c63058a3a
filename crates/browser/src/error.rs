//! What can go wrong while driving the browser. Every message names what was being done and,
//! once a page is open, the URL the browser was at: a failing test says where it stood.

use std::path::PathBuf;
use std::time::Duration;

use thirtyfour::error::WebDriverError;

/// How to get the programs when they are missing; every [`BrowserError::NotInstalled`] says it.
pub const INSTALL_HINT: &str = "install Debian's chromium and chromium-driver \
     (`apt-get install chromium chromium-driver`), or run `make test`, which installs them";

/// An error of the browser harness.
///
/// `Debug` prints the same text as `Display`, so that a test's `unwrap()` or `?` shows the
/// readable message (with its causes) rather than a struct dump.
#[derive(thiserror::Error)]
pub enum BrowserError {
    /// `chromium` or `chromedriver` is not there. The message says how to install them.
    #[error("{program} not found ({tried}): {INSTALL_HINT}")]
    NotInstalled {
        /// `chromium` or `chromedriver`.
        program: &'static str,
        /// Where it was looked for.
        tried: String,
    },
    /// chromedriver did not start, or did not answer `/status` in time.
    #[error("chromedriver ({path}) did not start: {detail}")]
    DriverStart {
        /// The chromedriver that was run.
        path: PathBuf,
        /// What went wrong, with the end of its log when there is one.
        detail: String,
    },
    /// chromedriver could not open a Chromium session.
    #[error("chromedriver could not start a headless Chromium ({}): {}", .chromium.display(), brief(.source))]
    Session {
        /// The chromium binary chromedriver was told to run.
        chromium: PathBuf,
        /// chromedriver's answer.
        #[source]
        source: WebDriverError,
    },
    /// Something waited for did not happen in time.
    #[error("timed out after {after:?} waiting for {what} (at {url}){last}{shot}")]
    Timeout {
        /// What was being waited for.
        what: String,
        /// The page the browser was at when the wait gave up.
        url: String,
        /// How long it waited.
        after: Duration,
        /// The last error seen while polling, as `"; last error: …"`, or empty.
        last: String,
        /// Where the page was saved when the wait gave up, as `"; screenshot: …"`, or empty.
        shot: String,
    },
    /// A WebDriver command failed.
    #[error("{action} failed (at {url}): {}", brief(.source))]
    Command {
        /// What was being done, e.g. ``clicking `#save` ``.
        action: String,
        /// The page the browser was at.
        url: String,
        /// chromedriver's answer.
        #[source]
        source: WebDriverError,
    },
    /// A file could not be written or a directory created (screenshots, the profile).
    #[error("{action}: {source}")]
    Io {
        /// What was being done, with the path.
        action: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl std::fmt::Debug for BrowserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl BrowserError {
    /// An [`Io`](BrowserError::Io) error for `action`.
    pub(crate) fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let action = action.into();
        move |source| BrowserError::Io { action, source }
    }
}

/// chromedriver's message without the stack trace of its own C++ code that it appends (a
/// column of addresses that says nothing about the test).
fn brief(error: &WebDriverError) -> String {
    let text = error.to_string();
    let text = text.split("Stacktrace:").next().unwrap_or_default();
    text.trim_end().to_owned()
}
