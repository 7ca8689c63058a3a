//! The harness against a real page: a form served by an in-test hyper server, posted with its
//! second button, answered by a 303 redirect to a page that echoes what was posted.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use browser::{Browser, BrowserError};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, LOCATION};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

const FORM: &str = r#"<!doctype html>
<html><head><title>Search form</title>
<style>body { font: 18px sans-serif; margin: 2em; background: #f4f6fb; }</style></head>
<body>
<h1>Find issues</h1>
<form method="post" action="/submit">
  <label>Words <input type="text" name="q" id="q"></label>
  <button type="submit" name="action" value="save" id="save">Save</button>
  <button type="submit" name="action" value="publish" id="publish">Publish</button>
</form>
<button type="button" id="inert">Does nothing</button>
</body></html>"#;

/// Serves the form at `/` on a free port of 127.0.0.1; returns its base URL.
async fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(answer)),
            );
        }
    });
    base
}

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let html = |status: StatusCode, body: String| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        response
            .headers_mut()
            .insert(CONTENT_TYPE, "text/html; charset=utf-8".parse().unwrap());
        response
    };
    match (request.method().clone(), request.uri().path()) {
        (Method::GET, "/") => Ok(html(StatusCode::OK, FORM.to_owned())),
        (Method::POST, "/submit") => {
            let body = request.into_body().collect().await.unwrap().to_bytes();
            // The posted form, re-encoded into the query of the page it redirects to.
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(url::form_urlencoded::parse(&body))
                .finish();
            let mut response = html(StatusCode::SEE_OTHER, String::new());
            let location = format!("/result?{query}").parse().unwrap();
            response.headers_mut().insert(LOCATION, location);
            Ok(response)
        }
        (Method::GET, "/result") => {
            let query = request.uri().query().unwrap_or_default().as_bytes();
            let items: String = url::form_urlencoded::parse(query)
                .map(|(k, v)| format!("<li>{} = {}</li>", escape(&k), escape(&v)))
                .collect();
            let page = format!(
                "<!doctype html><html><head><title>Posted</title></head>\
                 <body style=\"font: 18px sans-serif; margin: 2em\">\
                 <h1>You posted</h1><ul>{items}</ul></body></html>"
            );
            Ok(html(StatusCode::OK, page))
        }
        _ => Ok(html(StatusCode::NOT_FOUND, "not found".to_owned())),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A screenshot is a real PNG of a page, not an empty file: something to look at.
fn assert_is_a_picture(path: &std::path::Path) {
    let png = std::fs::read(path).unwrap();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is no PNG",
        path.display()
    );
    assert!(
        png.len() > 5_000,
        "{} is only {} bytes",
        path.display(),
        png.len()
    );
}

#[tokio::test]
async fn the_second_button_posts_the_form_and_the_redirect_shows_what_was_sent() {
    let base = serve().await;
    let browser = Browser::start().await.unwrap();
    assert!(
        browser.screenshot_dir().ends_with(
            "browser/form/the_second_button_posts_the_form_and_the_redirect_shows_what_was_sent"
        ),
        "{}",
        browser.screenshot_dir().display()
    );

    browser.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(browser.title().await.unwrap(), "Search form");
    browser.fill("#q", "bugs <in> search & co").await.unwrap();
    let filled = browser.screenshot("filled").await.unwrap();
    browser.click("button#publish").await.unwrap();

    let url = browser.current_url().await.unwrap();
    assert_eq!(url.path(), "/result", "{url}");
    assert_eq!(
        url.query(),
        Some("q=bugs+%3Cin%3E+search+%26+co&action=publish"),
        "{url}"
    );
    let text = browser.page_text().await.unwrap();
    assert!(text.contains("q = bugs <in> search & co"), "{text}");
    assert!(text.contains("action = publish"), "{text}");
    assert!(!text.contains("save"), "{text}");
    assert!(browser.source().await.unwrap().contains("&lt;in&gt;"));

    let dir = browser.screenshot_dir().to_path_buf();
    let mut shots: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    shots.sort();
    assert_eq!(shots, ["01-index.png", "02-filled.png", "03-result.png"]);
    assert_eq!(filled, dir.join("02-filled.png"));
    for shot in &shots {
        assert_is_a_picture(&dir.join(shot));
    }
    browser.close().await.unwrap();
}

#[tokio::test]
async fn waits_give_up_in_time_and_say_what_they_waited_for_and_where() {
    let base = serve().await;
    // The defaults: a cold Chromium on a busy machine takes seconds over its first page.
    let mut browser = Browser::start().await.unwrap();
    browser.goto(&format!("{base}/")).await.unwrap();
    browser.set_timeout(Duration::from_millis(500));
    browser
        .set_page_load_timeout(Duration::from_millis(800))
        .await
        .unwrap();

    // Waits of 0.5 s (the element) and 0.8 s (the next page), with room for a busy machine.
    let started = Instant::now();
    let err = browser.click("#nowhere").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4), "{err}");
    assert!(matches!(err, BrowserError::Timeout { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("an element matching `#nowhere`"),
        "{message}"
    );
    assert!(message.contains(&format!("(at {base}/)")), "{message}");
    assert!(message.contains("timeout.png"), "{message}");

    // A button that loads no new page: `click` says so; `click_in_place` is the one to use.
    let started = Instant::now();
    let err = browser.click("#inert").await.unwrap_err().to_string();
    assert!(started.elapsed() < Duration::from_secs(4), "{err}");
    assert!(
        err.contains("a new page to load after clicking `#inert`"),
        "{err}"
    );
    browser.click_in_place("#inert").await.unwrap();

    let err = browser
        .wait_for_text("never there", Duration::from_millis(200))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("the text \"never there\""), "{err}");
    browser
        .wait_for_text("Find issues", Duration::from_millis(200))
        .await
        .unwrap();
    // Dropped without close(): Drop ends the session and stops chromedriver.
}
