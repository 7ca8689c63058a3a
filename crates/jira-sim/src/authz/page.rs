//! The HTML pages of the authorization servers: the consent page a browser clicks through, and
//! the error page that sends it nowhere. UTF-8, every value HTML-escaped.

use std::fmt::Write as _;

use crate::reply::{Reply, HTML};
use crate::text::html_escape;

/// What a consent page shows and posts back.
pub(super) struct Consent<'a> {
    /// Whose authorization server it is: `Atlassian` or `Jira`.
    pub(super) product: &'a str,
    /// The application asking: the client id or consumer key.
    pub(super) app: &'a str,
    /// What the application asks to do.
    pub(super) scopes: Vec<&'a str>,
    /// Where the form posts (the page's own path).
    pub(super) action: &'a str,
    /// The request's parameters, posted back with the decision.
    pub(super) hidden: Vec<(&'a str, &'a str)>,
    /// The login typed so far.
    pub(super) login: &'a str,
    /// Why the previous decision could not be taken (the page then answers 400).
    pub(super) error: Option<&'a str>,
}

const STYLE: &str = "body{font-family:sans-serif;max-width:32em;margin:3em auto;color:#172b4d}\
.error{color:#ae2a19}button{margin-right:1em;padding:.4em 1.2em}";

/// The head of every page.
fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n",
        html_escape(title)
    )
}

/// A page answer: HTML, never cached, never framed.
fn page(status: u16, html: String) -> Reply {
    Reply::new(status, Some(HTML), html)
        .header("Cache-Control", "no-store")
        .header("X-Frame-Options", "DENY")
}

/// The consent page: 200, or 400 when it comes back with an error.
pub(super) fn consent(c: &Consent<'_>) -> Reply {
    let e = html_escape;
    let mut html = head(&format!("Authorize {} - {}", c.app, c.product));
    let _ = write!(
        html,
        "<body>\n<main id=\"consent\">\n<h1><span id=\"app\">{}</span> is requesting access to \
         your {} account</h1>\n",
        e(c.app),
        e(c.product)
    );
    if let Some(error) = c.error {
        let _ = writeln!(
            html,
            "<p class=\"error\" id=\"error\" role=\"alert\">{}</p>",
            e(error)
        );
    }
    html.push_str("<p>It would like to:</p>\n<ul id=\"scopes\">\n");
    for scope in &c.scopes {
        let _ = writeln!(html, "<li>{}</li>", e(scope));
    }
    let _ = writeln!(
        html,
        "</ul>\n<form method=\"post\" action=\"{}\">",
        e(c.action)
    );
    for (name, value) in &c.hidden {
        let _ = writeln!(
            html,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            e(name),
            e(value)
        );
    }
    let _ = write!(
        html,
        "<p><label for=\"login\">Log in as</label>\n<input type=\"text\" name=\"login\" \
         id=\"login\" value=\"{}\" autocomplete=\"username\"></p>\n<p>\
         <button type=\"submit\" name=\"decision\" value=\"allow\" id=\"allow\">Allow</button>\n\
         <button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny</button></p>\n\
         </form>\n</main>\n</body>\n</html>\n",
        e(c.login)
    );
    page(if c.error.is_some() { 400 } else { 200 }, html)
}

/// A page with a title and a message, and no link anywhere: errors (the browser is not
/// redirected to a redirect URI that could not be trusted) and the OAuth 1.0a `oob` verifier.
pub(super) fn message(status: u16, title: &str, message: &str) -> Reply {
    let mut html = head(title);
    let _ = write!(
        html,
        "<body>\n<main id=\"message\">\n<h1>{}</h1>\n<p id=\"detail\">{}</p>\n</main>\n\
         </body>\n</html>\n",
        html_escape(title),
        html_escape(message)
    );
    page(status, html)
}

/// The 400 error page of a request the server cannot act on.
pub(super) fn error(message: &str) -> Reply {
    self::message(400, "Something went wrong", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_escaped() {
        let hostile = "\"><script>alert('x')</script>&";
        let reply = consent(&Consent {
            product: "Jira",
            app: hostile,
            scopes: vec![hostile],
            action: "/authorize",
            hidden: vec![("state", hostile)],
            login: hostile,
            error: Some(hostile),
        });
        assert_eq!(reply.status, 400);
        let body = String::from_utf8(reply.body.to_vec()).unwrap();
        assert!(!body.contains("<script>"), "{body}");
        assert!(!body.contains("'x'"), "{body}");
        assert!(body
            .contains("value=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\""));
        let reply = error(hostile);
        assert!(!String::from_utf8(reply.body.to_vec())
            .unwrap()
            .contains("<script>"));
    }
}
