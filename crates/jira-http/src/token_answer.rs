//! What an OAuth 2.0 token endpoint answers, read the same way for a renewal
//! ([`crate::oauth2`]) and an authorization-code exchange (`consent`): the tokens, or why
//! there are none, never quoting the answer (it may hold a token). Each caller words the
//! [`TokenProblem`] in its own port's error.

/// A token endpoint's answer.
#[derive(serde::Deserialize)]
pub(crate) struct TokenAnswer {
    pub(crate) access_token: String,
    #[serde(default)]
    pub(crate) expires_in: Option<u64>,
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
}

#[derive(serde::Deserialize)]
struct ErrorAnswer {
    #[serde(default)]
    error: Option<String>,
}

/// Why an answer holds no usable access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    /// A non-2xx answer, with the endpoint's OAuth `error` code when it gave a short, plain
    /// one ([`short_code`]).
    Refused {
        /// The HTTP status.
        status: u16,
        /// `invalid_grant`, `invalid_client`, ...
        code: Option<String>,
    },
    /// A 2xx answer that is not a JSON object.
    NotAnObject,
    /// A 2xx JSON object without a string `access_token`: what is wrong, in a few words.
    Unreadable(&'static str),
    /// A 2xx answer whose `access_token` is empty.
    EmptyAccessToken,
}

/// Reads a token endpoint's answer (`status`, `body`).
///
/// # Errors
/// [`TokenProblem`].
pub(crate) fn read(status: hyper::StatusCode, body: &[u8]) -> Result<TokenAnswer, TokenProblem> {
    // An answer is a JSON object: serde would read a struct from a list too, its fields in
    // order.
    let is_object = is_json_object(body);
    if !status.is_success() {
        let code = serde_json::from_slice::<ErrorAnswer>(body)
            .ok()
            .filter(|_| is_object)
            .and_then(|a| a.error)
            .filter(|c| short_code(c).is_some());
        return Err(TokenProblem::Refused {
            status: status.as_u16(),
            code,
        });
    }
    if !is_object {
        return Err(TokenProblem::NotAnObject);
    }
    let answer: TokenAnswer =
        serde_json::from_slice(body).map_err(|e| TokenProblem::Unreadable(json_problem(&e)))?;
    if answer.access_token.is_empty() {
        return Err(TokenProblem::EmptyAccessToken);
    }
    Ok(answer)
}

/// Whether `body` starts like a JSON object.
pub(crate) fn is_json_object(body: &[u8]) -> bool {
    body.trim_ascii_start().starts_with(b"{")
}

/// An error code a server gave (`error`, `oauth_problem`) when it is short and plain (at most
/// 64 printable ASCII characters, no space); anything else is not repeated.
pub(crate) fn short_code(code: &str) -> Option<&str> {
    (!code.is_empty() && code.len() <= 64 && code.bytes().all(|b| b.is_ascii_graphic()))
        .then_some(code)
}

/// What is wrong with a token answer, without quoting it.
fn json_problem(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "the answer could not be read",
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            "the answer is not JSON"
        }
        serde_json::error::Category::Data => "access_token is missing or not a string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_at(status: u16, body: &str) -> Result<TokenAnswer, TokenProblem> {
        read(
            hyper::StatusCode::from_u16(status).unwrap(),
            body.as_bytes(),
        )
    }

    #[test]
    fn refusals_keep_only_a_short_plain_error_code() {
        let refused = |status, code: Option<&str>| {
            Err::<(), _>(TokenProblem::Refused {
                status,
                code: code.map(str::to_owned),
            })
        };
        fn code(status: u16, body: &str) -> Result<(), TokenProblem> {
            read_at(status, body).map(|_| ())
        }
        assert_eq!(
            code(400, r#"{"error":"invalid_grant","error_description":"no"}"#),
            refused(400, Some("invalid_grant"))
        );
        assert_eq!(
            code(401, r#"{"error":"a code with spaces"}"#),
            refused(401, None)
        );
        assert_eq!(
            code(400, &format!(r#"{{"error":"{}"}}"#, "x".repeat(65))),
            refused(400, None)
        );
        assert_eq!(code(500, "<html>oops</html>"), refused(500, None));
        // A 3xx is a refusal too: redirects are not followed.
        assert_eq!(code(302, ""), refused(302, None));
    }

    #[test]
    fn a_2xx_needs_a_non_empty_string_access_token() {
        let problem = |body| read_at(200, body).err();
        assert_eq!(problem("garbage"), Some(TokenProblem::NotAnObject));
        assert_eq!(
            problem("{garbage"),
            Some(TokenProblem::Unreadable("the answer is not JSON"))
        );
        assert_eq!(
            problem(r#"{"access_token":7}"#),
            Some(TokenProblem::Unreadable(
                "access_token is missing or not a string"
            ))
        );
        assert_eq!(
            problem(r#"{"access_token":""}"#),
            Some(TokenProblem::EmptyAccessToken)
        );
        let answer = read_at(
            200,
            r#"{"access_token":"a","refresh_token":"r","scope":"x"}"#,
        )
        .unwrap();
        assert_eq!(answer.refresh_token.as_deref(), Some("r"));
        assert_eq!(answer.expires_in, None);
    }
}
