//! A database URL fit for an error message.

/// `s` with its secrets replaced by `***`: anything between `://` (or the start, without
/// one) and the last `@` (the user and password), and the value of a `password=` query
/// parameter. A password in a URL must not come back in an error message.
pub fn redact(s: &str) -> String {
    let start = s.find("://").map_or(0, |i| i + 3);
    let shown = match s.rfind('@') {
        Some(at) if at >= start => format!("{}***{}", &s[..start], &s[at..]),
        _ => s.to_owned(),
    };
    let Some((head, query)) = shown.split_once('?') else {
        return shown;
    };
    let query: Vec<String> = query
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((name, _)) if name.eq_ignore_ascii_case("password") => format!("{name}=***"),
            _ => param.to_owned(),
        })
        .collect();
    format!("{head}?{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn user_and_password_are_hidden_and_the_rest_kept() {
        for (url, shown) in [
            (
                "postgres://admin:hunter2@db.example.com:5432/js",
                "postgres://***@db.example.com:5432/js",
            ),
            ("postgres://u:p@ss@h/d", "postgres://***@h/d"),
            (
                "postgres://db.example.com/js",
                "postgres://db.example.com/js",
            ),
            (
                "postgres://h/d?user=u&password=hunter2&sslmode=require",
                "postgres://h/d?user=u&password=***&sslmode=require",
            ),
            ("sqlite://x.db?mode=rwc", "sqlite://x.db?mode=rwc"),
            ("user:pw@host/db", "***@host/db"),
            ("@host", "***@host"),
        ] {
            assert_eq!(redact(url), shown, "{url}");
        }
    }
}
