//! The harness: one headless Chromium session and the page operations tests use.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::json;
use tempfile::TempDir;
use thirtyfour::error::{WebDriverError, WebDriverResult};
use thirtyfour::{By, ChromiumLikeCapabilities, DesiredCapabilities, TimeoutConfiguration};
use thirtyfour::{WebDriver, WebElement};
use url::Url;

use crate::error::BrowserError;
use crate::http::HyperClient;
use crate::locate::{file_name, shots_folder, target_dir, CHROMEDRIVER, CHROMIUM};
use crate::options::BrowserOptions;
use crate::process::DriverProcess;

/// How often waits look again.
const POLL: Duration = Duration::from_millis(50);

/// The flag [`Browser::click`] sets on the page before clicking: the page that answers has
/// not got it.
const MARK: &str = "__browserHarnessMark";

/// A headless Chromium driven through its own chromedriver, for one test.
///
/// Dropping it (also when the test panics) ends the session (Chromium quits), kills
/// chromedriver's process group by PID and removes the temporary profile.
/// [`close`](Browser::close) does the same and reports a failure to end the session.
#[derive(Debug)]
pub struct Browser {
    // Field order is drop order: the session ends first (Chromium quits), then chromedriver's
    // process group is killed, then the profile directory is removed.
    driver: WebDriver,
    process: DriverProcess,
    profile: TempDir,
    shots: PathBuf,
    shot_count: AtomicU32,
    mark_count: AtomicU32,
    timeout: Duration,
    page_load_timeout: Duration,
    auto_screenshots: bool,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with the default [`BrowserOptions`].
    ///
    /// # Errors
    ///
    /// [`BrowserError::NotInstalled`] when `chromedriver` (`$CHROMEDRIVER`, else
    /// /usr/bin/chromedriver, else `PATH`) or `chromium` (`$CHROMIUM`, else /usr/bin/chromium,
    /// else `PATH`) is missing: its message says how to install them. A test must fail then,
    /// not skip. [`BrowserError::DriverStart`] or [`BrowserError::Session`] when they do not
    /// start within the startup timeout.
    pub async fn start() -> Result<Browser, BrowserError> {
        Self::start_with(BrowserOptions::default()).await
    }

    /// Starts chromedriver and a headless Chromium with `options`.
    ///
    /// # Errors
    ///
    /// As [`Browser::start`].
    pub async fn start_with(options: BrowserOptions) -> Result<Browser, BrowserError> {
        // Before any await: the test's name is its thread's.
        let shots = target_dir()
            .join("browser")
            .join(shots_folder(options.name.as_deref()));
        let chromedriver = CHROMEDRIVER.find()?;
        let chromium = CHROMIUM.find()?;
        let profile = tempfile::Builder::new()
            .prefix("browser-test-")
            .tempdir()
            .map_err(BrowserError::io("creating a temporary profile directory"))?;
        let process =
            DriverProcess::start(&chromedriver, profile.path(), options.startup_timeout).await?;
        let session_failed = |source| BrowserError::Session {
            chromium: chromium.clone(),
            source,
        };
        let capabilities = capabilities(&chromium, &profile.path().join("chromium"), &options)
            .map_err(session_failed)?;
        // Each request is bounded too, beyond chromedriver's own bounds (a start, a page load).
        let client = HyperClient::new(options.startup_timeout + options.page_load_timeout);
        let connect = WebDriver::builder(process.url.clone(), capabilities)
            .client(client)
            .connect();
        let driver = match tokio::time::timeout(options.startup_timeout, connect).await {
            Ok(driver) => driver.map_err(session_failed)?,
            Err(_) => {
                return Err(session_failed(WebDriverError::RequestFailed(format!(
                    "no session within {:?}",
                    options.startup_timeout
                ))))
            }
        };
        // Scripts and page loads bounded; no implicit wait: the harness polls, bounded.
        let timeouts = TimeoutConfiguration::new(
            Some(options.timeout),
            Some(options.page_load_timeout),
            Some(Duration::ZERO),
        );
        driver
            .update_timeouts(timeouts)
            .await
            .map_err(session_failed)?;
        match std::fs::remove_dir_all(&shots) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                let action = format!("clearing the old screenshots in {}", shots.display());
                return Err(BrowserError::Io { action, source: e });
            }
            _ => {}
        }
        Ok(Browser {
            driver,
            process,
            profile,
            shots,
            shot_count: AtomicU32::new(0),
            mark_count: AtomicU32::new(0),
            timeout: options.timeout,
            page_load_timeout: options.page_load_timeout,
            auto_screenshots: options.auto_screenshots,
        })
    }

    /// Opens `url` and waits for it to load (at most the page-load timeout); with auto
    /// screenshots on, saves the page.
    ///
    /// # Errors
    ///
    /// [`BrowserError::Command`] when the page does not load in time or the browser fails.
    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        let loaded = self.driver.goto(url).await;
        self.check(|| format!("opening {url}"), loaded).await?;
        self.auto_screenshot().await
    }

    /// The URL of the page shown now (after any redirects).
    ///
    /// # Errors
    ///
    /// [`BrowserError::Command`] when the browser fails.
    pub async fn current_url(&self) -> Result<Url, BrowserError> {
        let url = self.driver.current_url().await;
        self.check(|| "reading the URL".to_owned(), url).await
    }

    /// The page's title.
    ///
    /// # Errors
    ///
    /// [`BrowserError::Command`] when the browser fails.
    pub async fn title(&self) -> Result<String, BrowserError> {
        let title = self.driver.title().await;
        self.check(|| "reading the title".to_owned(), title).await
    }

    /// The text of the page's body as a person sees it (`innerText`: no markup, no hidden
    /// elements).
    ///
    /// # Errors
    ///
    /// [`BrowserError::Command`] when the page has no body or the browser fails.
    pub async fn page_text(&self) -> Result<String, BrowserError> {
        let text = async { self.driver.find(By::Tag("body")).await?.text().await }.await;
        self.check(|| "reading the page's text".to_owned(), text)
            .await
    }

    /// The page's HTML as the browser holds it now (scripts may have changed it since load).
    ///
    /// # Errors
    ///
    /// [`BrowserError::Command`] when the browser fails.
    pub async fn source(&self) -> Result<String, BrowserError> {
        let source = self.driver.source().await;
        self.check(|| "reading the page's source".to_owned(), source)
            .await
    }

    /// The first element matching the CSS selector `css`, waiting for it up to the timeout.
    ///
    /// # Errors
    ///
    /// [`BrowserError::Timeout`] when no element matches in time.
    pub async fn element(&self, css: &str) -> Result<WebElement, BrowserError> {
        self.wait_for(css, self.timeout).await
    }

    /// Waits up to `timeout` for an element matching the CSS selector `css`, and returns the
    /// first.
    ///
    /// # Errors
    ///
    /// [`BrowserError::Timeout`] when no element matches in time.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<WebElement, BrowserError> {
        let driver = &self.driver;
        let what = || format!("an element matching `{css}`");
        self.poll(what, timeout, || async move {
            let found = driver.find_all(By::Css(css)).await?;
            Ok(found.into_iter().next())
        })
        .await
    }

    /// Waits up to `timeout` until the page's text (see [`page_text`](Browser::page_text))
    /// contains `text`.
    ///
    /// # Errors
    ///
    /// [`BrowserError::Timeout`] when it does not in time.
    pub async fn wait_for_text(&self, text: &str, timeout: Duration) -> Result<(), BrowserError> {
        let driver = &self.driver;
        let what = || format!("the text {text:?} on the page");
        self.poll(what, timeout, || async move {
            let body = driver.find(By::Tag("body")).await?.text().await?;
            Ok(body.contains(text).then_some(()))
        })
        .await
    }

    /// Replaces the value of the input matching `css` (waiting for it up to the timeout) by
    /// `text`, typed key by key as a person would.
    ///
    /// # Errors
    ///
    /// [`BrowserError::Timeout`] when nothing matches in time; [`BrowserError::Command`] when
    /// the element takes no text.
    pub async fn fill(&self, css: &str, text: &str) -> Result<(), BrowserError> {
        let element = self.element(css).await?;
        let typed = async {
            element.clear().await?;
            element.send_keys(text).await
        }
        .await;
        self.check(|| format!("typing into `{css}`"), typed).await
    }

    /// Clicks the element matching `css` (waiting for it up to the timeout) and waits, up to
    /// the page-load timeout, for the page it leads to (a followed link, a submitted form and its
    /// redirects) to load; with auto screenshots on, saves that page. For a click that stays
    /// on the page, see [`click_in_place`](Browser::click_in_place).
    ///
    /// # Errors
    ///
    /// [`BrowserError::Timeout`] when nothing matches or no new page loads in time;
    /// [`BrowserError::Command`] when the element cannot be clicked.
    pub async fn click(&self, css: &str) -> Result<(), BrowserError> {
        let element = self.element(css).await?;
        let token = format!("{}", self.mark_count.fetch_add(1, Ordering::Relaxed));
        let set = format!("window.{MARK} = arguments[0];");
        let marked = self.driver.execute(set, vec![json!(token)]).await;
        self.check(|| "marking the page before a click".to_owned(), marked)
            .await?;
        let clicked = element.click().await;
        self.check(|| format!("clicking `{css}`"), clicked).await?;
        let driver = &self.driver;
        let probe =
            format!("return window.{MARK} === arguments[0] ? 'same page' : document.readyState;");
        let what = || format!("a new page to load after clicking `{css}`");
        let token = &token;
        let probe = &probe;
        self.poll(what, self.page_load_timeout, || async move {
            let state = driver.execute(probe, vec![json!(token)]).await?;
            Ok((state.json() == "complete").then_some(()))
        })
        .await?;
        self.auto_screenshot().await
    }

    /// Clicks the element matching `css` (waiting for it up to the timeout) without waiting
    /// for a new page: for buttons that change the page in place.
    ///
    /// # Errors
    ///
    /// [`BrowserError::Timeout`] when nothing matches in time; [`BrowserError::Command`] when
    /// the element cannot be clicked.
    pub async fn click_in_place(&self, css: &str) -> Result<(), BrowserError> {
        let element = self.element(css).await?;
        let clicked = element.click().await;
        self.check(|| format!("clicking `{css}`"), clicked).await
    }

    /// Changes the timeout of element lookups and waits (see [`BrowserOptions::timeout`]) for
    /// the rest of the test.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Changes the page-load timeout (see [`BrowserOptions::page_load_timeout`]) for the rest
    /// of the test.
    ///
    /// # Errors
    ///
    /// [`BrowserError::Command`] when chromedriver refuses it.
    pub async fn set_page_load_timeout(&mut self, timeout: Duration) -> Result<(), BrowserError> {
        let set = self.driver.set_page_load_timeout(timeout).await;
        self.check(
            || format!("setting the page-load timeout to {timeout:?}"),
            set,
        )
        .await?;
        self.page_load_timeout = timeout;
        Ok(())
    }

    /// Saves the visible part of the page as `<NN>-<name>.png` in
    /// [`screenshot_dir`](Browser::screenshot_dir) (`NN` counts this browser's screenshots
    /// from 01) and returns its path.
    ///
    /// # Errors
    ///
    /// [`BrowserError::Command`] when the browser fails, [`BrowserError::Io`] when the file
    /// cannot be written.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, BrowserError> {
        let number = self.shot_count.fetch_add(1, Ordering::Relaxed) + 1;
        let png = self.driver.screenshot_as_png().await;
        let png = self
            .check(|| format!("taking the screenshot {name:?}"), png)
            .await?;
        std::fs::create_dir_all(&self.shots).map_err(BrowserError::io(format!(
            "creating {}",
            self.shots.display()
        )))?;
        let path = self
            .shots
            .join(format!("{number:02}-{}.png", file_name(name)));
        std::fs::write(&path, png)
            .map_err(BrowserError::io(format!("writing {}", path.display())))?;
        Ok(path)
    }

    /// Where this browser's screenshots go: `target/browser/<test binary>/<test name>/`,
    /// emptied when the browser starts.
    pub fn screenshot_dir(&self) -> &Path {
        &self.shots
    }

    /// The thirtyfour session, for what this harness does not wrap. Leave ending it to
    /// [`close`](Browser::close) or `Drop`.
    pub fn webdriver(&self) -> &WebDriver {
        &self.driver
    }

    /// Ends the session (Chromium quits), then stops chromedriver and removes the profile.
    ///
    /// # Errors
    ///
    /// [`BrowserError::Command`] when chromedriver does not end the session; chromedriver is
    /// stopped all the same.
    pub async fn close(self) -> Result<(), BrowserError> {
        let Browser {
            driver,
            process,
            profile,
            ..
        } = self;
        let quit = driver.quit().await;
        drop(process);
        drop(profile);
        quit.map_err(|source| BrowserError::Command {
            action: "ending the session".to_owned(),
            url: "the last page".to_owned(),
            source,
        })
    }

    /// Saves the page named after its path, when auto screenshots are on.
    async fn auto_screenshot(&self) -> Result<(), BrowserError> {
        if !self.auto_screenshots {
            return Ok(());
        }
        let url = self.current_url().await?;
        let name = match url.path().trim_matches('/') {
            "" => "index".to_owned(),
            path => path.replace('/', "."),
        };
        self.screenshot(&name).await.map(drop)
    }

    /// `result`, or a [`BrowserError::Command`] for `action` at the current URL.
    async fn check<T>(
        &self,
        action: impl FnOnce() -> String,
        result: WebDriverResult<T>,
    ) -> Result<T, BrowserError> {
        match result {
            Ok(value) => Ok(value),
            Err(source) => Err(BrowserError::Command {
                action: action(),
                url: self.here().await,
                source,
            }),
        }
    }

    /// The current URL for a message; never fails.
    async fn here(&self) -> String {
        match self.driver.current_url().await {
            Ok(url) => url.to_string(),
            Err(_) => "an unknown URL".to_owned(),
        }
    }

    /// Runs `attempt` every [`POLL`] until it returns a value, for at most `timeout` in all
    /// (an attempt that hangs is cut off too). Errors of an attempt (a page being replaced
    /// answers some commands with errors) only make it try again; the last one goes into the
    /// timeout's message.
    async fn poll<T, F, Fut>(
        &self,
        what: impl FnOnce() -> String,
        timeout: Duration,
        mut attempt: F,
    ) -> Result<T, BrowserError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = WebDriverResult<Option<T>>>,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut last = String::new();
        loop {
            match tokio::time::timeout_at(deadline, attempt()).await {
                Ok(Ok(Some(value))) => return Ok(value),
                Ok(Ok(None)) => {}
                Ok(Err(e)) => last = format!("; last error: {e}"),
                Err(_) => {}
            }
            if tokio::time::Instant::now() >= deadline {
                let shot = match self.auto_screenshots {
                    true => match self.screenshot("timeout").await {
                        Ok(path) => format!("; screenshot: {}", path.display()),
                        Err(e) => format!("; no screenshot: {e}"),
                    },
                    false => String::new(),
                };
                return Err(BrowserError::Timeout {
                    what: what(),
                    url: self.here().await,
                    after: timeout,
                    last,
                    shot,
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// A headless Chromium at `chromium` with its profile in `profile`, sized and flagged for a
/// container: no sandbox (tests run as root), no GPU, no /dev/shm (often 64 MB there), and no
/// traffic of its own (no updates, sync or first-run pages: the machines reach no Google).
fn capabilities(
    chromium: &Path,
    profile: &Path,
    options: &BrowserOptions,
) -> WebDriverResult<thirtyfour::ChromeCapabilities> {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(&chromium.to_string_lossy())?;
    let (width, height) = options.window;
    let args = [
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        format!("--window-size={width},{height}"),
        format!("--user-data-dir={}", profile.display()),
        "--no-first-run".to_owned(),
        "--no-default-browser-check".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--password-store=basic".to_owned(),
    ];
    for arg in &args {
        caps.add_arg(arg)?;
    }
    Ok(caps)
}
