//! Credentials to an `Authorization` header, one arm per scheme.

use base64::Engine;
use domain::{Credentials, JiraError};
use hyper::header::HeaderValue;

/// The `Authorization` header for these credentials.
///
/// # Errors
/// [`JiraError::Config`] when a stored secret cannot be sent in a header (control
/// characters); the message names the problem, never the secret.
pub fn authorization(credentials: &Credentials) -> Result<HeaderValue, JiraError> {
    let value = match credentials {
        Credentials::Pat { token } => format!("Bearer {}", token.expose()),
        Credentials::Basic { user, secret } => {
            let raw = format!("{user}:{}", secret.expose());
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
            )
        }
        other => {
            return Err(JiraError::Config(format!(
                "auth method {} is not supported yet",
                other.method()
            )))
        }
    };
    let mut header = HeaderValue::from_str(&value).map_err(|_| {
        JiraError::Config(format!(
            "the stored {} credential contains characters that cannot be sent in an HTTP header",
            credentials.method()
        ))
    })?;
    header.set_sensitive(true);
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Secret;

    #[test]
    fn schemes() {
        let h = authorization(&Credentials::Pat {
            token: Secret::new("abc"),
        })
        .unwrap();
        assert_eq!(h.to_str().unwrap(), "Bearer abc");
        assert!(h.is_sensitive());
        let h = authorization(&Credentials::Basic {
            user: "fred@example.com".into(),
            secret: Secret::new("tok:en"),
        })
        .unwrap();
        // base64("fred@example.com:tok:en")
        assert_eq!(
            h.to_str().unwrap(),
            "Basic ZnJlZEBleGFtcGxlLmNvbTp0b2s6ZW4="
        );
    }

    #[test]
    fn an_unsendable_secret_is_a_config_error_without_the_secret() {
        let err = authorization(&Credentials::Pat {
            token: Secret::new("bad\ntoken"),
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("pat credential"), "{text}");
        assert!(!text.contains("bad"), "{text}");
    }
}
