//! Deployment files, checked without a Docker engine: `Dockerfile`, `docker-compose.yml`,
//! `docker-compose.replicas.yml` (with `deploy/haproxy.cfg`) and `.env.example` are parsed and
//! compared with the real binary's flags (its `--help`), and the image's exact `CMD` is run with
//! the image's and compose's environment. (`make deploy-test` runs the compose files for real.)
//!
//! Every check is a function returning the problems it found, so the last tests can show that
//! a mutated copy of a file is caught. The checks live in `tests/deploy/` (one file each for
//! the binary's flags, the environment values, the Dockerfile, each compose file, the load
//! balancer's configuration and `.env.example`, plus a raw HTTP GET); the tests are all here.

mod common;

#[path = "deploy/binary.rs"]
mod binary;
#[path = "deploy/compose.rs"]
mod compose;
#[path = "deploy/dockerfile.rs"]
mod dockerfile;
#[path = "deploy/env.rs"]
mod env;
#[path = "deploy/env_example.rs"]
mod env_example;
#[path = "deploy/haproxy.rs"]
mod haproxy;
#[path = "deploy/raw_http.rs"]
mod raw_http;
#[path = "deploy/replicas.rs"]
mod replicas;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_norway::Value;

use binary::{binary_env_args, EnvArg};
use compose::{check_compose, compose_env};
use dockerfile::{check_dockerfile, dockerfile_facts};
use env::container_env;
use env_example::check_env_example;
use raw_http::{http_get, HttpAnswer};
use replicas::check_replicas;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// A file of the repository, by its path from the root.
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
// The files agree with each other and with the binary.

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

/// A file of the repository, or None when there is none (for the files compose mounts).
fn read_optional(name: &str) -> Option<String> {
    std::fs::read_to_string(format!("{ROOT}/{name}")).ok()
}

#[test]
fn replicas_compose_agrees_with_the_dockerfile_the_binary_and_the_load_balancer() {
    let accepted = binary_env_args();
    fail_on(
        "docker-compose.replicas.yml",
        &check_replicas(
            &read("docker-compose.replicas.yml"),
            &read("Dockerfile"),
            &read_optional,
            &accepted,
        ),
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
    let mut env = container_env(&docker.env, &compose_env);
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
            Ok(HttpAnswer { status: 200, .. }) => break,
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
        Ok(HttpAnswer { status: 200, body }) => assert!(
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

/// A Dockerfile edit and what a problem found in the mutated file must mention.
struct DockerfileMutation {
    from: &'static str,
    to: &'static str,
    expect: &'static str,
}

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
    let mutations = [
        DockerfileMutation {
            from: "USER jira-search",
            to: "USER root",
            expect: "USER must not be root",
        },
        DockerfileMutation {
            from: "EXPOSE 8080",
            to: "EXPOSE 9090",
            expect: "EXPOSE",
        },
        DockerfileMutation {
            from: "VOLUME [\"/data\"]",
            to: "VOLUME [\"/var/lib/data\"]",
            expect: "VOLUME",
        },
        DockerfileMutation {
            from: "\"jira-search\", \"healthcheck\"",
            to: "\"true\"",
            expect: "HEALTHCHECK",
        },
        DockerfileMutation {
            from: "--release --locked",
            to: "--release",
            expect: "cargo build --release --locked",
        },
    ];
    for DockerfileMutation { from, to, expect } in mutations {
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

/// An edit of docker-compose.replicas.yml or deploy/haproxy.cfg and what a problem found in
/// the mutated files must mention.
struct ReplicasMutation {
    file: &'static str,
    from: &'static str,
    to: &'static str,
    expect: &'static str,
}

#[test]
fn a_broken_replicas_file_or_load_balancer_is_caught() {
    let accepted = binary_env_args();
    let compose = read("docker-compose.replicas.yml");
    let cfg = read("deploy/haproxy.cfg");
    let secret = "${SECRET_KEY:?set SECRET_KEY in .env}";
    let mutations = [
        ReplicasMutation {
            file: "compose",
            from: secret,
            to: "c2VjcmV0LWtleS1pbi10aGUtZmlsZS0zMi1ieXRlcyE=",
            expect: "SECRET_KEY",
        },
        ReplicasMutation {
            file: "compose",
            from: "@postgres:5432/",
            to: "@localhost:5432/",
            expect: "DATABASE_URL",
        },
        ReplicasMutation {
            file: "compose",
            from: "redis://redis:6379",
            to: "redis://cache:6379",
            expect: "REDIS_URL",
        },
        ReplicasMutation {
            file: "compose",
            from: "\"pg_isready\"",
            to: "\"true\"",
            expect: "pg_isready",
        },
        ReplicasMutation {
            file: "compose",
            from: "postgres-data:/var/lib/postgresql/data",
            to: "/srv/pg:/var/lib/postgresql/data",
            expect: "named volume",
        },
        ReplicasMutation {
            file: "compose",
            from: "stop_grace_period: 15s",
            to: "stop_grace_period: 5s",
            expect: "stop_grace_period",
        },
        ReplicasMutation {
            file: "compose",
            from: "  jira-search-2:\n    <<: *jira-search\n",
            to: "  jira-search-2:\n    <<: *jira-search\n    ports: [\"8081:8080\"]\n",
            expect: "jira-search-2.ports",
        },
        ReplicasMutation {
            file: "compose",
            from: "  jira-search-3:\n    <<: *jira-search\n",
            to: "  jira-search-3:\n    <<: *jira-search\n    environment:\n      \
                 LISTEN_ADDR: 0.0.0.0:8080\n",
            expect: "differs",
        },
        ReplicasMutation {
            file: "haproxy",
            from: "    server jira-search-3 jira-search-3:8080\n",
            to: "",
            expect: "no `server` for the replica jira-search-3",
        },
        ReplicasMutation {
            file: "haproxy",
            from: "server jira-search-2 jira-search-2:8080",
            to: "server jira-search-2 jira-search-2:9090",
            expect: "9090",
        },
        ReplicasMutation {
            file: "haproxy",
            from: "    option redispatch 1\n",
            to: "",
            expect: "redispatch",
        },
        ReplicasMutation {
            file: "haproxy",
            from: "option httpchk GET /healthz",
            to: "option httpchk GET /",
            expect: "/healthz",
        },
        ReplicasMutation {
            file: "haproxy",
            from: " resolvers container-dns",
            to: "",
            expect: "resolvers",
        },
    ];
    for ReplicasMutation {
        file,
        from,
        to,
        expect,
    } in mutations
    {
        let original = if file == "compose" { &compose } else { &cfg };
        assert!(
            original.contains(from),
            "{file} no longer contains `{from}`: change this test's mutation"
        );
        let mutated = original.replace(from, to);
        let (compose_text, cfg_text) = if file == "compose" {
            (mutated, cfg.clone())
        } else {
            (compose.clone(), mutated)
        };
        let read_mutated = |name: &str| {
            if name == "deploy/haproxy.cfg" {
                Some(cfg_text.clone())
            } else {
                read_optional(name)
            }
        };
        let problems = check_replicas(&compose_text, &read("Dockerfile"), &read_mutated, &accepted);
        assert!(
            problems.iter().any(|p| p.contains(expect)),
            "{file} with `{to}` instead of `{from}`: no problem mentioning {expect:?}: {problems:?}"
        );
    }
}
