//! The connection settings of `serve` (`PUBLIC_URL`, `CONNECT_RETURN_URLS`,
//! `ATLASSIAN_AUTH_URL`, `ATLASSIAN_API_URL`), checked before the server listens.

use domain::admin::{ConnectSettings, ReturnPrefix};

use crate::config::ServeArgs;
use crate::error::CliError;

/// The settings of connections, or `None` when `PUBLIC_URL` is unset (connections off).
///
/// # Errors
/// [`CliError::Usage`] naming the setting that is wrong.
pub fn settings(args: &ServeArgs) -> Result<Option<ConnectSettings>, CliError> {
    let Some(public_url) = args.public_url.as_deref().filter(|u| !u.trim().is_empty()) else {
        return Ok(None);
    };
    let public_url = server_url("PUBLIC_URL", public_url)?;
    let return_urls = args
        .connect_return_urls
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(ReturnPrefix::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::Usage(e.0))?;
    if return_urls.is_empty() {
        return Err(CliError::Usage(
            "CONNECT_RETURN_URLS: PUBLIC_URL is set, so give at least one prefix that connections may return to (e.g. https://app.example.com/settings/jira)".into(),
        ));
    }
    Ok(Some(ConnectSettings {
        public_url,
        return_urls,
        atlassian_auth_url: server_url("ATLASSIAN_AUTH_URL", &args.atlassian_auth_url)?,
        atlassian_api_url: server_url("ATLASSIAN_API_URL", &args.atlassian_api_url)?,
    }))
}

/// An absolute http(s) URL without query or fragment, written without a trailing slash.
fn server_url(name: &str, raw: &str) -> Result<String, CliError> {
    let bad = |why: &str| CliError::Usage(format!("{name}: {raw:?} {why}"));
    let url = url::Url::parse(raw.trim()).map_err(|_| bad("is not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("must be an http or https URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(bad("must not carry a query, a fragment or a user"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(extra: &[&str]) -> ServeArgs {
        #[derive(Parser)]
        struct Wrap {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let mut argv = vec!["x"];
        argv.extend_from_slice(extra);
        Wrap::parse_from(argv).serve
    }

    #[test]
    fn connections_are_off_without_public_url_and_need_return_urls() {
        assert_eq!(settings(&args(&[])).unwrap(), None);
        let err = settings(&args(&["--public-url", "https://s.example.com"])).unwrap_err();
        assert!(err.to_string().contains("CONNECT_RETURN_URLS"), "{err}");
        let s = settings(&args(&[
            "--public-url",
            "https://s.example.com/",
            "--connect-return-urls",
            "https://app.example.com/settings, http://localhost:3000/",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(s.callback_url(), "https://s.example.com/connect/callback");
        assert_eq!(s.return_urls.len(), 2);
        assert_eq!(s.atlassian_auth_url, "https://auth.atlassian.com");
        assert!(settings(&args(&[
            "--public-url",
            "ftp://x",
            "--connect-return-urls",
            "https://a"
        ]))
        .is_err());
    }
}
