//! `make soak`: `jira-search-bench soak --duration 30m` runs the release service for a long
//! time under mixed traffic at half of its measured capacity while faults come and go, and
//! reports what it answered (expected and unexpected errors), latency per minute, and whether
//! its memory and descriptors grow.
//!
//! Layout: `world` starts and seeds the processes, `traffic` sends and judges the requests,
//! `faults` injects faults, `verdict` says which answers a fault excuses, `tally` counts and
//! writes the report.

mod faults;
mod sync;
mod tally;
mod traffic;
mod verdict;
mod world;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::procs::{self, Bins};
use sync::lock;
use tally::{RunInfo, Sample};
use traffic::Traffic;
use verdict::Grace;
use world::World;

/// How often the service's memory and descriptors are read.
const SAMPLE_EVERY: Duration = Duration::from_secs(5);
/// Requests at a time while capacity is measured.
const FLAT_OUT_WORKERS: usize = 32;

/// The command line of `soak`.
#[derive(Debug, PartialEq)]
struct Args {
    bins: PathBuf,
    duration: Duration,
    /// Share of the measured capacity to offer.
    fraction: f64,
    /// Requests per second, instead of a share of the capacity.
    rate: Option<f64>,
    /// Calm between two faults.
    calm: Duration,
    out: PathBuf,
}

/// `90`, `90s`, `15m`, `1h`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 90s, 30m, 1h)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("{s:?} is not a duration (e.g. 90s, 30m, 1h)")),
    };
    Ok(Duration::from_secs(secs))
}

fn args(argv: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        bins: procs::repo_path("target/release"),
        duration: Duration::from_secs(30 * 60),
        fraction: 0.5,
        rate: None,
        calm: Duration::from_secs(20),
        out: procs::repo_path("target/soak/report.md"),
    };
    let mut it = argv.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<f64>().ok().filter(|x| *x > 0.0 && x.is_finite());
        match flag.as_str() {
            "--bin-dir" => a.bins = value()?.into(),
            "--duration" => a.duration = parse_duration(&value()?)?,
            "--calm" => a.calm = parse_duration(&value()?)?,
            "--fraction" => {
                a.fraction = number(value()?)
                    .filter(|x| *x <= 1.0)
                    .ok_or("--fraction: a number in (0, 1]")?
            }
            "--rate" => a.rate = Some(number(value()?).ok_or("--rate: a positive number")?),
            "--out" => a.out = value()?.into(),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.duration < Duration::from_secs(120) {
        return Err("--duration: at least 2m (a minute of warm-up, a minute of faults)".into());
    }
    Ok(a)
}

/// Runs `soak` with its arguments (after the word `soak`).
pub fn main(argv: impl IntoIterator<Item = String>) -> ExitCode {
    let args = match args(argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("jira-search-bench soak: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match rt.block_on(soak(&args)) {
        Ok((report, unexpected)) => {
            println!("{report}");
            match std::fs::write(&args.out, &report) {
                Ok(()) => eprintln!("wrote {}", args.out.display()),
                Err(e) => eprintln!("cannot write {}: {e}", args.out.display()),
            }
            if unexpected == 0 {
                ExitCode::SUCCESS
            } else {
                eprintln!("jira-search-bench soak: {unexpected} unexpected answers");
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("jira-search-bench soak: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The whole run: (the report, unexpected answers).
async fn soak(args: &Args) -> Result<(String, u64), String> {
    let warnings = args.out.with_extension("warnings.log");
    if let Some(dir) = args.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let mut world = World::start(Bins(args.bins.clone()), &warnings).await?;
    let grace = Grace {
        jira: Duration::from_secs(
            world::BREAKER_COOLDOWN_SECONDS + world::JIRA_TIMEOUT_SECONDS + 1,
        ),
        admin: Duration::from_secs(1),
    };
    // Capacity, flat out on the mix after a short warm-up of the pools and the cache.
    let probe = Traffic::new(&world, grace);
    probe
        .flat_out(FLAT_OUT_WORKERS, Duration::from_secs(5))
        .await;
    let capacity = probe
        .flat_out(FLAT_OUT_WORKERS, Duration::from_secs(15))
        .await;
    let (_, _, unexpected) = lock(&probe.tally).totals();
    if unexpected > 0 {
        let seen = lock(&probe.tally).unexpected_seen.join("\n");
        return Err(format!(
            "{unexpected} unexpected answers before any fault:\n{seen}"
        ));
    }
    let rate = args.rate.unwrap_or(capacity * args.fraction);
    eprintln!(
        "soak: capacity {capacity:.0} requests/s; offering {rate:.0}/s for {} s",
        args.duration.as_secs()
    );

    let traffic = Traffic::new(&world, grace);
    let until = traffic.t0 + args.duration;
    let pid = world.service.pid();
    let sampler = {
        let traffic = traffic.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SAMPLE_EVERY);
            while Instant::now() < until {
                every.tick().await;
                let at = traffic.t0.elapsed();
                let sample = Sample {
                    at: at.as_secs_f64(),
                    rss_kib: procs::status_kib(pid, "VmRSS"),
                    fds: world::open_fds(pid),
                    calm: tally::is_calm(at, &lock(&traffic.windows)),
                };
                let mut tally = lock(&traffic.tally);
                tally.samples.push(sample);
                // A line a minute, so a long run shows how it goes.
                let minute = (sample.at / 60.0) as usize;
                if minute > 0 && tally.samples.len() % 12 == 0 {
                    if let Some(m) = tally.minutes.get(minute - 1) {
                        eprintln!(
                            "soak: minute {minute}: {} ok, {} expected, {} unexpected; RSS {:.1} MiB, {} fds",
                            m.ok,
                            m.expected,
                            m.unexpected,
                            sample.rss_kib as f64 / 1024.0,
                            sample.fds
                        );
                    }
                }
            }
        })
    };
    let driver = {
        let traffic = traffic.clone();
        tokio::spawn(async move { traffic.paced(rate, until).await })
    };
    let injected = faults::run(&mut world, &traffic, args.calm, until).await;
    let _ = driver.await;
    let _ = sampler.await;
    injected?;

    let info = RunInfo {
        duration: args.duration,
        capacity_rps: capacity,
        rate_rps: rate,
        // A sixth of the run, at most 5 minutes: long enough for the cache to fill (its TTL
        // is 4 minutes) and the pools to settle.
        warm_up: (args.duration / 6).min(Duration::from_secs(300)),
    };
    let windows = lock(&traffic.windows).clone();
    let mut tally = lock(&traffic.tally);
    let unexpected = tally.totals().2;
    let mut report = tally::report(&mut tally, &info);
    report.push_str(&tally::timeline(&windows));
    Ok((report, unexpected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(argv: &[&str]) -> Result<Args, String> {
        args(argv.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn durations_take_a_unit_or_mean_seconds() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("30 m").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn parses_the_flags_of_make_soak_and_refuses_nonsense() {
        let a = parse(&[
            "--duration",
            "5m",
            "--fraction",
            "0.25",
            "--out",
            "/tmp/s.md",
        ])
        .unwrap();
        assert_eq!(a.duration, Duration::from_secs(300));
        assert_eq!(a.fraction, 0.25);
        assert_eq!(a.out, PathBuf::from("/tmp/s.md"));
        assert_eq!(parse(&[]).unwrap().duration, Duration::from_secs(1800));
        assert!(parse(&["--duration", "30s"])
            .unwrap_err()
            .contains("at least 2m"));
        assert!(parse(&["--fraction", "2"]).is_err());
        assert!(parse(&["--rate", "-1"]).is_err());
        assert!(parse(&["--rate"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--fast"]).unwrap_err().contains("unknown argument"));
    }
}
