//! What every consent flow shares: reading the request's parameters (query on GET, form on
//! POST), the user's decision, checking a redirect URI and sending the browser back to it.

use super::servers::{AuthzRequest, AuthzServers};
use crate::reply::Reply;
use crate::text::encode_query;

/// The parameters of a consent request: the query of the page (GET), or the form posted back
/// (POST), whose hidden fields are checked again like a new request.
pub(super) fn params<'a>(req: &'a AuthzRequest<'_>) -> &'a [(String, String)] {
    if req.info.method == "POST" {
        req.form
    } else {
        &req.info.query
    }
}

/// The value of a protocol parameter; `Err` when it is repeated (RFC 6749 3.1: sent at most
/// once).
pub(super) fn single<'a>(
    params: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, String> {
    let mut values = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    let first = values.next();
    if values.next().is_some() {
        return Err(format!("The {name} parameter is repeated."));
    }
    Ok(first.map(String::as_str))
}

/// The user's answer on a consent page.
pub(super) enum Decision {
    /// Allow, as this login.
    Allow(String),
    Deny,
    /// No usable decision: the page again, with this message.
    Undecided(&'static str),
}

/// The decision a posted consent form carries; a page requested with GET carries none.
pub(super) fn decision(req: &AuthzRequest<'_>) -> Option<Decision> {
    if req.info.method != "POST" {
        return None;
    }
    let field = |name: &str| {
        req.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    };
    Some(match field("decision") {
        Some("allow") => match field("login") {
            Some(login) if !login.is_empty() => Decision::Allow(login.to_string()),
            _ => Decision::Undecided("Enter your login to allow access."),
        },
        Some("deny") => Decision::Deny,
        _ => Decision::Undecided("Choose Allow or Deny."),
    })
}

/// The login typed on a posted form, to show it again.
pub(super) fn typed_login<'a>(req: &'a AuthzRequest<'_>) -> &'a str {
    req.form
        .iter()
        .find(|(k, _)| k == "login")
        .map_or("", |(_, v)| v.as_str())
}

/// A redirect URI the server may send the browser to: present, absolute, printable ASCII,
/// without a fragment (RFC 6749 3.1.2), and registered when redirect URIs are.
pub(super) fn checked_redirect<'a>(
    servers: &AuthzServers,
    redirect_uri: Option<&'a str>,
) -> Result<&'a str, String> {
    let uri = redirect_uri
        .filter(|u| !u.is_empty())
        .ok_or("Missing redirect_uri.")?;
    // Printable ASCII only: it goes back out in a `Location` header as sent.
    let printable = uri.bytes().all(|b| b.is_ascii_graphic());
    if !printable || url::Url::parse(uri).is_err() || uri.contains('#') {
        return Err("The redirect_uri is not an absolute URI without a fragment.".into());
    }
    if !servers.redirect_registered(uri) {
        return Err("The redirect_uri is not registered for this application.".into());
    }
    Ok(uri)
}

/// `uri` with `pairs` appended to its query (`?` or `&`), the URI itself kept as sent.
pub(super) fn append_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let query = encode_query(pairs.iter().copied());
    let separator = match uri.rfind('?') {
        None => "?",
        Some(at) if at + 1 == uri.len() || uri.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{uri}{separator}{query}")
}

/// 302 to `uri` with `pairs` appended to its query.
pub(super) fn redirect(uri: &str, pairs: &[(&str, &str)]) -> Reply {
    Reply::empty(302)
        .header("Location", append_query(uri, pairs))
        .header("Cache-Control", "no-store")
}

/// 405 for a method a consent page does not take.
pub(super) fn method_not_allowed(allow: &str) -> Reply {
    Reply::empty(405).header("Allow", allow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_appended() {
        let pairs = [("code", "a b"), ("state", "x&y")];
        assert_eq!(
            append_query("http://app/cb", &pairs),
            "http://app/cb?code=a+b&state=x%26y"
        );
        assert_eq!(
            append_query("http://app/cb?s=1", &pairs),
            "http://app/cb?s=1&code=a+b&state=x%26y"
        );
        assert_eq!(
            append_query("http://app/cb?", &pairs[..1]),
            "http://app/cb?code=a+b"
        );
    }

    #[test]
    fn repeated_parameters_are_refused() {
        let params = vec![
            ("a".to_string(), "1".to_string()),
            ("a".to_string(), "2".to_string()),
        ];
        assert!(single(&params, "a").is_err());
        assert_eq!(single(&params, "b"), Ok(None));
    }
}
