//! `docker-compose.yml`: its service `jira-search` against the Dockerfile and the binary
//! (command, environment, ports, the database's volume) and its service `redis`.

use std::collections::BTreeMap;

use serde_norway::Value;

use crate::binary::EnvArg;
use crate::dockerfile::dockerfile_facts;
use crate::env::{check_env_value, container_env, listen_port, sqlite_dir, EnvVar};

/// A YAML scalar as text (a number or a boolean as written).
pub fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The `environment:` of a service, as a map or as a list of `NAME=value`.
pub fn compose_env(service: &Value) -> Vec<EnvVar> {
    match service.get("environment") {
        Some(Value::Mapping(m)) => m
            .iter()
            .filter_map(|(k, v)| {
                Some(EnvVar {
                    name: scalar(k)?,
                    value: scalar(v).unwrap_or_default(),
                })
            })
            .collect(),
        Some(Value::Sequence(s)) => s
            .iter()
            .filter_map(scalar)
            .map(|e| match e.split_once('=') {
                Some((name, value)) => EnvVar::new(name, value),
                None => EnvVar {
                    name: e,
                    value: String::new(),
                },
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A sequence of scalars (a service's `command`, a healthcheck's `test`).
pub fn string_list(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_sequence()?.iter().map(scalar).collect()
}

/// One entry of a service's `volumes:`: `source:target[:mode]`, a bare `target`, or the long
/// form with `source` and `target`.
#[derive(Debug)]
pub struct Mount {
    pub source: Option<String>,
    pub target: String,
}

pub fn compose_mounts(service: &Value) -> Vec<Mount> {
    service
        .get("volumes")
        .and_then(Value::as_sequence)
        .map(|vols| {
            vols.iter()
                .filter_map(|v| match v {
                    Value::Mapping(_) => Some(Mount {
                        source: v.get("source").and_then(scalar),
                        target: v.get("target").and_then(scalar)?,
                    }),
                    other => {
                        let s = scalar(other)?;
                        let parts: Vec<&str> = s.split(':').collect();
                        match parts.as_slice() {
                            [target] => Some(Mount {
                                source: None,
                                target: (*target).to_owned(),
                            }),
                            [source, target, ..] => Some(Mount {
                                source: Some((*source).to_owned()),
                                target: (*target).to_owned(),
                            }),
                            [] => None,
                        }
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `docker-compose.yml` against the Dockerfile and the binary.
pub fn check_compose(
    compose_text: &str,
    dockerfile_text: &str,
    accepted: &BTreeMap<String, EnvArg>,
) -> Vec<String> {
    let mut p = Vec::new();
    let compose: Value = match serde_norway::from_str(compose_text) {
        Ok(v) => v,
        Err(e) => return vec![format!("docker-compose.yml: not valid YAML: {e}")],
    };
    let docker = dockerfile_facts(dockerfile_text);
    let Some(svc) = compose.get("services").and_then(|s| s.get("jira-search")) else {
        return vec!["docker-compose.yml: no service `jira-search`".into()];
    };
    let svc_name = "docker-compose.yml services.jira-search";

    if svc.get("build").is_none() {
        p.push(format!(
            "{svc_name}: no `build` (the image is built from the Dockerfile)"
        ));
    }
    let command = string_list(svc.get("command"));
    if command.as_ref() != Some(&docker.cmd) {
        p.push(format!(
            "{svc_name}.command: expected the Dockerfile's CMD {:?}, found {command:?}",
            docker.cmd
        ));
    }

    // Environment: names and values.
    let env = compose_env(svc);
    let env_map: BTreeMap<&str, &str> = env
        .iter()
        .map(|var| (var.name.as_str(), var.value.as_str()))
        .collect();
    for var in &env {
        p.extend(check_env_value(
            &format!("{svc_name}.environment"),
            &var.name,
            &var.value,
            accepted,
        ));
    }
    for var in &docker.env {
        p.extend(check_env_value(
            "Dockerfile ENV",
            &var.name,
            &var.value,
            accepted,
        ));
    }
    let docker_env: BTreeMap<&str, &str> = docker
        .env
        .iter()
        .map(|var| (var.name.as_str(), var.value.as_str()))
        .collect();
    // What the container sees: the image's ENV, then compose's environment over it.
    let effective = container_env(&docker.env, &env);

    // Ports.
    let listen = effective.get("LISTEN_ADDR").map(String::as_str);
    let listen_port = listen
        .and_then(|a| listen_port(a).ok())
        .map(|p| p.to_string());
    if listen_port.is_none() {
        p.push(format!(
            "{svc_name}: LISTEN_ADDR: expected host:port (from environment or the Dockerfile's \
             ENV), found {listen:?}"
        ));
    }
    let container_ports: Vec<String> = svc
        .get("ports")
        .and_then(Value::as_sequence)
        .map(|ports| {
            ports
                .iter()
                .filter_map(|port| match port {
                    Value::Mapping(_) => port.get("target").and_then(scalar),
                    other => scalar(other).map(|s| {
                        let s = s.split('/').next().unwrap_or_default();
                        s.rsplit(':').next().unwrap_or_default().to_owned()
                    }),
                })
                .collect()
        })
        .unwrap_or_default();
    if container_ports.is_empty() {
        p.push(format!("{svc_name}.ports: none published"));
    }
    for port in &container_ports {
        if Some(port) != listen_port.as_ref() {
            p.push(format!(
                "{svc_name}.ports: container port {port} differs from the port of LISTEN_ADDR \
                 {listen:?}"
            ));
        }
        if !docker.expose.contains(port) {
            p.push(format!(
                "{svc_name}.ports: container port {port} differs from the Dockerfile's EXPOSE {:?}",
                docker.expose
            ));
        }
    }
    if let Some(lp) = &listen_port {
        if !docker.expose.contains(lp) {
            p.push(format!(
                "Dockerfile EXPOSE {:?} differs from the port {lp} of LISTEN_ADDR {listen:?}",
                docker.expose
            ));
        }
    }

    // Volume of the SQLite file.
    let db_url = effective.get("DATABASE_URL").map(String::as_str);
    let db_dir = match db_url.map(sqlite_dir) {
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            p.push(format!("{svc_name}: DATABASE_URL: {e}"));
            None
        }
        None => {
            p.push(format!(
                "{svc_name}: no DATABASE_URL (the default is a relative file)"
            ));
            None
        }
    };
    if let (Some(docker_url), Some(dir)) = (docker_env.get("DATABASE_URL"), &db_dir) {
        match sqlite_dir(docker_url) {
            Ok(d) if &d == dir => {}
            other => p.push(format!(
                "Dockerfile ENV DATABASE_URL `{docker_url}` is in {other:?}, compose's in {dir}"
            )),
        }
    }
    let mounts = compose_mounts(svc);
    if let Some(dir) = &db_dir {
        match mounts.iter().find(|mount| &mount.target == dir) {
            None => p.push(format!(
                "{svc_name}.volumes: expected a volume at {dir} (the directory of DATABASE_URL \
                 {db_url:?}), found targets {:?}",
                mounts.iter().map(|mount| &mount.target).collect::<Vec<_>>()
            )),
            Some(Mount { source, .. }) => {
                let named = source
                    .as_deref()
                    .filter(|s| !s.starts_with('.') && !s.starts_with('/') && !s.starts_with('~'));
                match named {
                    None => p.push(format!(
                        "{svc_name}.volumes: the volume at {dir} should be a named volume, found \
                         source {source:?}"
                    )),
                    Some(name) => {
                        let declared = compose
                            .get("volumes")
                            .and_then(Value::as_mapping)
                            .is_some_and(|m| m.contains_key(Value::String(name.to_owned())));
                        if !declared {
                            p.push(format!(
                                "docker-compose.yml volumes: the named volume `{name}` used by \
                                 jira-search is not declared at the top level"
                            ));
                        }
                    }
                }
            }
        }
        if !docker.volumes.contains(dir) {
            p.push(format!(
                "Dockerfile VOLUME {:?} differs from {dir}, the directory of DATABASE_URL {db_url:?}",
                docker.volumes
            ));
        }
    }

    // Redis.
    let condition = svc
        .get("depends_on")
        .and_then(|d| d.get("redis"))
        .and_then(|r| r.get("condition"))
        .and_then(scalar);
    if condition.as_deref() != Some("service_healthy") {
        p.push(format!(
            "{svc_name}.depends_on.redis.condition: expected service_healthy, found {condition:?}"
        ));
    }
    let redis = compose.get("services").and_then(|s| s.get("redis"));
    match redis {
        None => p.push("docker-compose.yml: no service `redis`".into()),
        Some(r) => {
            let test = r.get("healthcheck").and_then(|h| h.get("test"));
            let empty = match test {
                Some(Value::Sequence(s)) => s.is_empty(),
                Some(Value::String(s)) => s.trim().is_empty(),
                _ => true,
            };
            if empty {
                p.push(format!(
                    "docker-compose.yml services.redis.healthcheck.test: expected a command, \
                     found {test:?} (depends_on waits for service_healthy)"
                ));
            }
        }
    }
    match env_map.get("REDIS_URL") {
        None => p.push(format!(
            "{svc_name}.environment: no REDIS_URL (the redis service is unused)"
        )),
        Some(u) => {
            let host = url::Url::parse(u)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned));
            if host.as_deref() != Some("redis") {
                p.push(format!(
                    "{svc_name}.environment.REDIS_URL: expected host `redis` (the service's \
                     name), found {host:?} in `{u}`"
                ));
            }
        }
    }
    p
}
