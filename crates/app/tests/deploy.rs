//! Deployment files, checked without a Docker engine: `Dockerfile`, `docker-compose.yml` and
//! `.env.example` are parsed and compared with the real binary's flags (its `--help`), and the
//! image's exact `CMD` is run with the image's and compose's environment.
//!
//! Every check is a function returning the problems it found, so the last tests can show that
//! a mutated copy of a file is caught.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_norway::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// Variables the binary reads that are not flags (`RUST_LOG`: telemetry; `SECRET_KEY`:
/// `admin::secret_key_from_env`).
const ENV_ONLY: [&str; 2] = ["RUST_LOG", "SECRET_KEY"];

fn read(name: &str) -> String {
    let path = format!("{ROOT}/{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn fail_on(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s):\n  - {}",
        problems.len(),
        problems.join("\n  - ")
    );
}

// ---------------------------------------------------------------------------------------------
// What the binary accepts, from its own help.

/// One `[env: NAME=]` of the help, with what clap says of its value.
#[derive(Debug, Clone, Default)]
struct EnvArg {
    default: Option<String>,
    possible: Vec<String>,
}

/// Parses clap's short help (`-h`): every option is on one line with its `[env: NAME=]`,
/// `[default: ..]` and `[possible values: ..]`.
fn env_args_from_help(help: &str) -> BTreeMap<String, EnvArg> {
    fn bracket<'a>(line: &'a str, tag: &str) -> Option<&'a str> {
        let start = line.find(tag)? + tag.len();
        let end = line[start..].find(']')? + start;
        Some(&line[start..end])
    }
    let mut out = BTreeMap::new();
    for line in help.lines() {
        let Some(env) = bracket(line, "[env: ") else {
            continue;
        };
        let name = env.split('=').next().unwrap_or_default().trim().to_owned();
        let arg = EnvArg {
            default: bracket(line, "[default: ").map(str::to_owned),
            possible: bracket(line, "[possible values: ")
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
                .unwrap_or_default(),
        };
        out.insert(name, arg);
    }
    out
}

/// Every environment variable `jira-search serve` accepts as a flag (with the global
/// `DATABASE_URL`), asked of the binary itself.
fn binary_env_args() -> BTreeMap<String, EnvArg> {
    let mut all = BTreeMap::new();
    for args in [&["serve", "-h"][..], &["-h"][..]] {
        let out = Command::new(common::BIN)
            .args(args)
            .env_clear()
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "jira-search {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        all.extend(env_args_from_help(&String::from_utf8_lossy(&out.stdout)));
    }
    for name in ["DATABASE_URL", "LISTEN_ADDR", "REDIS_URL"] {
        assert!(
            all.contains_key(name),
            "`jira-search serve -h` no longer prints [env: {name}=]; found {:?}",
            all.keys().collect::<Vec<_>>()
        );
    }
    all
}

// ---------------------------------------------------------------------------------------------
// Dockerfile.

/// One instruction, continuation lines joined.
#[derive(Debug, Clone)]
struct Instr {
    keyword: String,
    args: String,
}

fn dockerfile_instructions(text: &str) -> Vec<Instr> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_empty()) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        let full = std::mem::take(&mut pending);
        let full = full.trim();
        if full.is_empty() {
            continue;
        }
        let (keyword, args) = full.split_once(char::is_whitespace).unwrap_or((full, ""));
        out.push(Instr {
            keyword: keyword.to_ascii_uppercase(),
            args: args.trim().to_owned(),
        });
    }
    out
}

/// The build stages, each starting with its `FROM`.
fn stages(instrs: &[Instr]) -> Vec<Vec<Instr>> {
    let mut out: Vec<Vec<Instr>> = Vec::new();
    for i in instrs {
        if i.keyword == "FROM" || out.is_empty() {
            out.push(Vec::new());
        }
        out.last_mut().unwrap().push(i.clone());
    }
    out
}

fn json_array(s: &str) -> Option<Vec<String>> {
    serde_json::from_str(s.trim()).ok()
}

/// `ENV a=b c=d` (or the legacy `ENV a b`) of every instruction, in order.
fn env_pairs(instrs: &[Instr]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in instrs.iter().filter(|i| i.keyword == "ENV") {
        if !i.args.contains('=') {
            if let Some((k, v)) = i.args.split_once(char::is_whitespace) {
                out.push((k.to_owned(), unquote(v.trim()).to_owned()));
            }
            continue;
        }
        for word in i.args.split_whitespace() {
            if let Some((k, v)) = word.split_once('=') {
                out.push((k.to_owned(), unquote(v).to_owned()));
            }
        }
    }
    out
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

/// What the other files are compared with.
#[derive(Debug, Default)]
struct DockerFacts {
    cmd: Vec<String>,
    env: Vec<(String, String)>,
    expose: Vec<String>,
    volumes: Vec<String>,
}

fn dockerfile_facts(text: &str) -> DockerFacts {
    let instrs = dockerfile_instructions(text);
    let cmd = instrs
        .iter()
        .rev()
        .find(|i| i.keyword == "CMD")
        .and_then(|i| json_array(&i.args))
        .unwrap_or_default();
    let expose = instrs
        .iter()
        .filter(|i| i.keyword == "EXPOSE")
        .flat_map(|i| {
            i.args
                .split_whitespace()
                .map(|p| p.trim_end_matches("/tcp").to_owned())
        })
        .collect();
    let volumes = instrs
        .iter()
        .filter(|i| i.keyword == "VOLUME")
        .flat_map(|i| {
            json_array(&i.args)
                .unwrap_or_else(|| i.args.split_whitespace().map(str::to_owned).collect())
        })
        .collect();
    DockerFacts {
        cmd,
        env: env_pairs(&instrs),
        expose,
        volumes,
    }
}

/// The Dockerfile on its own: stages, build command, user, healthcheck, what is copied.
fn check_dockerfile(text: &str) -> Vec<String> {
    let mut p = Vec::new();
    let instrs = dockerfile_instructions(text);
    let stages = stages(&instrs);
    if stages.len() < 2 {
        p.push(format!(
            "Dockerfile: expected a multi-stage build (2 FROM), found {} FROM",
            stages.len()
        ));
        return p;
    }
    let first_from = &stages[0][0].args;
    if !first_from.to_ascii_lowercase().ends_with(" as build") {
        p.push(format!(
            "Dockerfile: first FROM: expected `... AS build`, found `FROM {first_from}`"
        ));
    }
    let build = &stages[0];
    if !build
        .iter()
        .any(|i| i.keyword == "RUN" && i.args.contains("cargo build --release --locked"))
    {
        p.push("Dockerfile: build stage: no `RUN cargo build --release --locked`".into());
    }
    let runtime = stages.last().unwrap();
    match runtime.iter().rev().find(|i| i.keyword == "USER") {
        None => p.push("Dockerfile: runtime stage: no USER (it would run as root)".into()),
        Some(u) => {
            let user = u.args.split(':').next().unwrap_or_default();
            if user == "root" || user == "0" {
                p.push(format!(
                    "Dockerfile: runtime stage: USER must not be root, found `USER {}`",
                    u.args
                ));
            }
        }
    }
    let copies_binary = runtime.iter().any(|i| {
        let words: Vec<&str> = i.args.split_whitespace().collect();
        i.keyword == "COPY"
            && words.first() == Some(&"--from=build")
            && words.contains(&"/src/target/release/jira-search")
            && matches!(
                words.last(),
                Some(&"/usr/local/bin/jira-search" | &"/usr/local/bin/")
            )
    });
    if !copies_binary {
        p.push(
            "Dockerfile: runtime stage: expected `COPY --from=build /src/target/release/jira-search \
             /usr/local/bin/jira-search` (CMD runs `jira-search` from PATH)"
                .into(),
        );
    }
    match instrs.iter().rev().find(|i| i.keyword == "HEALTHCHECK") {
        None => p.push("Dockerfile: no HEALTHCHECK".into()),
        Some(h) => {
            let cmd = h
                .args
                .find("CMD ")
                .and_then(|at| json_array(&h.args[at + 4..]));
            if cmd.as_deref() != Some(&["jira-search".to_owned(), "healthcheck".to_owned()][..]) {
                p.push(format!(
                    "Dockerfile: HEALTHCHECK: expected CMD [\"jira-search\", \"healthcheck\"], \
                     found `HEALTHCHECK {}`",
                    h.args
                ));
            }
        }
    }
    match instrs.iter().rev().find(|i| i.keyword == "CMD") {
        None => p.push("Dockerfile: no CMD".into()),
        Some(c) => match json_array(&c.args) {
            None => p.push(format!(
                "Dockerfile: CMD: expected the exec form (a JSON array), found `CMD {}`",
                c.args
            )),
            Some(cmd) if cmd.first().map(String::as_str) != Some("jira-search") => p.push(format!(
                "Dockerfile: CMD: expected it to run `jira-search`, found {cmd:?}"
            )),
            Some(_) => {}
        },
    }
    p
}

// ---------------------------------------------------------------------------------------------
// Values.

/// The port of a `host:port` address, as the binary would parse it.
fn listen_port(addr: &str) -> Result<u16, String> {
    addr.parse::<SocketAddr>()
        .map(|a| a.port())
        .map_err(|e| format!("`{addr}` is not an address: {e}"))
}

/// The directory of the SQLite file of `sqlite:///dir/file.db`.
fn sqlite_dir(url: &str) -> Result<String, String> {
    let path = url
        .strip_prefix("sqlite://")
        .ok_or_else(|| format!("`{url}` is not a sqlite:// URL"))?;
    let path = path.split('?').next().unwrap_or_default();
    if !path.starts_with('/') {
        return Err(format!(
            "`{url}`: the file should be an absolute path (in the volume)"
        ));
    }
    let dir = std::path::Path::new(path)
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    Ok(dir)
}

/// Problems of one `NAME=value` given to the container, judged by what the binary accepts.
fn check_env_value(
    file: &str,
    name: &str,
    value: &str,
    accepted: &BTreeMap<String, EnvArg>,
) -> Vec<String> {
    let mut p = Vec::new();
    if name == "SECRET_KEY" {
        if !value.is_empty() {
            p.push(format!(
                "{file}: SECRET_KEY must never be given a value in a committed file"
            ));
        }
        return p;
    }
    if name == "RUST_LOG" {
        return p;
    }
    let Some(arg) = accepted.get(name) else {
        p.push(format!(
            "{file}: `{name}` is not an environment variable of `jira-search serve` \
             (it accepts {:?} and {ENV_ONLY:?})",
            accepted.keys().collect::<Vec<_>>()
        ));
        return p;
    };
    if !arg.possible.is_empty() && !arg.possible.iter().any(|v| v == value) {
        p.push(format!(
            "{file}: {name}: expected one of {:?}, found `{value}`",
            arg.possible
        ));
    }
    let numeric = arg
        .default
        .as_deref()
        .is_some_and(|d| d.parse::<u64>().is_ok());
    if numeric && value.parse::<u64>().is_err() {
        p.push(format!(
            "{file}: {name}: expected a whole number (default {}), found `{value}`",
            arg.default.as_deref().unwrap_or_default()
        ));
    }
    match name {
        "LISTEN_ADDR" => {
            if let Err(e) = listen_port(value) {
                p.push(format!("{file}: LISTEN_ADDR: {e}"));
            }
        }
        "DATABASE_URL" => {
            if let Err(e) = sqlite_dir(value) {
                p.push(format!("{file}: DATABASE_URL: {e}"));
            }
        }
        "REDIS_URL" => match url::Url::parse(value) {
            Ok(u) if matches!(u.scheme(), "redis" | "rediss") && u.host_str().is_some() => {}
            _ => p.push(format!(
                "{file}: REDIS_URL: expected redis://host:port, found `{value}`"
            )),
        },
        _ => {}
    }
    p
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml.

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The `environment:` of a service, as a map or as a list of `NAME=value`.
fn compose_env(service: &Value) -> Vec<(String, String)> {
    match service.get("environment") {
        Some(Value::Mapping(m)) => m
            .iter()
            .filter_map(|(k, v)| Some((scalar(k)?, scalar(v).unwrap_or_default())))
            .collect(),
        Some(Value::Sequence(s)) => s
            .iter()
            .filter_map(scalar)
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (e, String::new()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn string_list(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_sequence()?.iter().map(scalar).collect()
}

/// `docker-compose.yml` against the Dockerfile and the binary.
fn check_compose(
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
    let env_map: BTreeMap<&str, &str> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    for (k, v) in &env {
        p.extend(check_env_value(
            &format!("{svc_name}.environment"),
            k,
            v,
            accepted,
        ));
    }
    for (k, v) in &docker.env {
        p.extend(check_env_value("Dockerfile ENV", k, v, accepted));
    }
    let docker_env: BTreeMap<&str, &str> = docker
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    // What the container sees: the image's ENV, then compose's environment over it.
    let effective = |name: &str| env_map.get(name).or(docker_env.get(name)).copied();

    // Ports.
    let listen = effective("LISTEN_ADDR");
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
    let db_url = effective("DATABASE_URL");
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
    let mounts: Vec<(Option<String>, String)> = svc
        .get("volumes")
        .and_then(Value::as_sequence)
        .map(|vols| {
            vols.iter()
                .filter_map(|v| match v {
                    Value::Mapping(_) => Some((
                        v.get("source").and_then(scalar),
                        v.get("target").and_then(scalar)?,
                    )),
                    other => {
                        let s = scalar(other)?;
                        let parts: Vec<&str> = s.split(':').collect();
                        match parts.as_slice() {
                            [target] => Some((None, (*target).to_owned())),
                            [source, target, ..] => {
                                Some((Some((*source).to_owned()), (*target).to_owned()))
                            }
                            [] => None,
                        }
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(dir) = &db_dir {
        match mounts.iter().find(|(_, target)| target == dir) {
            None => p.push(format!(
                "{svc_name}.volumes: expected a volume at {dir} (the directory of DATABASE_URL \
                 {db_url:?}), found targets {:?}",
                mounts.iter().map(|(_, t)| t).collect::<Vec<_>>()
            )),
            Some((source, _)) => {
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

// ---------------------------------------------------------------------------------------------
// .env.example.

/// `.env.example`: every variable the binary accepts is there (set, or commented out as
/// `# NAME=`), each after a comment; nothing else; values valid and as in compose.
fn check_env_example(
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

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn dockerfile_is_a_slim_non_root_multi_stage_build() {
    fail_on("Dockerfile", &check_dockerfile(&read("Dockerfile")));
}

#[test]
fn compose_agrees_with_the_dockerfile_and_the_binary() {
    let accepted = binary_env_args();
    fail_on(
        "docker-compose.yml",
        &check_compose(&read("docker-compose.yml"), &read("Dockerfile"), &accepted),
    );
}

#[test]
fn env_example_documents_every_variable() {
    let accepted = binary_env_args();
    fail_on(
        ".env.example",
        &check_env_example(
            &read(".env.example"),
            &read("docker-compose.yml"),
            &accepted,
        ),
    );
}

/// Sends `GET path` over a raw socket; the status code and body, or why not.
fn http_get(addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    let mut s =
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).map_err(|e| e.to_string())?;
    let status = buf
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {buf:?}"))?;
    let body = buf
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    Ok((status, body.to_owned()))
}

/// The container's command and environment, run here: the Dockerfile's `CMD` with its `ENV`
/// and compose's `environment`, on a free loopback port, a temporary database and a Redis
/// that is down. Then the image's `HEALTHCHECK` command, before and after the server dies.
#[test]
fn the_images_command_serves_and_its_healthcheck_follows_it() {
    let dockerfile = read("Dockerfile");
    let compose_text = read("docker-compose.yml");
    let docker = dockerfile_facts(&dockerfile);
    let compose: Value = serde_norway::from_str(&compose_text).unwrap();
    let compose_env = compose_env(&compose["services"]["jira-search"]);
    assert_eq!(
        docker.cmd.first().map(String::as_str),
        Some("jira-search"),
        "Dockerfile CMD: expected it to start with jira-search, found {:?}",
        docker.cmd
    );

    let db = common::Db::new();
    let port = common::closed_port();
    let mut env: BTreeMap<String, String> = docker.env.iter().cloned().collect();
    env.extend(compose_env.iter().cloned());
    env.insert("LISTEN_ADDR".into(), format!("127.0.0.1:{port}"));
    env.insert("DATABASE_URL".into(), db.url.clone());
    env.insert("REDIS_URL".into(), "redis://127.0.0.1:1".into());
    let env_of = |listen: &str| {
        let mut e = env.clone();
        e.insert("LISTEN_ADDR".into(), listen.to_owned());
        e
    };

    let log_path = db.dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(common::BIN)
        .args(&docker.cmd[1..])
        .env_clear()
        .envs(&env)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let logs = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "{:?} with the Dockerfile's ENV and compose's environment {env:?} exited ({status}) \
                 instead of serving:\n{}",
                docker.cmd,
                logs()
            );
        }
        match http_get(addr, "/healthz") {
            Ok((200, _)) => break,
            other if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "GET /healthz did not answer 200 within 20 s (last: {other:?}):\n{}",
                    logs()
                );
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }

    let ready = http_get(addr, "/readyz");
    let healthcheck = |listen: &str| {
        Command::new(common::BIN)
            .arg("healthcheck")
            .env_clear()
            .envs(env_of(listen))
            .output()
            .unwrap()
    };
    // As the container's HEALTHCHECK runs it: LISTEN_ADDR says 0.0.0.0, asked on the loopback.
    let alive = healthcheck(&format!("0.0.0.0:{port}"));
    let _ = child.kill();
    let _ = child.wait();
    let dead = healthcheck(&format!("0.0.0.0:{port}"));

    match &ready {
        Ok((200, body)) => assert!(
            body.contains("\"redis\""),
            "GET /readyz: expected the Redis cache of REDIS_URL, found {body}"
        ),
        other => panic!(
            "GET /readyz with Redis down: expected 200, found {other:?}\n{}",
            logs()
        ),
    }
    assert!(
        alive.status.success(),
        "`jira-search healthcheck` (LISTEN_ADDR=0.0.0.0:{port}) against a live server: expected \
         exit 0, found {}: {}",
        alive.status,
        String::from_utf8_lossy(&alive.stderr)
    );
    assert!(
        dead.status.code() == Some(1),
        "`jira-search healthcheck` after the server was killed: expected exit 1 (Docker's \
         \"unhealthy\"; 2 is reserved), found {}: {}",
        dead.status,
        String::from_utf8_lossy(&dead.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// The checks can fail.

#[test]
fn a_mismatched_port_is_caught() {
    let accepted = binary_env_args();
    let compose = read("docker-compose.yml").replace("\"8080:8080\"", "\"8080:9090\"");
    let problems = check_compose(&compose, &read("Dockerfile"), &accepted);
    assert!(
        problems.iter().any(|p| p.contains("container port 9090")),
        "a compose port of 9090 was not reported: {problems:?}"
    );
}

#[test]
fn a_misspelt_or_invalid_variable_is_caught() {
    let accepted = binary_env_args();
    let dockerfile = read("Dockerfile");
    let compose = read("docker-compose.yml");
    assert!(
        compose.contains("JIRA_TIMEOUT_SECONDS:"),
        "docker-compose.yml no longer sets JIRA_TIMEOUT_SECONDS: change this test's mutation"
    );
    let misspelt = compose.replace("JIRA_TIMEOUT_SECONDS:", "JIRA_TIMEOUT_SECOND:");
    let problems = check_compose(&misspelt, &dockerfile, &accepted);
    assert!(
        problems.iter().any(|p| p.contains("`JIRA_TIMEOUT_SECOND`")),
        "JIRA_TIMEOUT_SECOND was not reported: {problems:?}"
    );
    let bad = compose.replace(
        "RUST_LOG: info",
        "RUST_LOG: info\n      LOG_FORMAT: yaml\n      CACHE_TTL_SECONDS_X: \"1\"",
    );
    let problems = check_compose(&bad, &dockerfile, &accepted);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("LOG_FORMAT") && p.contains("yaml"))
            && problems.iter().any(|p| p.contains("CACHE_TTL_SECONDS_X")),
        "LOG_FORMAT: yaml or CACHE_TTL_SECONDS_X was not reported: {problems:?}"
    );
    let bad = compose.replace("CACHE_TTL_SECONDS: \"240\"", "CACHE_TTL_SECONDS: \"4m\"");
    let problems = check_compose(&bad, &dockerfile, &accepted);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("CACHE_TTL_SECONDS") && p.contains("4m")),
        "CACHE_TTL_SECONDS: 4m was not reported: {problems:?}"
    );
    let bad = compose.replace("redis://redis:6379", "redis://localhost:6379");
    let problems = check_compose(&bad, &dockerfile, &accepted);
    assert!(
        problems.iter().any(|p| p.contains("REDIS_URL")),
        "a REDIS_URL not naming the redis service was not reported: {problems:?}"
    );
}

#[test]
fn an_undocumented_flag_or_a_bad_dockerfile_is_caught() {
    let mut accepted = binary_env_args();
    accepted.insert("NEW_FLAG_SECONDS".into(), EnvArg::default());
    let problems = check_env_example(
        &read(".env.example"),
        &read("docker-compose.yml"),
        &accepted,
    );
    assert!(
        problems.iter().any(|p| p.contains("`NEW_FLAG_SECONDS`")),
        "a variable missing from .env.example was not reported: {problems:?}"
    );
    let with_key = format!("{}\n# the key\nSECRET_KEY=abc\n", read(".env.example"));
    let problems = check_env_example(&with_key, &read("docker-compose.yml"), &binary_env_args());
    assert!(
        problems.iter().any(|p| p.contains("SECRET_KEY")),
        "a SECRET_KEY value in .env.example was not reported: {problems:?}"
    );

    let dockerfile = read("Dockerfile");
    for (from, to, expect) in [
        ("USER jira-search", "USER root", "USER must not be root"),
        ("EXPOSE 8080", "EXPOSE 9090", "EXPOSE"),
        ("VOLUME [\"/data\"]", "VOLUME [\"/var/lib/data\"]", "VOLUME"),
        (
            "\"jira-search\", \"healthcheck\"",
            "\"true\"",
            "HEALTHCHECK",
        ),
        (
            "--release --locked",
            "--release",
            "cargo build --release --locked",
        ),
    ] {
        assert!(
            dockerfile.contains(from),
            "Dockerfile no longer contains `{from}`"
        );
        let mutated = dockerfile.replace(from, to);
        let problems: Vec<String> = check_dockerfile(&mutated)
            .into_iter()
            .chain(check_compose(
                &read("docker-compose.yml"),
                &mutated,
                &accepted,
            ))
            .collect();
        assert!(
            problems.iter().any(|p| p.contains(expect)),
            "Dockerfile with `{to}` instead of `{from}`: no problem mentioning {expect:?}: \
             {problems:?}"
        );
    }
}
