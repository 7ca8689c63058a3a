//! Instructions per request, counted by `valgrind --tool=callgrind`: a figure that does not
//! depend on the machine's noise. The release `jira-search` runs under callgrind (every thread
//! counted into one total) once with [`K1`] and once with [`K2`] requests, each after one
//! warm-up request, back to back on one keep-alive connection, then stops on SIGTERM; the
//! difference of the two totals over `K2 - K1` is what one request costs, start-up and
//! shutdown cancelled out. Two targets: the cache-hit user search (in-process cache, SQLite
//! store) and `/healthz`.
//!
//! `jira-search-bench callgrind [--bin-dir target/release] [--k1 100] [--k2 2100]` measures just
//! this and prints it (see [`main`]); `make bench` measures it as its `callgrind` section.

mod output;

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::load::{self, Target};
use crate::measure::path_fn;
use crate::procs::{Bins, Proc};
use crate::report;
use crate::results::{Callgrind, Instructions};
use crate::world::{self, Db};

/// Requests of the short run.
pub const K1: u64 = 100;

/// Requests of the long run.
pub const K2: u64 = 2100;

/// How long the service may take to start under callgrind (about 50 times slower).
const START: Duration = Duration::from_secs(120);

/// How long one request may take under callgrind.
const REQUEST: Duration = Duration::from_secs(30);

/// How long the service may take to drain, stop and let callgrind write its file.
const EXIT: Duration = Duration::from_secs(60);

/// How often the exit is looked for.
const EXIT_POLL: Duration = Duration::from_millis(20);

/// What a callgrind run sends.
#[derive(Clone, Copy)]
enum Probe {
    /// The cache-hit user search (its first request, the warm-up, is the miss).
    Hit,
    /// `/healthz`.
    Healthz,
}

impl Probe {
    fn name(self) -> &'static str {
        match self {
            Probe::Hit => "hit",
            Probe::Healthz => "healthz",
        }
    }
}

/// The service's database and the cache-hit search to send through it.
pub struct Fixture<'a> {
    /// Where the release binaries are.
    pub bins: &'a Bins,
    /// `DATABASE_URL` of a database with the org, its token and the integration.
    pub database_url: &'a str,
    /// The org's caller token.
    pub token: &'a str,
    /// The path (and query) of the cache-hit user search.
    pub hit_path: String,
}

/// Counts both targets with `k1` and `k2` requests (`k1 < k2`).
pub async fn measure(fixture: &Fixture<'_>, k1: u64, k2: u64) -> Result<Callgrind, String> {
    if k1 >= k2 {
        return Err(format!("callgrind: K1 ({k1}) must be below K2 ({k2})"));
    }
    check_valgrind()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let hit = count_both(fixture, dir.path(), Probe::Hit, k1, k2).await?;
    let healthz = count_both(fixture, dir.path(), Probe::Healthz, k1, k2).await?;
    Ok(Callgrind {
        k1,
        k2,
        hit,
        healthz,
    })
}

/// The cache hit alone with `k1` and `k2` requests (`k1 < k2`): the store comparison's figure.
pub async fn measure_hits(fixture: &Fixture<'_>, k1: u64, k2: u64) -> Result<Instructions, String> {
    if k1 >= k2 {
        return Err(format!("callgrind: K1 ({k1}) must be below K2 ({k2})"));
    }
    check_valgrind()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    count_both(fixture, dir.path(), Probe::Hit, k1, k2).await
}

/// The instructions of `probe` with `k1` and with `k2` requests.
async fn count_both(
    fixture: &Fixture<'_>,
    dir: &Path,
    probe: Probe,
    k1: u64,
    k2: u64,
) -> Result<Instructions, String> {
    eprintln!(
        "bench: callgrind, {} with {k1} and {k2} requests",
        probe.name()
    );
    Ok(Instructions {
        at_k1: count(fixture, dir, probe, k1).await?,
        at_k2: count(fixture, dir, probe, k2).await?,
    })
}

/// Whether `valgrind` runs; the error says how to get it.
fn check_valgrind() -> Result<(), String> {
    let ran = Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match ran {
        Ok(status) if status.success() => Ok(()),
        _ => Err(
            "no valgrind on PATH: install Debian's valgrind package (`make bench` does)".to_owned(),
        ),
    }
}

/// The instructions of one service's whole life under callgrind: start, one warm-up request
/// and `requests` more of `probe`, SIGTERM.
async fn count(
    fixture: &Fixture<'_>,
    dir: &Path,
    probe: Probe,
    requests: u64,
) -> Result<u64, String> {
    let out = dir.join(format!("{}-{requests}.out", probe.name()));
    let log = dir.join(format!("{}-{requests}.log", probe.name()));
    let wrapper = [
        "valgrind".to_owned(),
        "--tool=callgrind".to_owned(),
        "--separate-threads=no".to_owned(),
        format!("--callgrind-out-file={}", out.display()),
        format!("--log-file={}", log.display()),
    ];
    let (mut service, addr) =
        fixture
            .bins
            .service_wrapped(&wrapper, fixture.database_url, &[], START)?;
    let target = match probe {
        Probe::Hit => {
            let path = fixture.hit_path.clone();
            Target {
                addr,
                auth: Some(format!("Bearer {}", fixture.token)),
                path: path_fn(move |_| path.clone()),
            }
        }
        Probe::Healthz => Target {
            addr,
            auth: None,
            path: path_fn(|_| "/healthz".to_owned()),
        },
    };
    load::sequence(&target, 1 + requests, REQUEST).await?;
    stop(&mut service).await?;
    let text = std::fs::read_to_string(&out).map_err(|e| {
        let valgrind = std::fs::read_to_string(&log).unwrap_or_default();
        format!("no callgrind output {}: {e}\n{valgrind}", out.display())
    })?;
    if let Some(keep) = std::env::var_os("BENCH_CALLGRIND_KEEP") {
        // For `callgrind_annotate`: where the instructions go, not just how many.
        let kept = Path::new(&keep).join(out.file_name().unwrap_or_default());
        std::fs::copy(&out, &kept).map_err(|e| format!("keeping {}: {e}", kept.display()))?;
    }
    output::total_instructions(&text)
}

/// SIGTERM, then waits for the exit (callgrind writes its file on the way out).
async fn stop(service: &mut Proc) -> Result<(), String> {
    // Let the client close its connection first: the service then has nothing to drain.
    tokio::time::sleep(EXIT_POLL).await;
    service.terminate()?;
    let deadline = Instant::now() + EXIT;
    while !service.exited()? {
        if Instant::now() > deadline {
            return Err(format!(
                "jira-search did not exit within {EXIT:?} of SIGTERM"
            ));
        }
        tokio::time::sleep(EXIT_POLL).await;
    }
    Ok(())
}

/// The quick command line: where the binaries are and the two run lengths.
#[derive(Debug, PartialEq)]
struct Args {
    bins: std::path::PathBuf,
    k1: u64,
    k2: u64,
}

fn args(argv: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        bins: crate::procs::repo_path("target/release"),
        k1: K1,
        k2: K2,
    };
    let mut it = argv.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let mut number = || value()?.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--bin-dir" => a.bins = value()?.into(),
            "--k1" => a.k1 = number()?,
            "--k2" => a.k2 = number()?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.k1 >= a.k2 {
        return Err(format!("--k1 ({}) must be below --k2 ({})", a.k1, a.k2));
    }
    Ok(a)
}

/// `jira-search-bench callgrind`: starts a jira-sim and a fresh database, counts both targets
/// and prints the figures (and nothing else) on stdout; writes no file.
pub fn main(argv: impl Iterator<Item = String>) -> ExitCode {
    let args = match args(argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("jira-search-bench callgrind: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let bins = Bins(args.bins);
    match rt.block_on(quick(&bins, args.k1, args.k2)) {
        Ok(figures) => {
            println!("{}", report::callgrind_summary(&figures));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("jira-search-bench callgrind: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The fixture of [`main`]: the jira-sim of the cache hits, alone.
async fn quick(bins: &Bins, k1: u64, k2: u64) -> Result<Callgrind, String> {
    let mut sim = world::fast_sim(bins)?;
    let db = Db::create(bins)?;
    db.add_integration(bins, &mut sim)?;
    let fixture = Fixture {
        bins,
        database_url: &db.url,
        token: &db.token,
        hit_path: sim.search_path(world::HIT_QUERY),
    };
    measure(&fixture, k1, k2).await
}

#[cfg(test)]
mod tests;
