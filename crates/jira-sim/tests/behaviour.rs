//! The Jira personalities: what Server and Cloud answer, including the quirks.

mod common;

use common::{get, Resp};
use jira_sim::{start, Flavor, SimConfig, SimHandle, SimProject, SimUser};
use serde_json::json;

fn user(name: &str, display: &str, email: Option<&str>, active: bool) -> SimUser {
    SimUser {
        name: name.into(),
        key: format!("JIRAUSER9{name}"),
        account_id: format!("acc-{name}"),
        display_name: display.into(),
        email: email.map(str::to_string),
        active,
        projects: Vec::new(),
    }
}

fn fixtures() -> (Vec<SimUser>, Vec<SimProject>) {
    let mut only_zed = user("zzmember", "Zed Member", Some("zed@example.org"), true);
    only_zed.projects = vec!["ZED".into()];
    (
        vec![
            user("jdoe", "Jane Doe", Some("jane.doe@example.org"), true),
            user("jsmith", "John Smith", None, true),
            user("gone", "Gone Person", Some("gone@example.org"), false),
            only_zed,
        ],
        vec![SimProject {
            id: "20000".into(),
            key: "ZED".into(),
            name: "Zed Project".into(),
        }],
    )
}

async fn sim(flavor: Flavor, users: usize, projects: usize) -> SimHandle {
    let (extra_users, extra_projects) = fixtures();
    start(SimConfig {
        flavor,
        users,
        projects,
        extra_users,
        extra_projects,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

fn error_body(r: &Resp) -> serde_json::Value {
    r.json()
}

#[tokio::test]
async fn server_filters_by_username_and_ignores_query() {
    let sim = sim(Flavor::Server, 200, 3).await;
    let base = sim.base_url();
    let key = sim.projects()[0].key.clone();

    let unfiltered = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project={key}"
    ))
    .await;
    assert_eq!(unfiltered.status, 200);
    assert_eq!(unfiltered.field("name").len(), 50, "default page is 50");

    // `query` is not a Server parameter: the first page comes back unfiltered.
    let ignored = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project={key}&query=nobodyatall"
    ))
    .await;
    assert_eq!(ignored.status, 200);
    assert_eq!(ignored.field("name"), unfiltered.field("name"));

    let jane = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project={key}&username=JANE"
    ))
    .await;
    let names = jane.field("name");
    assert!(names.contains(&"jdoe".to_string()), "{names:?}");
    for u in jane.json().as_array().unwrap() {
        let display = u["displayName"].as_str().unwrap().to_lowercase();
        let name = u["name"].as_str().unwrap();
        let email = u["emailAddress"].as_str().unwrap_or("");
        assert!(
            name.starts_with("jane")
                || display.split_whitespace().any(|w| w.starts_with("jane"))
                || email.starts_with("jane"),
            "{u}"
        );
    }

    // Word prefix on the display name, and prefix on the e-mail.
    let by_last = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project={key}&username=do"
    ))
    .await;
    assert!(by_last.field("name").contains(&"jdoe".to_string()));
    let by_email = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project={key}&username=jane.doe%40exa"
    ))
    .await;
    assert_eq!(by_email.field("name"), vec!["jdoe"]);

    // Inactive users are never assignable; project-restricted ones only in their project.
    let gone = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project={key}&username=gone"
    ))
    .await;
    assert!(gone.field("name").is_empty());
    let zed_elsewhere = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project={key}&username=zed"
    ))
    .await;
    assert!(!zed_elsewhere
        .field("name")
        .contains(&"zzmember".to_string()));
    let zed_home = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project=zed&username=zed"
    ))
    .await;
    assert!(zed_home.field("name").contains(&"zzmember".to_string()));

    // Server shape.
    let u = &jane.json()[0];
    assert!(u["name"].is_string() && u["key"].is_string() && u["self"].is_string());
    assert!(u.get("accountId").is_none());
    assert!(u["avatarUrls"]["48x48"].is_string());
    assert!(u["timeZone"].is_string());
    assert_eq!(u["active"], json!(true));

    // maxResults caps at 100; startAt pages.
    let big = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project={key}&maxResults=500"
    ))
    .await;
    assert_eq!(big.field("name").len(), 100);
    let second = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project={key}&startAt=1&maxResults=2"
    ))
    .await;
    assert_eq!(second.field("name"), big.field("name")[1..3].to_vec());
}

#[tokio::test]
async fn server_user_search() {
    let sim = sim(Flavor::Server, 30, 2).await;
    let base = sim.base_url();
    for url in [
        format!("{base}/rest/api/2/user/search"),
        format!("{base}/rest/api/2/user/search?username="),
        format!("{base}/rest/api/2/user/search?query=jane"),
    ] {
        let r = get(&url).await;
        assert_eq!(r.status, 400, "{url}");
        assert_eq!(
            error_body(&r),
            json!({"errorMessages":["The username query parameter was not provided"],"errors":{}})
        );
    }
    let r = get(&format!("{base}/rest/api/2/user/search?username=gone")).await;
    assert!(r.field("name").is_empty(), "inactive hidden by default");
    let r = get(&format!(
        "{base}/rest/api/2/user/search?username=gone&includeInactive=true"
    ))
    .await;
    assert_eq!(r.field("name"), vec!["gone"]);
    let r = get(&format!("{base}/rest/api/2/user/search?username=john+sm")).await;
    assert_eq!(r.field("name"), vec!["jsmith"]);
    assert!(r.json()[0].get("emailAddress").is_none(), "no e-mail");

    // No v3 on Server.
    let r = get(&format!("{base}/rest/api/3/user/search?query=jane")).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn assignable_search_needs_a_project_or_issue() {
    for flavor in [Flavor::Server, Flavor::Cloud] {
        let sim = sim(flavor, 10, 2).await;
        let base = sim.base_url();
        for suffix in ["username=jane", "query=jane", "project=&query=jane"] {
            let r = get(&format!(
                "{base}/rest/api/2/user/assignable/search?{suffix}"
            ))
            .await;
            assert_eq!(r.status, 400, "{flavor:?} {suffix}");
            assert_eq!(
                error_body(&r),
                json!({"errorMessages":["No project, issue key or issue ID was provided"],"errors":{}})
            );
        }
        // An issue key names the project.
        let issue = sim.issues()[0].key.clone();
        let r = get(&format!(
            "{base}/rest/api/2/user/assignable/search?issueKey={issue}"
        ))
        .await;
        assert_eq!(r.status, 200, "{flavor:?}");
        let r = get(&format!(
            "{base}/rest/api/2/user/assignable/search?issueKey=NOPE-1"
        ))
        .await;
        assert_eq!(r.status, 404);
    }
}

#[tokio::test]
async fn unknown_project_is_404() {
    let sim = sim(Flavor::Server, 10, 2).await;
    let base = sim.base_url();
    let r = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project=NOPE&username=j"
    ))
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        error_body(&r),
        json!({"errorMessages":["No project could be found with key 'NOPE'."],"errors":{}})
    );
    // Server's `project` is a key: an id is an unknown key.
    let r = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project=10000&username=j"
    ))
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        error_body(&r)["errorMessages"][0],
        "No project could be found with key '10000'."
    );
    let r = get(&format!("{base}/rest/api/2/project/NOPE")).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        error_body(&r),
        json!({"errorMessages":["No project could be found with key 'NOPE'."],"errors":{}})
    );
}

#[tokio::test]
async fn server_projects() {
    let sim = sim(Flavor::Server, 5, 40).await;
    let base = sim.base_url();
    let all = get(&format!("{base}/rest/api/2/project")).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.json().as_array().unwrap().len(), 41);
    let first = &sim.projects()[0];
    let by_id = get(&format!("{base}/rest/api/2/project/{}", first.id)).await;
    assert_eq!(by_id.status, 200);
    let p = by_id.json();
    assert_eq!(p["id"], json!(first.id));
    assert_eq!(p["key"], json!(first.key));
    assert_eq!(p["name"], json!(first.name));
    assert_eq!(p["projectTypeKey"], json!("software"));
    assert!(p["self"].as_str().unwrap().starts_with(&base));
    assert!(p["avatarUrls"]["48x48"].is_string());
    let by_key = get(&format!(
        "{base}/rest/api/2/project/{}",
        first.key.to_lowercase()
    ))
    .await;
    assert_eq!(by_key.json()["id"], json!(first.id));
    // No paged project search on Server: "search" is taken for a key.
    let r = get(&format!("{base}/rest/api/2/project/search?query=a")).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["errorMessages"][0],
        "No project could be found with key 'search'."
    );
    let info = get(&format!("{base}/rest/api/2/serverInfo")).await.json();
    assert_eq!(info["deploymentType"], "Server");
    assert_eq!(info["baseUrl"], json!(base));
    let r = get(&format!("{base}/rest/api/2/nosuch")).await;
    assert_eq!(r.status, 404);
    let r = common::send("POST", &format!("{base}/rest/api/2/project"), &[], "{}")
        .await
        .unwrap();
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn cloud_user_searches() {
    let sim = sim(Flavor::Cloud, 120, 3).await;
    let base = sim.base_url();
    let key = sim.projects()[0].key.clone();

    for v in ["2", "3"] {
        let r = get(&format!("{base}/rest/api/{v}/user/search?query=jane")).await;
        assert_eq!(r.status, 200);
        let ids = r.field("accountId");
        assert!(ids.contains(&"acc-jdoe".to_string()), "{ids:?}");
        for u in r.json().as_array().unwrap() {
            assert!(u.get("name").is_none() && u.get("key").is_none());
            assert_eq!(u["accountType"], "atlassian");
            assert_eq!(u["active"], json!(true));
        }
        // `username` is gone on Cloud: without query/accountId/property it is a 400.
        let r = get(&format!("{base}/rest/api/{v}/user/search?username=jane")).await;
        assert_eq!(r.status, 400);
        let r = get(&format!(
            "{base}/rest/api/{v}/user/search?query=jane&accountId=acc-jdoe"
        ))
        .await;
        assert_eq!(r.status, 400);
    }
    let r = get(&format!(
        "{base}/rest/api/3/user/search?accountId=acc-jsmith"
    ))
    .await;
    assert_eq!(r.field("accountId"), vec!["acc-jsmith"]);
    assert!(r.json()[0].get("emailAddress").is_none());
    let r = get(&format!("{base}/rest/api/3/user/search?query=gone")).await;
    assert!(r.field("accountId").is_empty(), "active users only");
    let r = get(&format!("{base}/rest/api/3/user/search?query=jane.doe%40")).await;
    assert_eq!(r.field("accountId"), vec!["acc-jdoe"]);
    let r = get(&format!("{base}/rest/api/3/user/search?query=oe")).await;
    assert!(
        !r.field("accountId").contains(&"acc-jdoe".to_string()),
        "prefix only"
    );

    // Assignable: `query` filters on Cloud, `username` is ignored.
    let r = get(&format!(
        "{base}/rest/api/3/user/assignable/search?project={key}&query=jane"
    ))
    .await;
    assert!(r.field("accountId").contains(&"acc-jdoe".to_string()));
    assert!(r.json().as_array().unwrap().len() < 50);
    let r = get(&format!(
        "{base}/rest/api/2/user/assignable/search?project={key}&query=jane&accountId=acc-jdoe"
    ))
    .await;
    assert_eq!(r.status, 400);
    // Cloud takes a project id too (keys are case-sensitive there).
    let id = sim.projects()[0].id.clone();
    let r = get(&format!(
        "{base}/rest/api/3/user/assignable/search?project={id}&query=jane"
    ))
    .await;
    assert!(r.field("accountId").contains(&"acc-jdoe".to_string()));
    let r = get(&format!(
        "{base}/rest/api/3/user/assignable/search?project={}&query=jane",
        key.to_lowercase()
    ))
    .await;
    assert_eq!(r.status, 404);
    let info = get(&format!("{base}/rest/api/3/serverInfo")).await.json();
    assert_eq!(info["deploymentType"], "Cloud");
}

#[tokio::test]
async fn cloud_project_search_pages() {
    let sim = sim(Flavor::Cloud, 5, 120).await;
    let base = sim.base_url();
    let r = get(&format!("{base}/rest/api/2/project/search?maxResults=500")).await;
    assert_eq!(r.status, 200);
    let page = r.json();
    assert_eq!(page["maxResults"], 100);
    assert_eq!(page["startAt"], 0);
    assert_eq!(page["total"], 121);
    assert_eq!(page["isLast"], false);
    assert_eq!(page["values"].as_array().unwrap().len(), 100);
    let next = page["nextPage"].as_str().unwrap().to_string();
    assert!(
        next.starts_with(&base) && next.contains("startAt=100"),
        "{next}"
    );
    let last = get(&next).await.json();
    assert_eq!(last["values"].as_array().unwrap().len(), 21);
    assert_eq!(last["isLast"], true);
    assert!(last.get("nextPage").is_none());

    let r = get(&format!("{base}/rest/api/3/project/search?query=zed"))
        .await
        .json();
    let keys: Vec<&str> = r["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"ZED"), "{keys:?}");
    for p in r["values"].as_array().unwrap() {
        let text = format!("{} {}", p["key"], p["name"]).to_lowercase();
        assert!(text.contains("zed"));
        assert!(p["id"].is_string());
    }
    // The deprecated list still answers on Cloud.
    let all = get(&format!("{base}/rest/api/2/project")).await;
    assert_eq!(all.json().as_array().unwrap().len(), 121);
}

#[tokio::test]
async fn hidden_emails_on_server() {
    let (extra_users, _) = fixtures();
    let sim = start(SimConfig {
        hide_emails: true,
        users: 3,
        extra_users,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let r = get(&format!(
        "{}/rest/api/2/user/search?username=jane",
        sim.base_url()
    ))
    .await;
    assert_eq!(r.field("name"), vec!["jdoe"]);
    assert!(r.json()[0].get("emailAddress").is_none());
}

#[tokio::test]
async fn context_path() {
    let sim = start(SimConfig {
        context_path: "/jira/".into(),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let base = sim.base_url();
    assert_eq!(base, format!("http://{}/jira", sim.addr()));
    let r = get(&format!("{base}/rest/api/2/serverInfo")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["baseUrl"], json!(base));
    let p = get(&format!("{base}/rest/api/2/project/10000"))
        .await
        .json();
    assert!(p["self"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{base}/rest/api/2/project/")));
    let outside = get(&format!("http://{}/rest/api/2/serverInfo", sim.addr())).await;
    assert_eq!(outside.status, 404);
    let log = sim.requests();
    assert_eq!(log[0].path, "/jira/rest/api/2/serverInfo");
    assert_eq!(log[2].path, "/rest/api/2/serverInfo");
    assert_eq!(sim.requests_to("/rest/api/2/project").len(), 1);
}

#[tokio::test]
async fn generation_is_deterministic_and_scales() {
    let seeded = |seed| {
        start(SimConfig {
            users: 300,
            projects: 50,
            seed,
            ..SimConfig::default()
        })
    };
    let a = seeded(42).await.unwrap();
    let b = seeded(42).await.unwrap();
    let c = seeded(43).await.unwrap();
    assert_eq!(a.users(), b.users());
    assert_eq!(a.projects(), b.projects());
    assert_ne!(a.users(), c.users());
    let url = |s: &SimHandle| format!("{}/rest/api/2/user/search?username=a", s.base_url());
    assert_eq!(
        get(&url(&a)).await.body.replace(&a.base_url(), ""),
        get(&url(&b)).await.body.replace(&b.base_url(), "")
    );

    let big = start(SimConfig {
        users: 5000,
        projects: 2000,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    assert_eq!(big.users().len(), 5000);
    assert_eq!(big.projects().len(), 2000);
    let someone = big.users().into_iter().find(|u| u.active).unwrap();
    let first_word = someone
        .display_name
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let r = get(&format!(
        "{}/rest/api/2/user/search?username={}&maxResults=100",
        big.base_url(),
        url::form_urlencoded::byte_serialize(first_word.as_bytes()).collect::<String>()
    ))
    .await;
    assert_eq!(r.status, 200);
    assert!(!r.field("name").is_empty());
    let all = get(&format!("{}/rest/api/2/project", big.base_url())).await;
    assert_eq!(all.json().as_array().unwrap().len(), 2000);
}

#[tokio::test]
async fn issue_search_and_autocomplete() {
    let server = sim(Flavor::Server, 5, 3).await;
    let base = server.base_url();
    let issue = server.issues()[0].clone();
    let q = |jql: &str| url::form_urlencoded::byte_serialize(jql.as_bytes()).collect::<String>();
    let r = get(&format!(
        "{base}/rest/api/2/search?jql={}",
        q(&format!("id=\"{}\"", issue.key.to_lowercase()))
    ))
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    assert_eq!(body["total"], 1);
    assert_eq!(body["issues"][0]["key"], json!(issue.key));
    assert_eq!(body["issues"][0]["fields"]["summary"], json!(issue.summary));
    let word = issue.summary.split_whitespace().next().unwrap();
    let r = get(&format!(
        "{base}/rest/api/2/search?jql={}",
        q(&format!("text ~ \"{word}\""))
    ))
    .await;
    assert!(r.json()["issues"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["key"] == json!(issue.key)));
    // A trailing backslash escaping the closing quote is a JQL error.
    let r = get(&format!(
        "{base}/rest/api/2/search?jql={}",
        q("text ~ \"foo\\\"")
    ))
    .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["errorMessages"][0]
        .as_str()
        .unwrap()
        .starts_with("Error in the JQL Query"));
    let r = get(&format!(
        "{base}/rest/api/2/search?jql={}",
        q("id=\"NOPE-1\"")
    ))
    .await;
    assert_eq!(r.status, 400);
    let r = get(&format!(
        "{base}/rest/api/2/search/jql?jql={}",
        q("text ~ \"x\"")
    ))
    .await;
    assert_eq!(r.status, 404, "no enhanced search on Server");

    let r = get(&format!(
        "{base}/rest/api/2/jql/autocompletedata/suggestions?fieldName=sprint&fieldValue=Sp"
    ))
    .await;
    assert_eq!(
        r.json()["results"][0],
        json!({"value":"1","displayName":"<b>Sp</b>rint 1 (1)"})
    );
    let r = get(&format!(
        "{base}/rest/api/2/jql/autocompletedata/suggestions?fieldName=labels&fieldValue=r"
    ))
    .await;
    let results = r.json()["results"].as_array().unwrap().clone();
    assert!(
        results.contains(&json!({"value":"R&D","displayName":"<b>R</b>&amp;D"})),
        "{results:?}"
    );
    let r = get(&format!("{base}/rest/api/2/jql/autocompletedata/suggestions?fieldName=cf%5B10100%5D&fieldValue=team")).await;
    assert!(!r.json()["results"].as_array().unwrap().is_empty());

    let cloud = sim(Flavor::Cloud, 5, 3).await;
    let base = cloud.base_url();
    let issue = cloud.issues()[0].clone();
    let r = get(&format!(
        "{base}/rest/api/2/search?jql={}",
        q("text ~ \"x\"")
    ))
    .await;
    assert_eq!(r.status, 410);
    let r = get(&format!(
        "{base}/rest/api/2/search/jql?jql={}&fields=summary",
        q(&format!("id=\"{}\"", issue.key))
    ))
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let body = r.json();
    assert_eq!(body["isLast"], true);
    assert_eq!(body["issues"][0]["key"], json!(issue.key));
    assert_eq!(body["issues"][0]["fields"]["summary"], json!(issue.summary));
    // Without `fields` the enhanced search returns ids only.
    let r = get(&format!(
        "{base}/rest/api/3/search/jql?jql={}",
        q(&format!("key = {}", issue.key))
    ))
    .await;
    assert_eq!(r.json()["issues"][0], json!({"id": issue.id}));
    let r = get(&format!("{base}/rest/api/3/search/jql?jql=")).await;
    assert_eq!(r.status, 400, "unbounded");
}

#[tokio::test]
async fn http2_prior_knowledge() {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let sim = sim(Flavor::Server, 5, 2).await;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    let resp = client
        .get(
            format!("{}/rest/api/2/serverInfo", sim.base_url())
                .parse()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), hyper::Version::HTTP_2);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("deploymentType"));
}
