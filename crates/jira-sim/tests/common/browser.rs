//! What a browser does on a consent page, by hand: read the form's hidden inputs, post them back
//! with a login and a decision, read where the answer redirects.

use super::{send, Resp};

/// The form-urlencoded content type.
pub const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// Undoes the HTML escaping of an attribute value.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The `(name, value)` of every `<input type="hidden" ...>` of a page, unescaped.
pub fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        let end = tag[start..].find('"')? + start;
        Some(unescape(&tag[start..end]))
    };
    html.split("<input ")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            if !tag.contains("type=\"hidden\"") {
                return None;
            }
            Some((attr(tag, "name")?, attr(tag, "value")?))
        })
        .collect()
}

/// Checks that a page is a consent page a browser can click through, posting to `action`.
pub fn assert_consent_page(page: &Resp, action: &str) {
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.header("content-type"), Some("text/html;charset=UTF-8"));
    let body = &page.body;
    assert!(body.starts_with("<!DOCTYPE html>"), "{body}");
    assert!(body.contains("<meta charset=\"utf-8\">"), "{body}");
    assert!(
        body.contains(&format!("<form method=\"post\" action=\"{action}\">")),
        "{body}"
    );
    assert!(
        body.contains("<input type=\"text\" name=\"login\" id=\"login\""),
        "{body}"
    );
    assert!(
        body.contains(
            "<button type=\"submit\" name=\"decision\" value=\"allow\" id=\"allow\">Allow</button>"
        ),
        "{body}"
    );
    assert!(
        body.contains(
            "<button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny</button>"
        ),
        "{body}"
    );
}

/// Checks that a page is an error page that sends the browser nowhere.
pub fn assert_error_page(page: &Resp) {
    assert_eq!(page.status, 400, "{}", page.body);
    assert_eq!(page.header("content-type"), Some("text/html;charset=UTF-8"));
    assert_eq!(page.header("location"), None);
    assert!(!page.body.contains("<form"), "{}", page.body);
}

/// Posts a page's hidden inputs back to `url` with `login` and `decision`, as the browser does.
pub async fn submit(url: &str, page: &Resp, login: &str, decision: &str) -> Resp {
    let mut fields = hidden_inputs(&page.body);
    fields.push(("login".into(), login.into()));
    fields.push(("decision".into(), decision.into()));
    post_form(url, &fields).await
}

/// Posts form fields.
pub async fn post_form(url: &str, fields: &[(String, String)]) -> Resp {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    send("POST", url, &[FORM], &body).await.unwrap()
}

/// The target of a 302 answer, and its query pairs.
pub fn redirected(resp: &Resp) -> (String, Vec<(String, String)>) {
    assert_eq!(resp.status, 302, "{}", resp.body);
    let location = resp.header("location").expect("a Location").to_string();
    let parsed = url::Url::parse(&location).expect("an absolute Location");
    let pairs = parsed.query_pairs().into_owned().collect();
    (location, pairs)
}

/// The value of `name` among query pairs.
pub fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
