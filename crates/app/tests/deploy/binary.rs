//! What the binary accepts, asked of the binary itself: the `[env: NAME=]` of its help.

use std::collections::BTreeMap;
use std::process::Command;

use crate::common;

/// Variables the binary reads that are not flags (`RUST_LOG`: telemetry; `SECRET_KEY`:
/// `admin::secret_key_from_env`).
pub const ENV_ONLY: [&str; 2] = ["RUST_LOG", "SECRET_KEY"];

/// One `[env: NAME=]` of the help, with what clap says of its value.
#[derive(Debug, Clone, Default)]
pub struct EnvArg {
    pub default: Option<String>,
    pub possible: Vec<String>,
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
pub fn binary_env_args() -> BTreeMap<String, EnvArg> {
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
