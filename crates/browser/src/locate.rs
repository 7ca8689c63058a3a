//! Where things are: the two programs, the workspace's target directory, and the running
//! test's name (for the screenshots' folder).

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::BrowserError;

/// A program to find: its name on `PATH`, the environment variable that overrides it, and
/// where Debian installs it.
pub(crate) struct Program {
    /// The name on `PATH` (and in messages).
    pub(crate) name: &'static str,
    /// The environment variable naming it.
    pub(crate) env: &'static str,
    /// Where Debian's package puts it.
    pub(crate) debian: &'static str,
}

/// Debian's `chromium-driver` package.
pub(crate) const CHROMEDRIVER: Program = Program {
    name: "chromedriver",
    env: "CHROMEDRIVER",
    debian: "/usr/bin/chromedriver",
};

/// Debian's `chromium` package (a shell wrapper that runs /usr/lib/chromium/chromium).
pub(crate) const CHROMIUM: Program = Program {
    name: "chromium",
    env: "CHROMIUM",
    debian: "/usr/bin/chromium",
};

impl Program {
    /// Finds the program from the process's environment; see [`Program::find_in`].
    pub(crate) fn find(&self) -> Result<PathBuf, BrowserError> {
        self.find_in(std::env::var_os(self.env), std::env::var_os("PATH"))
    }

    /// The program named by the variable `env_value` when it is set (and then nothing else:
    /// a variable that points nowhere is a mistake to report, not to paper over), else the
    /// Debian path, else the first one on `path`.
    pub(crate) fn find_in(
        &self,
        env_value: Option<OsString>,
        path: Option<OsString>,
    ) -> Result<PathBuf, BrowserError> {
        if let Some(value) = env_value.filter(|v| !v.is_empty()) {
            let candidate = PathBuf::from(&value);
            if is_executable(&candidate) {
                return Ok(candidate);
            }
            return Err(BrowserError::NotInstalled {
                program: self.name,
                tried: format!("{}={} is no executable file", self.env, candidate.display()),
            });
        }
        let debian = Path::new(self.debian);
        if is_executable(debian) {
            return Ok(debian.to_path_buf());
        }
        path.iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join(self.name))
            .find(|candidate| is_executable(candidate))
            .ok_or_else(|| BrowserError::NotInstalled {
                program: self.name,
                tried: format!("{} unset, no {}, none on PATH", self.env, self.debian),
            })
    }
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The workspace's target directory: `CARGO_TARGET_DIR` when set, else the ancestor of the
/// running test binary that holds cargo's `CACHEDIR.TAG` (so `--target-dir` and profiles are
/// respected), else `target/` at the root of the workspace this crate was built in.
pub(crate) fn target_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return workspace.join(dir); // an absolute `dir` replaces `workspace`
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .skip(1)
                .find(|dir| dir.join("CACHEDIR.TAG").is_file())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| workspace.join("target"))
}

/// The folder of a test's screenshots below `target/browser/`: `<test binary>/<test name>`,
/// e.g. `flows/sign_in.with_a_token` for the test `sign_in::with_a_token` in `tests/flows.rs`.
/// libtest names each test's thread after the test (and `#[tokio::test]` runs its body on that
/// thread); `name` replaces the test's name when given.
pub(crate) fn shots_folder(name: Option<&str>) -> PathBuf {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|stem| strip_hash(&stem).to_owned())
        .unwrap_or_else(|| "tests".to_owned());
    let thread = std::thread::current();
    let test = name
        .or_else(|| thread.name().filter(|n| *n != "main"))
        .unwrap_or("unnamed");
    Path::new(&file_name(&binary)).join(file_name(&test.replace("::", ".")))
}

/// `flows-0123456789abcdef` -> `flows`: cargo suffixes test binaries with a hash.
fn strip_hash(stem: &str) -> &str {
    match stem.rsplit_once('-') {
        Some((base, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            base
        }
        _ => stem,
    }
}

/// `text` with anything but ASCII letters, digits, `.`, `-` and `_` replaced by `_`, no
/// leading dot, and at most 100 characters: safe as a visible file name on any system and in
/// any shell.
pub(crate) fn file_name(text: &str) -> String {
    let name: String = text
        .chars()
        .take(100)
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' => c,
            _ => '_',
        })
        .collect();
    match name.trim_start_matches('.') {
        "" => "_".to_owned(),
        visible => visible.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_pointing_nowhere_is_reported_with_the_install_hint() {
        let err = CHROMEDRIVER
            .find_in(Some("/nonexistent/chromedriver".into()), None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("CHROMEDRIVER=/nonexistent/chromedriver"),
            "{err}"
        );
        assert!(
            err.contains("apt-get install chromium chromium-driver"),
            "{err}"
        );
        assert!(err.contains("make test"), "{err}");
    }

    #[test]
    fn an_empty_variable_counts_as_unset_and_path_is_searched() {
        let program = Program {
            name: "sh",
            env: "X",
            debian: "/nonexistent/sh",
        };
        let found = program
            .find_in(Some("".into()), Some("/nonexistent:/bin:/usr/bin".into()))
            .unwrap();
        assert!(found.ends_with("sh"), "{}", found.display());
    }

    #[test]
    fn hashes_and_unsafe_characters_leave_file_names() {
        assert_eq!(strip_hash("flows-0123456789abcdef"), "flows");
        assert_eq!(strip_hash("jira-sim"), "jira-sim");
        assert_eq!(file_name("sign in/out"), "sign_in_out");
        assert_eq!(file_name(".."), "_");
        assert_eq!(file_name(&"x".repeat(300)).len(), 100);
    }
}
