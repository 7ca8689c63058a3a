//! examples/picker, driven in headless Chromium (installed by `make test`): the page served by
//! its backend (examples/picker/server.py, which mints browser tokens) calls the real binary's
//! search routes across origins (CORS), against both simulators. The test types into each
//! picker, checks the matches are the service's (and jira-sim's) answer, picks one with the
//! keyboard, and checks the no-match and error states and that a newer keystroke aborts the
//! stale request. Screenshots land in `target/browser/picker/<test>/`.

mod common;
// Only the browser tests load it: the browser crate's `Add` impls on `String` would break
// `String + &String` in the other test binaries.
#[path = "common/browser.rs"]
mod headless;
mod picker {
    pub mod harness;
}

use std::time::Duration;

use browser::thirtyfour::Key;
use browser::Browser;
use jira_sim::Fault;
use picker::harness::{log_of, settled, shown, wait_until, Stack};

const SUGGESTIONS: &str = "/rest/api/2/jql/autocompletedata/suggestions";

/// Opens the page and waits until it holds its first token.
async fn open(stack: &Stack) -> Browser {
    let b = headless::start().await;
    b.goto(&stack.page).await.unwrap();
    wait_until(
        &b,
        "the page's token",
        "return document.body.dataset.ready === 'yes';",
        Duration::from_secs(15),
    )
    .await;
    b
}

/// Types `text` into a picker (key by key, as a person does) and waits for its answer; the
/// page's log entry of that search.
async fn type_and_wait(b: &Browser, picker: &str, text: &str) -> serde_json::Value {
    b.fill(&format!("#{picker}"), text).await.unwrap();
    settled(b, picker, text).await
}

/// Picks with the keyboard: ArrowDown `downs` times, one ArrowUp when `downs` > 1, Enter;
/// checks the active option as it goes. The index picked.
async fn pick_with_keys(b: &Browser, picker: &str, downs: usize) -> usize {
    let input = b.element(&format!("#{picker}")).await.unwrap();
    for _ in 0..downs {
        input.send_keys(Key::Down).await.unwrap();
    }
    let mut at = downs - 1;
    if downs > 1 {
        input.send_keys(Key::Up).await.unwrap();
        at -= 1;
    }
    assert_eq!(
        input
            .attr("aria-activedescendant")
            .await
            .unwrap()
            .as_deref(),
        Some(format!("{picker}-list-{at}").as_str())
    );
    b.screenshot(&format!("{picker}-option-{at}-active"))
        .await
        .unwrap();
    input.send_keys(Key::Enter).await.unwrap();
    at
}

/// After a pick: the input holds the label, the list is closed, the page shows the value.
async fn assert_picked(b: &Browser, picker: &str, value: &str, label: &str) {
    let input = b.element(&format!("#{picker}")).await.unwrap();
    assert_eq!(input.prop("value").await.unwrap().as_deref(), Some(label));
    assert_eq!(
        input.attr("aria-expanded").await.unwrap().as_deref(),
        Some("false")
    );
    let picked = b.element(&format!("#{picker}-picked")).await.unwrap();
    assert_eq!(
        picked.attr("data-value").await.unwrap().as_deref(),
        Some(value)
    );
    assert_eq!(
        picked.text().await.unwrap(),
        format!("Picked: {label} {value}")
    );
    let (_, open, _) = shown(b, picker).await;
    assert!(!open, "{picker}'s list is still open");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_picker_shows_the_matches_and_picks_one_with_the_keyboard() {
    let stack = Stack::start().await;
    let b = open(&stack).await;
    let w = &stack.world;

    // Assignee: users of the Server simulator assignable in the project, by display name.
    let key = &stack.project.key;
    let users = w.server_sim.users();
    let user = users
        .iter()
        .find(|u| u.active && (u.projects.is_empty() || u.projects.contains(key)))
        .expect("a user assignable in the project");
    let query: String = user.display_name.chars().take(3).collect();
    let entry = type_and_wait(&b, "assignee", &query).await;
    assert_eq!(entry["outcome"], "ok", "{entry}");
    let want = stack
        .expected(
            "jira-server",
            &w.server_id,
            &format!("field=assignee&query={query}&project={}", stack.project.id),
        )
        .await;
    assert!(!want.is_empty());
    let (status, open, options) = shown(&b, "assignee").await;
    assert_eq!(options, want);
    assert!(open);
    let n = want.len();
    assert_eq!(
        status,
        format!("{n} match{}", if n == 1 { "" } else { "es" })
    );
    for (value, label) in &options {
        let u = users
            .iter()
            .find(|u| &u.name == value)
            .unwrap_or_else(|| panic!("{value} is no user of the simulator"));
        assert!(u.projects.is_empty() || u.projects.contains(key), "{value}");
        let email = u
            .email
            .as_ref()
            .map(|e| format!(" - {e}"))
            .unwrap_or_default();
        assert_eq!(label, &format!("{}{email} ({})", u.display_name, u.name));
    }
    // Three keystrokes within the debounce: one request.
    assert_eq!(log_of(&b, "assignee").await, [(query.clone(), "ok".into())]);
    b.screenshot("assignee-matches").await.unwrap();
    let at = pick_with_keys(&b, "assignee", if n > 2 { 3 } else { 1 }).await;
    assert_picked(&b, "assignee", &options[at].0, &options[at].1).await;
    b.screenshot("assignee-picked").await.unwrap();

    // Issue: the Cloud simulator's issues, by a word of the summary.
    let entry = type_and_wait(&b, "issue", "test").await;
    assert_eq!(entry["outcome"], "ok", "{entry}");
    let (_, _, options) = shown(&b, "issue").await;
    assert_eq!(
        options,
        stack
            .expected("jira", &w.cloud_id, "field=externalIssue&query=test")
            .await
    );
    let issues = w.cloud_sim.issues();
    let hsp1 = issues.iter().find(|i| i.key == "HSP-1").unwrap();
    assert!(
        options.contains(&(hsp1.key.clone(), format!("({}) {}", hsp1.key, hsp1.summary))),
        "{options:?}"
    );
    for (value, label) in &options {
        let i = issues.iter().find(|i| &i.key == value).unwrap();
        assert_eq!(label, &format!("({}) {}", i.key, i.summary));
        assert!(i.summary.to_lowercase().contains("test"), "{label}");
    }
    b.screenshot("issue-matches").await.unwrap();
    let at = pick_with_keys(&b, "issue", 1).await;
    assert_picked(&b, "issue", &options[at].0, &options[at].1).await;

    // A custom field: the simulator's "Team" values (cf[10100]).
    let entry = type_and_wait(&b, "team", "team").await;
    assert_eq!(entry["outcome"], "ok", "{entry}");
    let (_, _, options) = shown(&b, "team").await;
    assert_eq!(
        options,
        stack
            .expected("jira", &w.cloud_id, "field=customfield_10100&query=team")
            .await
    );
    assert!(options.len() >= 3, "{options:?}");
    assert!(options.contains(&("Team Alpha".into(), "Team Alpha".into())));
    for (value, label) in &options {
        assert_eq!(value, label);
        assert!(label.to_lowercase().contains("team"), "{label}");
    }
    b.screenshot("team-matches").await.unwrap();
    let at = pick_with_keys(&b, "team", 2).await;
    assert_picked(&b, "team", &options[at].0, &options[at].1).await;
    // Escape closes an open list without picking.
    b.fill("#team", "Pay").await.unwrap();
    settled(&b, "team", "Pay").await;
    let input = b.element("#team").await.unwrap();
    input.send_keys(Key::Escape).await.unwrap();
    let (_, open, _) = shown(&b, "team").await;
    assert!(!open);
    b.screenshot("escape-closes-the-list").await.unwrap();
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn no_match_error_and_a_newer_keystroke_superseding_the_stale_request() {
    let stack = Stack::start().await;
    let b = open(&stack).await;
    let sim = &stack.world.cloud_sim;

    // No match.
    let entry = type_and_wait(&b, "team", "zzqxj").await;
    assert_eq!(entry["outcome"], "ok");
    assert_eq!(entry["count"], 0);
    let (status, open, options) = shown(&b, "team").await;
    assert_eq!(status, "No matches");
    assert!(!open && options.is_empty());
    b.screenshot("no-match").await.unwrap();

    // Jira fails: the service's detail is shown.
    sim.add_fault(Fault::status(500).on(SUGGESTIONS).times(1));
    let entry = type_and_wait(&b, "team", "Charlie").await;
    assert_eq!(entry["outcome"], "error");
    let (status, open, _) = shown(&b, "team").await;
    assert_eq!(
        status,
        "Error: Unable to fetch autocomplete for customfield_10100 from Jira"
    );
    assert!(!open);
    let class = b
        .element("#team-status")
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap();
    assert_eq!(class.as_deref(), Some("status error"));
    b.screenshot("error").await.unwrap();
    sim.clear_faults();

    // A slow answer (which would be an error) to "Pla"; "t" typed while it is in flight aborts
    // it: "Plat" shows, and the stale answer never does.
    sim.add_fault(Fault::status(500).on(SUGGESTIONS).delay(2500).times(1));
    sim.clear_requests();
    b.fill("#team", "Pla").await.unwrap();
    wait_until(
        &b,
        "the request for \"Pla\" in flight",
        r#"return window.pickerLog.some(e => e.picker === "team" && e.query === "Pla");"#,
        Duration::from_secs(5),
    )
    .await;
    let input = b.element("#team").await.unwrap();
    input.send_keys("t").await.unwrap();
    let entry = settled(&b, "team", "Plat").await;
    assert_eq!(entry["outcome"], "ok", "{entry}");
    let log = log_of(&b, "team").await;
    assert_eq!(
        log[log.len() - 2..],
        [
            ("Pla".to_owned(), "aborted".to_owned()),
            ("Plat".to_owned(), "ok".to_owned())
        ]
    );
    let want = stack
        .expected(
            "jira",
            &stack.world.cloud_id,
            "field=customfield_10100&query=Plat",
        )
        .await;
    assert_eq!(
        want,
        [("Platform Team".to_owned(), "Platform Team".to_owned())]
    );
    // Both reached Jira: the first was sent, then abandoned by the page.
    let asked: Vec<String> = sim
        .requests_to(SUGGESTIONS)
        .into_iter()
        .filter_map(|r| {
            r.query
                .into_iter()
                .find(|(k, _)| k == "fieldValue")
                .map(|(_, v)| v)
        })
        .collect();
    assert!(asked.contains(&"Pla".to_owned()), "{asked:?}");
    // Past the slow answer's delay, the page still shows "Plat"'s match, not an error.
    tokio::time::sleep(Duration::from_millis(2800)).await;
    let (status, open, options) = shown(&b, "team").await;
    assert_eq!((status.as_str(), open), ("1 match", true));
    assert_eq!(options, want);
    b.screenshot("superseded").await.unwrap();
    b.close().await.unwrap();
}
