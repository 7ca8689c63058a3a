//! The service's own HTML pages in the connect flow: the site choice of a multi-site
//! Atlassian grant, and the page of a state it does not know. Every value is escaped.

use domain::model::CloudSite;

fn esc(s: &str) -> String {
    htmlize::escape_attribute(s).into_owned()
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#172b4d}}\
label{{display:block;padding:.6rem;border:1px solid #dfe1e6;border-radius:4px;margin:.4rem 0}}\
button{{margin-top:1rem;padding:.5rem 1.2rem;background:#0052cc;color:#fff;border:0;border-radius:4px;font-size:1rem}}\
small{{color:#6b778c}}</style></head><body>{body}</body></html>\n",
        title = esc(title)
    )
}

/// The site choice: one radio button per site (name and URL), posting the state back.
pub fn choose_site(state: &str, sites: &[CloudSite]) -> String {
    let mut items = String::new();
    for (i, s) in sites.iter().enumerate() {
        items.push_str(&format!(
            "<label><input type=\"radio\" name=\"site\" value=\"{id}\" id=\"site-{i}\"{checked}> {name} <small>{url}</small></label>\n",
            id = esc(&s.id),
            name = esc(&s.name),
            url = esc(&s.url),
            checked = if i == 0 { " checked" } else { "" },
        ));
    }
    page(
        "Choose a Jira site",
        &format!(
            "<h1>Choose a Jira site</h1><p>Your Atlassian account can reach several Jira sites. Which one do you want to connect?</p>\
<form method=\"post\" action=\"/connect/site\"><input type=\"hidden\" name=\"state\" value=\"{state}\">\n{items}\
<button type=\"submit\" id=\"connect\">Connect</button></form>",
            state = esc(state)
        ),
    )
}

/// The page of an unknown, reused or missing state: it redirects nowhere.
pub fn bad_state(message: &str) -> String {
    page(
        "Connection not found",
        &format!(
            "<h1>Connection not found</h1><p id=\"message\">{}</p>",
            esc(message)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let html = choose_site(
            "\"><script>",
            &[CloudSite {
                id: "<id>".into(),
                url: "https://a.atlassian.net".into(),
                name: "<b>A</b>".into(),
            }],
        );
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>A</b>"));
        assert!(html.contains("&lt;b&gt;A&lt;/b&gt;"));
        assert!(html.contains("name=\"site\""));
    }
}
