//! How a [`Browser`](crate::Browser) starts: the test's name and the bounds of every wait.

use std::time::Duration;

/// Settings for [`Browser::start_with`](crate::Browser::start_with); `Default` is what
/// [`Browser::start`](crate::Browser::start) uses.
///
/// ```
/// use std::time::Duration;
/// let options = browser::BrowserOptions::default()
///     .name("sign_in")
///     .timeout(Duration::from_secs(10));
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    pub(crate) name: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) page_load_timeout: Duration,
    pub(crate) startup_timeout: Duration,
    pub(crate) window: (u32, u32),
    pub(crate) auto_screenshots: bool,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        BrowserOptions {
            name: None,
            timeout: Duration::from_secs(5),
            page_load_timeout: Duration::from_secs(10),
            startup_timeout: Duration::from_secs(20),
            window: (1280, 900),
            auto_screenshots: true,
        }
    }
}

impl BrowserOptions {
    /// The name of the screenshots' folder, `target/browser/<test binary>/<name>/`. Default:
    /// the running test's name (libtest names the test's thread after it).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// How long finding an element and the other waits of page operations may take.
    /// Default: 5 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long a page may take to load: after [`goto`](crate::Browser::goto), and after a
    /// [`click`](crate::Browser::click) (with its redirects). Default: 10 s (the first page of
    /// a cold Chromium on a small machine takes a second or more).
    pub fn page_load_timeout(mut self, timeout: Duration) -> Self {
        self.page_load_timeout = timeout;
        self
    }

    /// How long starting chromedriver and then Chromium may take each. Default: 20 s (a cold
    /// Chromium on a small machine takes a few seconds).
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }

    /// The window's size in CSS pixels, and so the screenshots'. Default: 1280 x 900.
    pub fn window_size(mut self, width: u32, height: u32) -> Self {
        self.window = (width, height);
        self
    }

    /// Whether every page the browser lands on through [`goto`](crate::Browser::goto) or
    /// [`click`](crate::Browser::click) is saved as a screenshot named after its path, and the
    /// page a wait gave up on as `timeout`. Default: yes, so that a person can see every page a
    /// test went through.
    pub fn auto_screenshots(mut self, on: bool) -> Self {
        self.auto_screenshots = on;
        self
    }
}
