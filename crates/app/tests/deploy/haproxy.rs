//! `deploy/haproxy.cfg`, the load balancer of `docker-compose.replicas.yml`: which replicas it
//! sends requests to, on which port, and whether a replica going away costs a request.

use std::collections::BTreeSet;

/// One line of the file, without its comment, with the section it belongs to.
struct Line<'a> {
    section: &'a str,
    words: Vec<&'a str>,
}

const SECTIONS: [&str; 8] = [
    "global",
    "defaults",
    "frontend",
    "backend",
    "listen",
    "resolvers",
    "peers",
    "userlist",
];

fn lines(cfg: &str) -> Vec<Line<'_>> {
    let mut section = "";
    let mut out = Vec::new();
    for raw in cfg.lines() {
        let text = raw.split('#').next().unwrap_or_default();
        let words: Vec<&str> = text.split_whitespace().collect();
        let Some(first) = words.first() else {
            continue;
        };
        if SECTIONS.contains(first) {
            section = first;
        }
        out.push(Line { section, words });
    }
    out
}

/// The ports the frontends listen on (`bind :8080`, `bind *:8080`, `bind 0.0.0.0:8080`).
pub fn bind_ports(cfg: &str) -> Vec<String> {
    lines(cfg)
        .iter()
        .filter(|l| matches!(l.section, "frontend" | "listen") && l.words[0] == "bind")
        .filter_map(|l| l.words.get(1))
        .filter_map(|addr| addr.rsplit(':').next().map(str::to_owned))
        .collect()
}

/// `deploy/haproxy.cfg` against the replicas of the compose file and their port: a `server`
/// for each replica and nothing else, health-checked on `/healthz`, found again by DNS when
/// recreated, and a refused connection retried on another replica.
pub fn check_haproxy(cfg: &str, replicas: &[String], port: &str) -> Vec<String> {
    let file = "deploy/haproxy.cfg";
    let mut p = Vec::new();
    let lines = lines(cfg);
    let proxy = |l: &&Line| matches!(l.section, "defaults" | "backend" | "listen");
    let has = |words: &[&str]| {
        lines
            .iter()
            .filter(proxy)
            .any(|l| l.words.starts_with(words))
    };
    let default_server: Vec<&str> = lines
        .iter()
        .filter(proxy)
        .filter(|l| l.words[0] == "default-server")
        .flat_map(|l| l.words[1..].iter().copied())
        .collect();

    let mut seen = BTreeSet::new();
    for l in lines.iter().filter(|l| l.words[0] == "server") {
        let name = l.words.get(1).copied().unwrap_or_default();
        let addr = l.words.get(2).copied().unwrap_or_default();
        let (host, server_port) = addr.rsplit_once(':').unwrap_or((addr, ""));
        if !replicas.iter().any(|r| r == host) {
            p.push(format!(
                "{file}: server {name} points at `{addr}`, not at a replica of the compose file \
                 ({replicas:?})"
            ));
        }
        if server_port != port {
            p.push(format!(
                "{file}: server {name} `{addr}`: port {server_port:?} differs from the replicas' \
                 LISTEN_ADDR port {port}"
            ));
        }
        let options = || {
            let own: &[&str] = l.words.get(3..).unwrap_or_default();
            own.iter().chain(&default_server)
        };
        if !options().any(|w| *w == "check") {
            p.push(format!(
                "{file}: server {name} is not health-checked (`check` on it or on default-server)"
            ));
        }
        if !options().any(|w| *w == "resolvers") {
            p.push(format!(
                "{file}: server {name} has no `resolvers`: a replica recreated with a new address \
                 would not be found again"
            ));
        }
        seen.insert(host.to_owned());
    }
    for r in replicas {
        if !seen.contains(r) {
            p.push(format!("{file}: no `server` for the replica {r}"));
        }
    }

    let checks_healthz = lines.iter().filter(proxy).any(|l| {
        (l.words.starts_with(&["option", "httpchk"]) || l.words[0] == "http-check")
            && l.words.contains(&"/healthz")
    });
    if !has(&["option", "httpchk"]) || !checks_healthz {
        p.push(format!(
            "{file}: expected `option httpchk GET /healthz` (the service's liveness)"
        ));
    }
    let retries = lines
        .iter()
        .filter(proxy)
        .find(|l| l.words[0] == "retries")
        .and_then(|l| l.words.get(1)?.parse::<u32>().ok())
        .unwrap_or(0);
    if retries == 0 {
        p.push(format!(
            "{file}: expected `retries` of 1 or more: a connection a stopping replica refuses \
             would fail the request"
        ));
    }
    if !has(&["option", "redispatch"]) {
        p.push(format!(
            "{file}: expected `option redispatch`: a retry must go to another replica"
        ));
    }
    // HAProxy retries refused connections by default; a `retry-on` list replaces that default.
    let retry_on: Vec<&Line> = lines
        .iter()
        .filter(proxy)
        .filter(|l| l.words[0] == "retry-on")
        .collect();
    if retry_on.iter().any(|l| !l.words.contains(&"conn-failure")) {
        p.push(format!(
            "{file}: `retry-on` without conn-failure: a refused connection would not be retried"
        ));
    }
    p
}
