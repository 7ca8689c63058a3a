//! `docker-compose.replicas.yml`: the replicas (services `jira-search-N`) against the
//! Dockerfile and the binary as in `docker-compose.yml`, plus what several replicas need: one
//! environment for all, PostgreSQL and Redis they wait for, a SECRET_KEY never written in the
//! file, and a load balancer whose configuration names them (`deploy/haproxy.cfg`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_norway::{Mapping, Value};

use crate::binary::EnvArg;
use crate::compose::{compose_env, compose_mounts, scalar, string_list};
use crate::dockerfile::dockerfile_facts;
use crate::env::{check_env_value, container_env, listen_port, postgres_url};
use crate::haproxy::{bind_ports, check_haproxy};

const FILE: &str = "docker-compose.replicas.yml";
/// Where the official HAProxy image reads its configuration.
const HAPROXY_CFG: &str = "/usr/local/etc/haproxy/haproxy.cfg";

/// The names of the `${NAME}`, `${NAME:?message}`, `${NAME:-default}`... of a value.
pub fn interpolated_names(value: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = value;
    while let Some(at) = rest.find("${") {
        let inner = &rest[at + 2..];
        let end = inner.find('}').unwrap_or(inner.len());
        let name = inner[..end]
            .split([':', '-', '?', '+'])
            .next()
            .unwrap_or_default();
        names.push(name.to_owned());
        rest = inner.get(end + 1..).unwrap_or_default();
    }
    names
}

/// The value with each `${...}` replaced by what `with` gives for its name.
fn interpolate(value: &str, with: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let inner = &rest[at + 2..];
        let end = inner.find('}').unwrap_or(inner.len());
        let name = inner[..end]
            .split([':', '-', '?', '+'])
            .next()
            .unwrap_or_default();
        out.push_str(&with(name));
        rest = inner.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Is the value exactly one `${NAME...}` that makes compose stop when NAME is unset (`:?`)?
fn required_from_env(value: &str, name: &str) -> bool {
    value.starts_with(&format!("${{{name}:?"))
        && value.ends_with('}')
        && value.matches("${").count() == 1
}

/// `15s`, `1m30s`, `500ms` or a number of seconds, as compose reads `stop_grace_period`.
fn compose_duration(text: &str) -> Option<Duration> {
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = std::mem::take(&mut number).parse().ok()?;
        total += match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                Duration::from_millis(n)
            }
            ('h', _) => Duration::from_secs(n * 3600),
            ('m', _) => Duration::from_secs(n * 60),
            ('s', _) => Duration::from_secs(n),
            _ => return None,
        };
    }
    number.is_empty().then_some(total)
}

fn service<'a>(services: &'a Mapping, name: &str) -> Option<&'a Value> {
    services.get(Value::String(name.to_owned()))
}

fn healthcheck_test(service: &Value) -> Vec<String> {
    let test = service.get("healthcheck").and_then(|h| h.get("test"));
    match test {
        Some(Value::String(s)) => vec![s.clone()],
        other => string_list(other).unwrap_or_default(),
    }
}

fn depends_healthy(service: &Value, on: &str) -> bool {
    let condition = service
        .get("depends_on")
        .and_then(|d| d.get(on))
        .and_then(|d| d.get("condition"))
        .and_then(scalar);
    condition.as_deref() == Some("service_healthy")
}

/// A replica's DATABASE_URL: the file's PostgreSQL service, the user and database it makes,
/// its password from ${POSTGRES_PASSWORD}; the replica waits for it to be healthy.
fn check_database_url(at: &str, replica: &Value, db_url: &str, services: &Mapping) -> Vec<String> {
    let at = format!("{at}.environment.DATABASE_URL");
    let url = match postgres_url(&interpolate(db_url, |_| "password".into())) {
        Ok(url) => url,
        Err(e) => return vec![format!("{at}: {e} (replicas share PostgreSQL)")],
    };
    let mut p = Vec::new();
    let postgres = service(services, &url.host).filter(|s| {
        s.get("image")
            .and_then(scalar)
            .is_some_and(|i| i.starts_with("postgres:"))
    });
    let Some(postgres) = postgres else {
        return vec![format!(
            "{at}: host `{}` is not a postgres service of the file",
            url.host
        )];
    };
    let env: BTreeMap<String, String> = compose_env(postgres)
        .into_iter()
        .map(|v| (v.name, v.value))
        .collect();
    let user = env.get("POSTGRES_USER").map_or("postgres", String::as_str);
    let db = env.get("POSTGRES_DB").map_or(user, String::as_str);
    if url.user != user || url.database != db {
        p.push(format!(
            "{at}: user `{}`, database `{}`; the {} service makes user `{user}`, database `{db}`",
            url.user, url.database, url.host
        ));
    }
    if !db_url.contains("${POSTGRES_PASSWORD") {
        p.push(format!(
            "{at}: the password should be ${{POSTGRES_PASSWORD}}, the one {} is given",
            url.host
        ));
    }
    if !depends_healthy(replica, &url.host) {
        p.push(format!(
            "{at}: the replica should wait for {} (depends_on condition service_healthy)",
            url.host
        ));
    }
    p
}

/// `docker-compose.replicas.yml` against the Dockerfile, the binary and the load balancer's
/// configuration (`read` gives a file of the repository by its path in the compose file).
pub fn check_replicas(
    compose_text: &str,
    dockerfile_text: &str,
    read: &dyn Fn(&str) -> Option<String>,
    accepted: &BTreeMap<String, EnvArg>,
) -> Vec<String> {
    let mut p = Vec::new();
    let mut compose: Value = match serde_norway::from_str(compose_text) {
        Ok(v) => v,
        Err(e) => return vec![format!("{FILE}: not valid YAML: {e}")],
    };
    if let Err(e) = compose.apply_merge() {
        return vec![format!("{FILE}: a merge key (<<) does not apply: {e}")];
    }
    let docker = dockerfile_facts(dockerfile_text);
    let Some(services) = compose.get("services").and_then(Value::as_mapping) else {
        return vec![format!("{FILE}: no services")];
    };
    let replicas: Vec<String> = services
        .keys()
        .filter_map(scalar)
        .filter(|n| n.starts_with("jira-search"))
        .collect();
    if replicas.len() < 2 {
        return vec![format!(
            "{FILE}: expected two or more replicas (services jira-search-N), found {replicas:?}"
        )];
    }

    // Every replica: the image's command, one environment, PostgreSQL and Redis.
    let first_env: Vec<_> = compose_env(&services[replicas[0].as_str()]);
    let mut port = None;
    for name in &replicas {
        let svc = &services[name.as_str()];
        let at = format!("{FILE} services.{name}");
        if svc.get("build").is_none() {
            p.push(format!(
                "{at}: no `build` (the image is built from the Dockerfile)"
            ));
        }
        let command = string_list(svc.get("command"));
        if command.as_ref() != Some(&docker.cmd) {
            p.push(format!(
                "{at}.command: expected the Dockerfile's CMD {:?}, found {command:?}",
                docker.cmd
            ));
        }
        if svc.get("ports").is_some() {
            p.push(format!(
                "{at}.ports: a replica publishes no port; requests reach it through the load \
                 balancer"
            ));
        }
        if svc.get("restart").and_then(scalar).is_none() {
            p.push(format!(
                "{at}: no `restart` policy: a replica that stops stays down"
            ));
        }
        let env = compose_env(svc);
        if env != first_env {
            p.push(format!(
                "{at}.environment differs from {}'s: every replica needs the same settings",
                replicas[0]
            ));
        }
        let raw: BTreeMap<String, String> = env
            .iter()
            .map(|v| (v.name.clone(), v.value.clone()))
            .collect();
        match raw.get("SECRET_KEY") {
            Some(v) if required_from_env(v, "SECRET_KEY") => {}
            other => p.push(format!(
                "{at}.environment.SECRET_KEY: expected `${{SECRET_KEY:?...}}` (one key for every \
                 replica, from the environment or .env, never in the file), found {other:?}"
            )),
        }
        for var in &env {
            for used in interpolated_names(&var.value) {
                if !matches!(used.as_str(), "SECRET_KEY" | "POSTGRES_PASSWORD") {
                    p.push(format!(
                        "{at}.environment.{}: unexpected ${{{used}}}",
                        var.name
                    ));
                }
            }
            let value = if var.name == "SECRET_KEY" {
                String::new()
            } else {
                interpolate(&var.value, |_| "password".into())
            };
            p.extend(check_env_value(
                &format!("{at}.environment"),
                &var.name,
                &value,
                accepted,
            ));
        }
        let effective = container_env(&docker.env, &env);
        match effective.get("LISTEN_ADDR").map(|a| listen_port(a)) {
            Some(Ok(lp)) if docker.expose.contains(&lp.to_string()) => port = Some(lp.to_string()),
            other => p.push(format!(
                "{at}: LISTEN_ADDR: expected the Dockerfile's EXPOSE {:?}, found {other:?}",
                docker.expose
            )),
        }
        let db_url = raw.get("DATABASE_URL").cloned().unwrap_or_default();
        p.extend(check_database_url(&at, svc, &db_url, services));
        let redis_host = raw
            .get("REDIS_URL")
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_owned));
        match redis_host {
            Some(h) if service(services, &h).is_some() => {
                if !depends_healthy(svc, &h) {
                    p.push(format!(
                        "{at}.depends_on.{h}.condition: expected service_healthy"
                    ));
                }
            }
            other => p.push(format!(
                "{at}.environment.REDIS_URL: expected a Redis service of the file, found host \
                 {other:?}"
            )),
        }
        // Compose sends SIGKILL after stop_grace_period (default 10 s): in-flight requests get
        // SHUTDOWN_GRACE_SECONDS (default 10) only when it is longer.
        let grace: u64 = effective
            .get("SHUTDOWN_GRACE_SECONDS")
            .and_then(|s| s.parse().ok())
            .unwrap_or(10);
        let stop = svc
            .get("stop_grace_period")
            .and_then(scalar)
            .map(|s| (compose_duration(&s), s));
        if !matches!(&stop, Some((Some(d), _)) if d.as_secs() > grace) {
            p.push(format!(
                "{at}.stop_grace_period: expected more than SHUTDOWN_GRACE_SECONDS ({grace} s), \
                 found {:?}",
                stop.map(|(_, s)| s)
            ));
        }
    }

    // PostgreSQL and Redis: healthy before the replicas start, PostgreSQL's data on a volume.
    for (name, svc) in services.iter().filter_map(|(k, v)| Some((scalar(k)?, v))) {
        let image = svc.get("image").and_then(scalar).unwrap_or_default();
        let test = healthcheck_test(svc).join(" ");
        if image.starts_with("postgres:") {
            if !test.contains("pg_isready") {
                p.push(format!(
                    "{FILE} services.{name}.healthcheck: expected pg_isready, found `{test}`"
                ));
            }
            let pg_env: BTreeMap<String, String> = compose_env(svc)
                .into_iter()
                .map(|v| (v.name, v.value))
                .collect();
            match pg_env.get("POSTGRES_PASSWORD") {
                Some(v) if required_from_env(v, "POSTGRES_PASSWORD") => {}
                other => p.push(format!(
                    "{FILE} services.{name}.environment.POSTGRES_PASSWORD: expected \
                     `${{POSTGRES_PASSWORD:?...}}` (never in the file), found {other:?}"
                )),
            }
            let data = pg_env
                .get("PGDATA")
                .cloned()
                .unwrap_or("/var/lib/postgresql/data".into());
            let named = compose_mounts(svc)
                .into_iter()
                .find(|m| m.target == data)
                .and_then(|m| m.source);
            let declared = named.as_ref().is_some_and(|n| {
                compose
                    .get("volumes")
                    .and_then(Value::as_mapping)
                    .is_some_and(|m| m.contains_key(Value::String(n.clone())))
            });
            if !declared {
                p.push(format!(
                    "{FILE} services.{name}.volumes: expected a named volume (declared at the top \
                     level) at {data}, found {named:?}"
                ));
            }
        }
        if image.starts_with("redis:") && test.trim().is_empty() {
            p.push(format!(
                "{FILE} services.{name}.healthcheck: expected a command (the replicas wait for it)"
            ));
        }
    }

    // The load balancer: its configuration mounted from the repository, naming every replica.
    let lb = services
        .iter()
        .find(|(_, s)| compose_mounts(s).iter().any(|m| m.target == HAPROXY_CFG));
    let Some((lb_name, lb)) = lb else {
        p.push(format!(
            "{FILE}: no service mounts a configuration at {HAPROXY_CFG} (the load balancer)"
        ));
        return p;
    };
    let at = format!("{FILE} services.{}", scalar(lb_name).unwrap_or_default());
    if healthcheck_test(lb).join(" ").trim().is_empty() {
        p.push(format!("{at}.healthcheck: expected a command"));
    }
    let source = compose_mounts(lb)
        .into_iter()
        .find(|m| m.target == HAPROXY_CFG)
        .and_then(|m| m.source);
    let cfg = source
        .as_deref()
        .and_then(|s| read(s.trim_start_matches("./")));
    let Some(cfg) = cfg else {
        p.push(format!(
            "{at}.volumes: {source:?} is not a file of the repository"
        ));
        return p;
    };
    p.extend(check_haproxy(
        &cfg,
        &replicas,
        port.as_deref().unwrap_or("8080"),
    ));
    let published: Vec<String> = string_list(lb.get("ports"))
        .unwrap_or_default()
        .iter()
        .map(|s| s.rsplit(':').next().unwrap_or_default().to_owned())
        .collect();
    let binds = bind_ports(&cfg);
    if published.is_empty() || !published.iter().all(|port| binds.contains(port)) {
        p.push(format!(
            "{at}.ports: expected the port the load balancer binds ({binds:?}), found {published:?}"
        ));
    }
    p
}
