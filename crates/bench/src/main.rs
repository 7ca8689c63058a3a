//! `make bench`: starts jira-sim and jira-search (both cache adapters) on loopback, measures
//! every scenario of docs/benchmarks.md side by side in one run, and writes that file.
//!
//! Usage: `jira-search-bench [--bin-dir target/release] [--seconds 5] [--out docs/benchmarks.md]
//! [--only throughput|misses|cold|cloud|burst|memory|callgrind|stores]`, or
//! `jira-search-bench soak [--duration 30m]` for `make soak` (see `soak`), or
//! `jira-search-bench callgrind [--bin-dir target/release] [--k1 100] [--k2 2100]`, which prints
//! the instructions per request alone (see `callgrind`) and writes no file.
//! `REDIS_URL` names the Redis of the Redis adapter (default `redis://127.0.0.1:6379`);
//! `TEST_POSTGRES_URL` the PostgreSQL of the `stores` section (see `postgres`).
//!
//! Layout: `world` starts the processes, `scenario` runs one module per scenario on top of
//! `measure` and `load`, each filling a struct of `results`; `report` turns those into the
//! Markdown, its prose from the templates in crates/bench/src/report/template/.

mod callgrind;
mod load;
mod machine;
mod measure;
mod postgres;
mod procs;
mod report;
mod results;
mod scenario;
mod soak;
mod world;

use std::path::PathBuf;
use std::process::ExitCode;

use procs::Bins;
use scenario::Section;

/// The command line.
#[derive(Debug)]
struct Args {
    /// Where the release binaries are (`--bin-dir`).
    bins: PathBuf,
    /// Length of each timed scenario (`--seconds`).
    seconds: u64,
    /// Where the report goes (`--out`).
    out: PathBuf,
    /// Only this section (`--only`), for quick checks.
    only: Option<Section>,
}

fn args(argv: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        bins: procs::repo_path("target/release"),
        seconds: 5,
        out: procs::repo_path("docs/benchmarks.md"),
        only: None,
    };
    let mut it = argv.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--bin-dir" => a.bins = value()?.into(),
            "--seconds" => a.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--out" => a.out = value()?.into(),
            "--only" => a.only = Some(Section::parse(&value()?)?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let mut argv = std::env::args().skip(1).peekable();
    match argv.peek().map(String::as_str) {
        Some("soak") => return soak::main(argv.skip(1)),
        Some("callgrind") => return callgrind::main(argv.skip(1)),
        _ => {}
    }
    let args = match args(argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("jira-search-bench: {e}");
            return ExitCode::from(2);
        }
    };
    // The load generator runs on one thread, so its share of the two cores stays bounded
    // and is reported.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let measured = rt.block_on(scenario::run_all(
        &Bins(args.bins.clone()),
        args.seconds,
        args.only,
    ));
    let markdown = match measured.and_then(|r| report::render(&r).map_err(|e| e.to_string())) {
        Ok(markdown) => markdown,
        Err(e) => {
            eprintln!("jira-search-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(&args.out, &markdown) {
        eprintln!(
            "jira-search-bench: cannot write {}: {e}",
            args.out.display()
        );
        return ExitCode::FAILURE;
    }
    println!("{markdown}");
    eprintln!("wrote {}", args.out.display());
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(argv: &[&str]) -> Result<Args, String> {
        args(argv.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_the_flags_of_scripts_bench_sh() {
        let a = parse(&[
            "--bin-dir",
            "target/release",
            "--seconds",
            "1",
            "--out",
            "/tmp/bench-check.md",
            "--only",
            "cold",
        ])
        .unwrap();
        assert_eq!(a.bins, PathBuf::from("target/release"));
        assert_eq!(a.seconds, 1);
        assert_eq!(a.out, PathBuf::from("/tmp/bench-check.md"));
        assert_eq!(a.only, Some(Section::Cold));
    }

    #[test]
    fn defaults_to_every_section_for_five_seconds_into_docs() {
        let a = parse(&[]).unwrap();
        assert_eq!(a.seconds, 5);
        assert!(a.out.ends_with("docs/benchmarks.md"), "{}", a.out.display());
        assert!(a.bins.ends_with("target/release"), "{}", a.bins.display());
        assert_eq!(a.only, None);
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        assert!(parse(&["--seconds"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--seconds", "x"])
            .unwrap_err()
            .contains("--seconds"));
        assert!(parse(&["--fast"]).unwrap_err().contains("unknown argument"));
        assert!(parse(&["--only", "everything"])
            .unwrap_err()
            .contains("unknown section"));
    }
}
