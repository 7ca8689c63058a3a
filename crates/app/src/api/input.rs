//! Reading a JSON request body field by field, so every mistake names its field, and the
//! admin API's error answers: `{"detail"}` and, for invalid input, `{"errors": {field: msg}}`.

use bytes::Bytes;
use domain::{AdminError, Secret};
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde_json::{json, Map, Value};

use crate::reply::json_response;

/// Largest request body the admin API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// An admin API answer that is not a success.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// What is wrong.
    pub detail: String,
    /// For invalid input: each field and what is wrong with it.
    pub errors: Option<Map<String, Value>>,
}

impl ApiError {
    /// Any status with a detail.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            errors: None,
        }
    }

    /// 400 for one field. The detail names the field when the message does not
    /// (`invalid input: plan: unknown field`).
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut errors = Map::new();
        errors.insert(field.to_owned(), Value::String(message.clone()));
        let detail = if message.contains(field) {
            format!("invalid input: {message}")
        } else {
            format!("invalid input: {field}: {message}")
        };
        Self {
            status: StatusCode::BAD_REQUEST,
            detail,
            errors: Some(errors),
        }
    }

    /// The answer.
    pub fn response(&self) -> Response<Full<Bytes>> {
        let mut body = json!({"detail": self.detail});
        if let Some(errors) = &self.errors {
            body["errors"] = Value::Object(errors.clone());
        }
        json_response(self.status, &body)
    }
}

/// The CLI's flags as the API's fields: the same rules word the same mistakes, naming what
/// the caller sent.
const FLAG_NAMES: [(&str, &str); 11] = [
    ("--private-key-file", "auth.private_key"),
    ("--no-verify-tls", "verify_tls: false"),
    ("--consumer-key", "auth.consumer_key"),
    ("--allow-http", "allow_http"),
    ("--token-url", "auth.token_url"),
    ("--client-id", "auth.client_id"),
    ("--base-url", "base_url"),
    ("--provider", "provider"),
    ("--user", "auth.user"),
    ("--auth", "auth.method"),
    ("--name", "name"),
];

/// A domain message with the CLI's flags named as the API's fields, and the field it is
/// about: in "X needs Y", the missing Y; otherwise the first field it names.
pub fn as_api_message(message: &str) -> (String, String) {
    // Where the CLI reads secrets, the API takes them in the `auth` object.
    let mut text = message.replace("with --user and stdin", "in the auth object");
    for (flag, field) in FLAG_NAMES {
        text = text.replace(flag, field);
    }
    if text.starts_with("invalid base URL") {
        return ("base_url".into(), text);
    }
    let first_in = |from: usize| {
        FLAG_NAMES
            .iter()
            .filter_map(|(_, f)| text[from..].find(f).map(|at| (at, *f)))
            .min()
            .map(|(_, f)| f.split(':').next().unwrap_or(f))
    };
    let field = text
        .find(" needs ")
        .and_then(first_in)
        .or_else(|| first_in(0))
        .unwrap_or("body");
    // Messages about a value that name no flag: the field is the one the value was sent in.
    let field = [
        ("invalid org slug", "slug"),
        ("unknown provider", "provider"),
        ("unknown auth method", "auth.method"),
        ("a token prefix", "prefix"),
    ]
    .iter()
    .find(|(start, _)| text.starts_with(start))
    .map_or(field, |(_, f)| f);
    (field.to_owned(), text)
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match &e {
            AdminError::Invalid(i) => {
                let (field, message) = as_api_message(&i.0);
                Self::field(&field, message)
            }
            AdminError::OrgNotFound(_)
            | AdminError::IntegrationNotFound(_)
            | AdminError::TokenNotFound
            | AdminError::SigningKeyNotFound(_)
            | AdminError::AppNotFound(_)
            | AdminError::ConnectionsOff => Self::new(StatusCode::NOT_FOUND, e.to_string()),
            AdminError::OrgExists(_) | AdminError::TokenExists | AdminError::SigningKeyExists => {
                Self::new(StatusCode::CONFLICT, e.to_string())
            }
            AdminError::TokenAmbiguous(_) => Self::field("prefix", e.to_string()),
            AdminError::ConsentFailed(_)
            | AdminError::CheckRefused { .. }
            | AdminError::CheckAnonymous(_)
            | AdminError::CheckFailed(_) => {
                Self::new(StatusCode::BAD_GATEWAY, domain::error_chain(&e))
            }
            AdminError::Store(source) => {
                tracing::error!(error = %domain::error_chain(source), "store failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Service unavailable: the database did not answer",
                )
            }
        }
    }
}

/// A JSON object body, read field by field; what is left at the end is unknown.
#[derive(Debug)]
pub struct Fields {
    prefix: String,
    map: Map<String, Value>,
}

impl Fields {
    /// The body as an object. An empty body is an empty object when `empty_ok`.
    ///
    /// # Errors
    /// 415 when the content type is not JSON, 400 when the body is not a JSON object.
    pub fn of_body(
        content_type: Option<&str>,
        body: &[u8],
        empty_ok: bool,
    ) -> Result<Self, ApiError> {
        if body.is_empty() && empty_ok {
            return Ok(Self::of(Map::new(), ""));
        }
        let json_type = content_type
            .and_then(|t| t.split(';').next())
            .map(str::trim)
            .is_some_and(|t| {
                t.eq_ignore_ascii_case("application/json")
                    || (t.len() > 5 && t[t.len() - 5..].eq_ignore_ascii_case("+json"))
            });
        if !json_type {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the body must be JSON: send Content-Type: application/json",
            ));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Self::of(map, "")),
            Ok(_) => Err(ApiError::field("body", "the body must be a JSON object")),
            Err(e) => Err(ApiError::field(
                "body",
                format!("the body is not valid JSON: {e}"),
            )),
        }
    }

    fn of(map: Map<String, Value>, prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            map,
        }
    }

    /// The full name of a field (`auth.token`).
    pub fn name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Whether the field was sent (null counts as not sent).
    pub fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    /// An optional string field.
    ///
    /// # Errors
    /// 400 when it is not a string.
    pub fn opt_str(&mut self, key: &str) -> Result<Option<String>, ApiError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::field(&self.name(key), "must be a string")),
        }
    }

    /// A required string field.
    ///
    /// # Errors
    /// 400 when missing or not a string.
    pub fn str(&mut self, key: &str) -> Result<String, ApiError> {
        self.opt_str(key)?
            .ok_or_else(|| ApiError::field(&self.name(key), "is required"))
    }

    /// An optional secret field: a string, kept as a [`Secret`].
    ///
    /// # Errors
    /// 400 when it is not a string.
    pub fn opt_secret(&mut self, key: &str) -> Result<Option<Secret>, ApiError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(Secret::new(s))),
            Some(_) => Err(ApiError::field(&self.name(key), "must be a string")),
        }
    }

    /// An optional boolean field.
    ///
    /// # Errors
    /// 400 when it is not a boolean.
    pub fn opt_bool(&mut self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(ApiError::field(&self.name(key), "must be true or false")),
        }
    }

    /// An optional integer id field (a number, or a string of digits).
    ///
    /// # Errors
    /// 400 when it is neither.
    pub fn opt_id(&mut self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n > 0) => Ok(n.as_i64()),
            Some(Value::String(s))
                if !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()) =>
            {
                Ok(s.parse().ok())
            }
            Some(_) => Err(ApiError::field(
                &self.name(key),
                "must be a positive integer id",
            )),
        }
    }

    /// A required nested object.
    ///
    /// # Errors
    /// 400 when missing or not an object.
    pub fn object(&mut self, key: &str) -> Result<Fields, ApiError> {
        match self.map.remove(key) {
            Some(Value::Object(map)) => Ok(Self::of(map, &format!("{}{key}.", self.prefix))),
            None | Some(Value::Null) => Err(ApiError::field(&self.name(key), "is required")),
            Some(_) => Err(ApiError::field(&self.name(key), "must be a JSON object")),
        }
    }

    /// Fails on the first field nobody read: unknown fields are mistakes, not ignored.
    ///
    /// # Errors
    /// 400 naming the field.
    /// An unknown field is refused even as `null`: `null` means "not sent" only for a field
    /// the body takes.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(key) => Err(ApiError::field(&self.name(key), "unknown field")),
        }
    }

    /// Whether the field was sent at all, `null` included.
    pub fn has_key(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The first field sent (`null` ones too) that is not among `known`.
    pub fn unknown_among(&self, known: &[&str]) -> Option<String> {
        self.map
            .keys()
            .find(|k| !known.contains(&k.as_str()))
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_api_fields() {
        assert_eq!(
            as_api_message(
                "--user does not apply to --auth pat: the token alone identifies the user"
            ),
            (
                "auth.user".to_owned(),
                "auth.user does not apply to auth.method pat: the token alone identifies the user"
                    .to_owned()
            )
        );
        assert_eq!(
            as_api_message("invalid base URL \"x\": relative URL without a base").0,
            "base_url"
        );
        assert_eq!(
            as_api_message("--auth oauth2 on jira_server needs --token-url (e.g. x)").0,
            "auth.token_url"
        );
        assert_eq!(
            as_api_message("invalid org slug \"A\": use 1 to 50").0,
            "slug"
        );
        assert_eq!(
            as_api_message("unknown provider \"gitlab\": use jira_server").0,
            "provider"
        );
        assert_eq!(
            as_api_message("unknown auth method \"magic\": use pat").0,
            "auth.method"
        );
        let (field, text) = as_api_message(
            "invalid base URL \"https://u:p@x\": credentials do not belong in the URL; pass them with --user and stdin",
        );
        assert_eq!(field, "base_url");
        assert!(text.ends_with("pass them in the auth object"), "{text}");
    }

    #[test]
    fn an_unknown_field_is_refused_even_as_null() {
        let mut f =
            Fields::of_body(Some("application/json"), br#"{"name":null,"":null}"#, false).unwrap();
        assert_eq!(f.opt_str("name").unwrap(), None, "null: not sent");
        assert_eq!(f.unknown_among(&["name"]).as_deref(), Some(""));
        assert_eq!(f.finish().unwrap_err().errors.unwrap()[""], "unknown field");
    }

    #[test]
    fn the_detail_names_the_field() {
        assert_eq!(
            ApiError::field("plan", "unknown field").detail,
            "invalid input: plan: unknown field"
        );
        assert_eq!(
            ApiError::field("auth.user", "auth.user does not apply").detail,
            "invalid input: auth.user does not apply"
        );
    }

    #[test]
    fn fields_are_read_once_and_the_rest_is_unknown() {
        let mut f = Fields::of_body(
            Some("application/json; charset=utf-8"),
            br#"{"slug":"a","n":1,"auth":{"method":"pat","x":true}}"#,
            false,
        )
        .unwrap();
        assert_eq!(f.str("slug").unwrap(), "a");
        assert_eq!(
            f.opt_str("n").unwrap_err().errors.unwrap()["n"],
            "must be a string"
        );
        let auth = f.object("auth").unwrap();
        assert_eq!(
            auth.finish().unwrap_err().errors.unwrap()["auth.method"],
            "unknown field"
        );
        assert_eq!(
            Fields::of_body(Some("text/plain"), b"{}", false)
                .unwrap_err()
                .status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert_eq!(
            Fields::of_body(Some("application/json"), b"[1]", false)
                .unwrap_err()
                .status,
            StatusCode::BAD_REQUEST
        );
        assert!(Fields::of_body(None, b"", true).is_ok());
    }
}
