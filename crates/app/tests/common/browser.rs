//! The headless Chromium of the browser tests (connect flows, the picker page), with their
//! bounds on waits and page loads. Not a module of `common`: each browser test includes it as
//! `#[path = "common/browser.rs"] mod headless;`.

use std::time::Duration;

use browser::{Browser, BrowserOptions};

/// A headless Chromium (Debian's `chromium` and `chromium-driver`, installed by `make test`):
/// 15 s for an element or a text to show, 20 s for a page to load. Fails, never skips, when
/// either is missing.
pub async fn start() -> Browser {
    Browser::start_with(
        BrowserOptions::default()
            .timeout(Duration::from_secs(15))
            .page_load_timeout(Duration::from_secs(20)),
    )
    .await
    .expect("headless Chromium (make test installs chromium and chromium-driver)")
}
