//! Without chromedriver, starting a browser fails with a message that says how to install it:
//! browser tests fail on a machine without Chromium; they never skip. (Its own test binary:
//! it changes the process's environment.)

use browser::{Browser, BrowserError};

#[tokio::test]
async fn a_missing_chromedriver_is_an_error_that_says_how_to_install_it() {
    std::env::set_var("CHROMEDRIVER", "/nonexistent/chromedriver");
    let err = Browser::start().await.unwrap_err();
    assert!(
        matches!(
            err,
            BrowserError::NotInstalled {
                program: "chromedriver",
                ..
            }
        ),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("CHROMEDRIVER=/nonexistent/chromedriver"),
        "{message}"
    );
    assert!(
        message.contains("apt-get install chromium chromium-driver"),
        "{message}"
    );
    assert!(message.contains("make test"), "{message}");
}
