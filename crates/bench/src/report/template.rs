//! Named placeholders: a template is Markdown text in which `{{name}}` (lowercase letters, digits
//! and `_`) stands for a value. Filling is strict both ways: a placeholder without a value, a
//! value without a placeholder, a value given twice or a `{{` that does not open a well-formed
//! placeholder is an error, so the prose and the figures cannot drift apart unnoticed. A value
//! is inserted as is, never scanned for placeholders; single braces are plain text.

use std::fmt;

/// A template: its file name (for errors) and its text.
#[derive(Clone, Copy, Debug)]
pub struct Template {
    /// Its file under crates/bench/src/report/template/.
    pub name: &'static str,
    /// Its text.
    pub text: &'static str,
}

/// Why a template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// The template names a placeholder that no value fills.
    Unfilled {
        /// The template.
        template: &'static str,
        /// The placeholder.
        placeholder: String,
    },
    /// A value was given for a placeholder the template does not know.
    Unknown {
        /// The template.
        template: &'static str,
        /// The value's name.
        placeholder: String,
    },
    /// Two values were given for one placeholder.
    Duplicate {
        /// The template.
        template: &'static str,
        /// The value's name.
        placeholder: String,
    },
    /// A `{{` at this byte offset does not open a well-formed `{{name}}`.
    Malformed {
        /// The template.
        template: &'static str,
        /// Byte offset of the `{{`.
        at: usize,
    },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Unfilled {
                template,
                placeholder,
            } => write!(f, "{template}: no value for {{{{{placeholder}}}}}"),
            TemplateError::Unknown {
                template,
                placeholder,
            } => write!(
                f,
                "{template}: a value for {placeholder}, which it does not name"
            ),
            TemplateError::Duplicate {
                template,
                placeholder,
            } => write!(f, "{template}: two values for {placeholder}"),
            TemplateError::Malformed { template, at } => {
                write!(f, "{template}: a malformed placeholder at byte {at}")
            }
        }
    }
}

impl std::error::Error for TemplateError {}

/// The values to fill a template with, by placeholder name.
#[derive(Default)]
pub struct Values {
    entries: Vec<(&'static str, String)>,
}

impl Values {
    /// No values yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the value of `{{name}}`.
    pub fn set(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.entries.push((name, value.to_string()));
        self
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

const OPEN: &str = "{{";
const CLOSE: &str = "}}";

impl Template {
    /// The text with every placeholder replaced by its value.
    pub fn fill(&self, values: &Values) -> Result<String, TemplateError> {
        for (i, (name, _)) in values.entries.iter().enumerate() {
            if values.entries[..i].iter().any(|(n, _)| n == name) {
                return Err(TemplateError::Duplicate {
                    template: self.name,
                    placeholder: (*name).to_owned(),
                });
            }
        }
        let mut out = String::with_capacity(self.text.len());
        let mut used: Vec<&str> = Vec::new();
        let mut rest = self.text;
        while let Some(start) = rest.find(OPEN) {
            let at = self.text.len() - rest.len() + start;
            out.push_str(&rest[..start]);
            let after = &rest[start + OPEN.len()..];
            let name = after
                .find(CLOSE)
                .map(|end| &after[..end])
                .filter(|name| is_name(name))
                .ok_or(TemplateError::Malformed {
                    template: self.name,
                    at,
                })?;
            let value = values.get(name).ok_or_else(|| TemplateError::Unfilled {
                template: self.name,
                placeholder: name.to_owned(),
            })?;
            out.push_str(value);
            used.push(name);
            rest = &after[name.len() + CLOSE.len()..];
        }
        out.push_str(rest);
        if let Some((name, _)) = values.entries.iter().find(|(n, _)| !used.contains(n)) {
            return Err(TemplateError::Unknown {
                template: self.name,
                placeholder: (*name).to_owned(),
            });
        }
        Ok(out)
    }
}

/// A placeholder's name: lowercase ASCII letters, digits and `_`, starting with a letter.
fn is_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREETING: Template = Template {
        name: "greeting.md",
        text: "{{who}} waited {{wait}}; {{who}} left. Literal {id} stays.",
    };

    #[test]
    fn fills_every_occurrence_and_keeps_single_braces() {
        let values = Values::new().set("who", "Ann").set("wait", "0.250 ms");
        assert_eq!(
            GREETING.fill(&values),
            Ok("Ann waited 0.250 ms; Ann left. Literal {id} stays.".to_owned())
        );
    }

    #[test]
    fn a_placeholder_without_a_value_is_an_error() {
        let values = Values::new().set("who", "Ann");
        assert_eq!(
            GREETING.fill(&values),
            Err(TemplateError::Unfilled {
                template: "greeting.md",
                placeholder: "wait".to_owned()
            })
        );
    }

    #[test]
    fn a_value_for_an_unknown_placeholder_is_an_error() {
        let values = Values::new()
            .set("who", "Ann")
            .set("wait", "1 s")
            .set("wiat", "typo");
        assert_eq!(
            GREETING.fill(&values),
            Err(TemplateError::Unknown {
                template: "greeting.md",
                placeholder: "wiat".to_owned()
            })
        );
    }

    #[test]
    fn a_value_given_twice_is_an_error() {
        let values = Values::new()
            .set("who", "Ann")
            .set("wait", "1 s")
            .set("who", "Bob");
        assert!(matches!(
            GREETING.fill(&values),
            Err(TemplateError::Duplicate { .. })
        ));
    }

    #[test]
    fn a_malformed_placeholder_is_an_error() {
        for text in ["a {{ who }} b", "a {{who b", "a {{Who}} b", "a {{}} b"] {
            let template = Template {
                name: "bad.md",
                text,
            };
            assert_eq!(
                template.fill(&Values::new().set("who", "Ann")),
                Err(TemplateError::Malformed {
                    template: "bad.md",
                    at: 2
                }),
                "{text}"
            );
        }
    }

    #[test]
    fn a_value_is_not_scanned_for_placeholders() {
        let template = Template {
            name: "t.md",
            text: "[{{a}}]",
        };
        assert_eq!(
            template.fill(&Values::new().set("a", "{{b}}")),
            Ok("[{{b}}]".to_owned())
        );
    }
}
