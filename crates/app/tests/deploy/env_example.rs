//! `.env.example`: every variable the binary accepts, documented, with values as in compose.

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::Value;

use crate::binary::{EnvArg, ENV_ONLY};
use crate::compose::compose_env;
use crate::env::check_env_value;

/// `.env.example`: every variable the binary accepts is there (set, or commented out as
/// `# NAME=`), each after a comment; nothing else; values valid and as in compose.
pub fn check_env_example(
    text: &str,
    compose_text: &str,
    accepted: &BTreeMap<String, EnvArg>,
) -> Vec<String> {
    let mut p = Vec::new();
    let mut documented = BTreeSet::new();
    let mut previous_is_comment = false;
    let compose: Value = serde_norway::from_str(compose_text).unwrap_or(Value::Null);
    let compose_env: BTreeMap<String, String> = compose
        .get("services")
        .and_then(|s| s.get("jira-search"))
        .map(compose_env)
        .unwrap_or_default()
        .into_iter()
        .map(|var| (var.name, var.value))
        .collect();
    let is_name = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    };
    for line in text.lines() {
        let trimmed = line.trim();
        let (commented_out, body) = match trimmed.strip_prefix('#') {
            Some(rest) => (true, rest.trim()),
            None => (false, trimmed),
        };
        let assignment = body
            .split_once('=')
            .filter(|(name, _)| is_name(name))
            .filter(|(_, value)| !commented_out || value.is_empty());
        match assignment {
            Some((name, value)) => {
                if !previous_is_comment {
                    p.push(format!(
                        ".env.example: {name}: no `# comment` line before it"
                    ));
                }
                if !documented.insert(name.to_owned()) {
                    p.push(format!(".env.example: {name} appears twice"));
                }
                if !commented_out {
                    p.extend(check_env_value(".env.example", name, value, accepted));
                    if let Some(c) = compose_env.get(name) {
                        if c != value {
                            p.push(format!(
                                ".env.example: {name}: `{value}` differs from docker-compose.yml's \
                                 `{c}`"
                            ));
                        }
                    }
                } else if !accepted.contains_key(name) && !ENV_ONLY.contains(&name) {
                    p.push(format!(
                        ".env.example: `{name}` is not a variable of `jira-search serve`"
                    ));
                }
                previous_is_comment = false;
            }
            None => previous_is_comment = trimmed.starts_with('#'),
        }
    }
    for name in accepted.keys().map(String::as_str).chain(ENV_ONLY) {
        if !documented.contains(name) {
            p.push(format!(
                ".env.example: `{name}` (accepted by jira-search) is not documented"
            ));
        }
    }
    p
}
