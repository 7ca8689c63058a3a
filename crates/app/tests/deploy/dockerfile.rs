//! The Dockerfile: its instructions parsed (continuation lines joined), what the other files
//! are compared with (`DockerFacts`), and the checks of the file on its own.

use crate::env::EnvVar;

/// One instruction, continuation lines joined.
#[derive(Debug, Clone)]
pub struct Instruction {
    pub keyword: String,
    pub args: String,
}

fn dockerfile_instructions(text: &str) -> Vec<Instruction> {
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
        out.push(Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.trim().to_owned(),
        });
    }
    out
}

/// The build stages, each starting with its `FROM`.
fn stages(instructions: &[Instruction]) -> Vec<Vec<Instruction>> {
    let mut out: Vec<Vec<Instruction>> = Vec::new();
    for i in instructions {
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
fn env_vars(instructions: &[Instruction]) -> Vec<EnvVar> {
    let mut out = Vec::new();
    for i in instructions.iter().filter(|i| i.keyword == "ENV") {
        if !i.args.contains('=') {
            if let Some((name, value)) = i.args.split_once(char::is_whitespace) {
                out.push(EnvVar::new(name, unquote(value.trim())));
            }
            continue;
        }
        for word in i.args.split_whitespace() {
            if let Some((name, value)) = word.split_once('=') {
                out.push(EnvVar::new(name, unquote(value)));
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
pub struct DockerFacts {
    pub cmd: Vec<String>,
    pub env: Vec<EnvVar>,
    pub expose: Vec<String>,
    pub volumes: Vec<String>,
}

pub fn dockerfile_facts(text: &str) -> DockerFacts {
    let instructions = dockerfile_instructions(text);
    let cmd = instructions
        .iter()
        .rev()
        .find(|i| i.keyword == "CMD")
        .and_then(|i| json_array(&i.args))
        .unwrap_or_default();
    let expose = instructions
        .iter()
        .filter(|i| i.keyword == "EXPOSE")
        .flat_map(|i| {
            i.args
                .split_whitespace()
                .map(|p| p.trim_end_matches("/tcp").to_owned())
        })
        .collect();
    let volumes = instructions
        .iter()
        .filter(|i| i.keyword == "VOLUME")
        .flat_map(|i| {
            json_array(&i.args)
                .unwrap_or_else(|| i.args.split_whitespace().map(str::to_owned).collect())
        })
        .collect();
    DockerFacts {
        cmd,
        env: env_vars(&instructions),
        expose,
        volumes,
    }
}

/// The Dockerfile on its own: stages, build command, user, healthcheck, what is copied.
pub fn check_dockerfile(text: &str) -> Vec<String> {
    let mut p = Vec::new();
    let instructions = dockerfile_instructions(text);
    let stages = stages(&instructions);
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
    match instructions
        .iter()
        .rev()
        .find(|i| i.keyword == "HEALTHCHECK")
    {
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
    match instructions.iter().rev().find(|i| i.keyword == "CMD") {
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
