//! The processes under measurement (jira-sim, jira-search) and what /proc says about them.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Warning lines kept by [`Bins::service_logged`] (a soak's Jira faults make many).
const MAX_WARNINGS: u64 = 200_000;

/// How long a service may take to print its address.
const SERVICE_START: Duration = Duration::from_secs(60);

/// A child process, killed by its PID when dropped.
pub struct Proc {
    child: Child,
}

impl Proc {
    /// Takes over a started child: it is killed (by its PID) and reaped when dropped.
    pub fn from_child(child: Child) -> Self {
        Self { child }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM (with `kill`, by its PID), so it shuts down as it would in production
    /// (and a tool running it writes its output); [`Proc::exited`] tells when it is done.
    pub fn terminate(&self) -> Result<(), String> {
        let pid = self.pid().to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .map_err(|e| format!("kill -TERM {pid}: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("kill -TERM {pid}: {status}"))
        }
    }

    /// Whether it has exited (it is reaped then); never blocks.
    pub fn exited(&mut self) -> Result<bool, String> {
        self.child
            .try_wait()
            .map(|status| status.is_some())
            .map_err(|e| format!("process {}: {e}", self.pid()))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the release binaries are.
#[derive(Clone)]
pub struct Bins(pub PathBuf);

impl Bins {
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Starts `jira-sim` with `args`; returns it and its base URL (its first stdout line).
    pub fn sim(&self, args: &[&str]) -> Result<(Proc, String), String> {
        let mut child = Command::new(self.path("jira-sim"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start jira-sim from {}: {e}", self.0.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let proc = Proc { child };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            for _ in lines {}
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| format!("jira-sim {args:?} printed no base URL"))?;
        Ok((proc, url.trim().to_owned()))
    }

    /// Starts `jira-search serve` on 127.0.0.1:0 with `env`; returns it and its address.
    pub fn service(
        &self,
        database_url: &str,
        env: &[(&str, &str)],
    ) -> Result<(Proc, SocketAddr), String> {
        self.service_logged(database_url, env, None)
    }

    /// [`Bins::service`], writing its `WARN` and `ERROR` lines to `warnings` when given.
    pub fn service_logged(
        &self,
        database_url: &str,
        env: &[(&str, &str)],
        warnings: Option<&Path>,
    ) -> Result<(Proc, SocketAddr), String> {
        let command = Command::new(self.path("jira-search"));
        self.start_service(command, database_url, env, warnings, SERVICE_START)
    }

    /// [`Bins::service`] run by `wrapper` (a program and its arguments, e.g.
    /// `valgrind --tool=callgrind`), which may take up to `start` to print the address.
    pub fn service_wrapped(
        &self,
        wrapper: &[String],
        database_url: &str,
        env: &[(&str, &str)],
        start: Duration,
    ) -> Result<(Proc, SocketAddr), String> {
        let (program, args) = wrapper.split_first().ok_or("an empty wrapper")?;
        let mut command = Command::new(program);
        command.args(args).arg(self.path("jira-search"));
        self.start_service(command, database_url, env, None, start)
    }

    fn start_service(
        &self,
        mut command: Command,
        database_url: &str,
        env: &[(&str, &str)],
        warnings: Option<&Path>,
        start: Duration,
    ) -> Result<(Proc, SocketAddr), String> {
        let mut sink = match warnings {
            Some(path) => Some(
                std::fs::File::create(path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?,
            ),
            None => None,
        };
        let mut child = command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LISTEN_ADDR", "127.0.0.1:0")
            .env_remove("REDIS_URL")
            .env_remove("SECRET_KEY")
            .env_remove("LOG_FORMAT")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start jira-search: {e}"))?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let proc = Proc { child };
        let (tx, rx) = mpsc::channel();
        // The log is read (and dropped) as the service writes it, like a log shipper would.
        std::thread::spawn(move || {
            let mut sent = false;
            let mut kept = 0u64;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(file) = sink.as_mut() {
                    if line.contains("WARN") || line.contains("ERROR") {
                        kept += 1;
                        if kept <= MAX_WARNINGS {
                            let _ = writeln!(file, "{line}");
                        } else if kept == MAX_WARNINGS + 1 {
                            let _ = writeln!(file, "(no more lines kept: at most {MAX_WARNINGS})");
                        }
                    }
                }
                if !sent {
                    if let Some(i) = line.find("listening on http://") {
                        let addr: String = line[i + 20..]
                            .chars()
                            .take_while(|c| !c.is_whitespace() && *c != '"')
                            .collect();
                        let _ = tx.send(addr);
                        sent = true;
                    }
                }
            }
        });
        let addr = rx
            .recv_timeout(start)
            .map_err(|_| "jira-search did not start".to_owned())?;
        let addr = addr
            .parse()
            .map_err(|e| format!("bad address {addr}: {e}"))?;
        Ok((proc, addr))
    }

    /// Runs a `jira-search` command with `stdin`; returns its trimmed stdout.
    pub fn cli(&self, database_url: &str, args: &[&str], stdin: &str) -> Result<String, String> {
        let mut child = Command::new(self.path("jira-search"))
            .args(args)
            .env("DATABASE_URL", database_url)
            .env_remove("SECRET_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run jira-search: {e}"))?;
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin.as_bytes());
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("jira-search {args:?}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "jira-search {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}

/// CPU time (user + system) of a process in clock ticks (USER_HZ, 100 per second on Linux).
pub fn cpu_ticks(pid: &str) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // Fields after the command name (which may hold spaces) start at field 3.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return 0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the state (field 3).
    get(11) + get(12)
}

/// A `Vm*` line of /proc/PID/status, in KiB (e.g. `VmHWM`, the peak resident set).
pub fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field).and_then(|v| v.strip_prefix(':')))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A path inside the repository (the bench runs from its root).
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}
