//! `make bench`: starts jira-sim and jira-search (both cache adapters) on loopback, measures
//! every scenario of docs/benchmarks.md side by side in one run, and writes that file.
//!
//! Usage: `jira-search-bench [--bin-dir target/release] [--seconds 5] [--out docs/benchmarks.md]`.
//! `REDIS_URL` names the Redis of the Redis adapter (default `redis://127.0.0.1:6379`).

mod load;
mod procs;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use load::{Outcome, Target};
use procs::{cpu_ticks, status_kib, Bins, Proc};

const PAT: &str = "bench-pat-not-a-secret";
/// Connections of the throughput runs.
const CONNECTIONS: usize = 32;

struct Args {
    bins: Bins,
    seconds: u64,
    out: std::path::PathBuf,
    /// Only this section (`throughput`, `misses`, `cold`, `burst`, `memory`), for quick checks.
    only: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        bins: Bins(procs::repo_path("target/release")),
        seconds: 5,
        out: procs::repo_path("docs/benchmarks.md"),
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--bin-dir" => a.bins = Bins(value()?.into()),
            "--seconds" => a.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--out" => a.out = value()?.into(),
            "--only" => a.only = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn main() -> std::process::ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("jira-search-bench: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    // The load generator runs on one thread, so its share of the two cores stays bounded
    // and is reported.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match rt.block_on(run(&args)) {
        Ok(report) => {
            if let Err(e) = std::fs::write(&args.out, &report) {
                eprintln!(
                    "jira-search-bench: cannot write {}: {e}",
                    args.out.display()
                );
                return std::process::ExitCode::FAILURE;
            }
            println!("{report}");
            eprintln!("wrote {}", args.out.display());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("jira-search-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// CPU ticks of the load generator, the service and the simulator during a run.
#[derive(Default, Clone, Copy)]
struct Cpu {
    loadgen: u64,
    service: u64,
    sim: u64,
}

impl Cpu {
    fn now(service: Option<u32>, sim: u32) -> Self {
        Self {
            loadgen: cpu_ticks("self"),
            service: service.map_or(0, |p| cpu_ticks(&p.to_string())),
            sim: cpu_ticks(&sim.to_string()),
        }
    }

    fn since(self, before: Self) -> Self {
        Self {
            loadgen: self.loadgen - before.loadgen,
            service: self.service - before.service,
            sim: self.sim - before.sim,
        }
    }

    /// The load generator's share of the CPU used by the three processes.
    fn loadgen_share(self) -> f64 {
        let total = self.loadgen + self.service + self.sim;
        if total == 0 {
            return 0.0;
        }
        self.loadgen as f64 / total as f64
    }
}

struct Run {
    out: Outcome,
    cpu: Cpu,
}

async fn measure(
    target: &Target,
    connections: usize,
    seconds: u64,
    service: Option<u32>,
    sim: u32,
) -> Run {
    // A short warm-up: connections, pools, caches.
    load::run(target, connections.min(4), Duration::from_millis(300)).await;
    let before = Cpu::now(service, sim);
    let out = load::run(target, connections, Duration::from_secs(seconds)).await;
    Run {
        out,
        cpu: Cpu::now(service, sim).since(before),
    }
}

/// Runs each target on one connection for one second in turn, `seconds` times over, so slow
/// drifts of the machine hit the floor and the service alike; returns one merged run each.
async fn measure_interleaved(
    targets: &[(Target, Option<u32>)],
    seconds: u64,
    sim: u32,
) -> Vec<Run> {
    let mut runs: Vec<Run> = targets
        .iter()
        .map(|_| Run {
            out: Outcome::default(),
            cpu: Cpu::default(),
        })
        .collect();
    for (target, _) in targets {
        load::run(target, 1, Duration::from_millis(300)).await;
    }
    for _ in 0..seconds {
        for ((target, service), run) in targets.iter().zip(runs.iter_mut()) {
            let before = Cpu::now(*service, sim);
            let out = load::run(target, 1, Duration::from_secs(1)).await;
            let cpu = Cpu::now(*service, sim).since(before);
            run.out.ok += out.ok;
            run.out.errors += out.errors;
            run.out.elapsed += out.elapsed;
            run.out.latencies_us.extend(out.latencies_us);
            run.cpu.loadgen += cpu.loadgen;
            run.cpu.service += cpu.service;
            run.cpu.sim += cpu.sim;
        }
    }
    for run in &mut runs {
        run.out.latencies_us.sort_unstable();
    }
    runs
}

/// A path function numbering its requests itself, so repeated runs never repeat a path.
fn unique_paths(f: impl Fn(u64) -> String + Send + Sync + 'static) -> load::PathFn {
    let counter = std::sync::atomic::AtomicU64::new(0);
    Arc::new(move |_| f(counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed)))
}

struct Sim {
    proc: Proc,
    addr: SocketAddr,
    url: String,
}

impl Sim {
    fn start(bins: &Bins, extra: &[&str]) -> Result<Self, String> {
        let mut args = vec!["--flavor", "server", "--accept-token", PAT];
        args.extend_from_slice(extra);
        let (proc, url) = bins.sim(&args)?;
        let addr = url
            .trim_start_matches("http://")
            .parse()
            .map_err(|e| format!("jira-sim URL {url}: {e}"))?;
        Ok(Self { proc, addr, url })
    }

    fn pid(&self) -> u32 {
        self.proc.pid()
    }

    fn target(&self, path: load::PathFn) -> Target {
        Target {
            addr: self.addr,
            auth: Some(format!("Bearer {PAT}")),
            path,
        }
    }

    async fn projects(&self) -> Result<Vec<(String, String)>, String> {
        let (_, body) = load::call(self.addr, "GET", "/_sim/data").await?;
        let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok(v["projects"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        (
                            p["id"].as_str().unwrap_or_default().to_owned(),
                            p["key"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Paths of the Jira calls it received since the last clear.
    async fn received(&self) -> Result<Vec<String>, String> {
        let (_, body) = load::call(self.addr, "GET", "/_sim/requests").await?;
        let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        Ok(v.as_array()
            .map(|rs| {
                rs.iter()
                    .map(|r| r["path"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn clear(&self) -> Result<(), String> {
        load::call(self.addr, "DELETE", "/_sim/requests")
            .await
            .map(|_| ())
    }
}

struct Service {
    name: &'static str,
    proc: Proc,
    addr: SocketAddr,
}

impl Service {
    fn pid(&self) -> u32 {
        self.proc.pid()
    }

    fn search(&self, token: &str, path: load::PathFn) -> Target {
        Target {
            addr: self.addr,
            auth: Some(format!("Bearer {token}")),
            path,
        }
    }
}

struct World {
    bins: Bins,
    _dir: tempfile::TempDir,
    db: String,
    token: String,
    fast: Sim,
    slow: Sim,
    big: Sim,
    fast_id: String,
    slow_id: String,
    big_id: String,
    redis_url: String,
    run_tag: String,
}

impl World {
    fn service(&self, redis: bool, name: &'static str) -> Result<Service, String> {
        let prefix = format!("jira-search-bench:{}:{name}:", self.run_tag);
        let mut env = vec![];
        if redis {
            env.push(("REDIS_URL", self.redis_url.as_str()));
            env.push(("REDIS_KEY_PREFIX", prefix.as_str()));
        }
        let (proc, addr) = self.bins.service(&self.db, &env)?;
        Ok(Service { name, proc, addr })
    }

    fn services(&self) -> Result<Vec<Service>, String> {
        Ok(vec![
            self.service(false, "in-process")?,
            self.service(true, "Redis")?,
        ])
    }
}

fn search_path(id: &str, q: &str) -> String {
    format!("/extensions/jira-server/search/acme/{id}/?field=assignee&query={q}")
}

fn path_fn(f: impl Fn(u64) -> String + Send + Sync + 'static) -> load::PathFn {
    Arc::new(f)
}

fn ms(v: f64) -> String {
    format!("{v:.3} ms")
}

fn met(ok: bool) -> &'static str {
    if ok {
        "**met**"
    } else {
        "**not met**"
    }
}

/// CPU time per request in milliseconds, from clock ticks (100 per second).
fn cpu_per_request(ticks: u64, requests: u64) -> f64 {
    ticks as f64 * 10.0 / requests.max(1) as f64
}

fn share(cpu: Cpu) -> String {
    format!("{:.0}%", cpu.loadgen_share() * 100.0)
}

async fn run(args: &Args) -> Result<String, String> {
    let started = Instant::now();
    let secs = args.seconds;
    let bins = args.bins.clone();
    let redis_url =
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let run_tag = format!(
        "{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    eprintln!("bench: starting jira-sim x3");
    let fast = Sim::start(&bins, &["--users", "500", "--projects", "20"])?;
    let ten_thousand = [
        "--users",
        "500",
        "--projects",
        "10000",
        "--issues-per-project",
        "0",
    ];
    let big = Sim::start(&bins, &ten_thousand)?;
    let mut slow_args = ten_thousand.to_vec();
    slow_args.extend_from_slice(&["--latency-ms", "20"]);
    let slow = Sim::start(&bins, &slow_args)?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    bins.cli(&db, &["org", "add", "acme"], "")?;
    let add = |sim: &Sim| {
        bins.cli(
            &db,
            &[
                "integration",
                "add",
                "--org",
                "acme",
                "--provider",
                "jira_server",
                "--base-url",
                &sim.url,
                "--auth",
                "pat",
            ],
            &format!("{PAT}\n"),
        )
    };
    let (fast_id, slow_id, big_id) = (add(&fast)?, add(&slow)?, add(&big)?);
    let token = bins.cli(&db, &["token", "add", "--org", "acme"], "")?;
    let w = World {
        bins: bins.clone(),
        _dir: dir,
        db,
        token,
        fast,
        slow,
        big,
        fast_id,
        slow_id,
        big_id,
        redis_url,
        run_tag,
    };
    let services = w.services()?;

    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `make bench` (crates/bench); every figure below comes from one run, measured side by side on loopback. Do not edit by hand.\n"
    );
    machine(&mut md, secs);

    // A query that matches 50 users: a realistic answer to cache.
    let hit_query = "a";
    let want = |section: &str| args.only.as_deref().is_none_or(|o| o == section);
    let mut hit_targets = Vec::new();
    let mut miss_targets = Vec::new();
    let mut wakeups = Vec::new();
    let mut cold_targets = Vec::new();
    let mut burst_targets = Vec::new();
    let mut rss_targets = Vec::new();
    if want("throughput") {
        // ---- Ceiling, floor and cache hits ----
        eprintln!("bench: ceiling, floor and cache hits");
        let floor = measure(
            &w.fast.target(path_fn(move |_| {
                format!("/rest/api/2/user/search?username={hit_query}")
            })),
            CONNECTIONS,
            secs,
            None,
            w.fast.pid(),
        )
        .await;
        let _ = writeln!(
        md,
        "## Throughput: ceiling, floor and cache hits\n\n{CONNECTIONS} keep-alive connections, {secs} s each. The ceiling is `/healthz` (bare hyper, no work); the floor is the same user search (`username={hit_query}`, 50 users) sent straight to jira-sim; a cache hit is that search through the service after one warm-up.\n"
    );
        let _ = writeln!(
        md,
        "| scenario | cache | req/s | p50 | p99 | vs ceiling | load generator CPU |\n|---|---|---:|---:|---:|---:|---:|"
    );
        let _ = writeln!(
            md,
            "| floor: user search straight to jira-sim | | {:.0} | {} | {} | | {} |",
            floor.out.rps(),
            ms(floor.out.ms(0.5)),
            ms(floor.out.ms(0.99)),
            share(floor.cpu)
        );
        for svc in &services {
            let ceiling = measure(
                &Target {
                    addr: svc.addr,
                    auth: None,
                    path: path_fn(|_| "/healthz".to_owned()),
                },
                CONNECTIONS,
                secs,
                Some(svc.pid()),
                w.fast.pid(),
            )
            .await;
            let id = w.fast_id.clone();
            let target = svc.search(&w.token, path_fn(move |_| search_path(&id, hit_query)));
            let _ = load::once(&target, 0).await?;
            let hit = measure(&target, CONNECTIONS, secs, Some(svc.pid()), w.fast.pid()).await;
            let ratio = hit.out.rps() / ceiling.out.rps();
            hit_targets.push((svc.name, ratio));
            for (label, r, vs) in [
                ("ceiling: `/healthz`", &ceiling, String::new()),
                ("cache-hit search", &hit, format!("{ratio:.2}x")),
            ] {
                let _ = writeln!(
                    md,
                    "| {label} | {} | {:.0} | {} | {} | {vs} | {} |",
                    svc.name,
                    r.out.rps(),
                    ms(r.out.ms(0.5)),
                    ms(r.out.ms(0.99)),
                    share(r.cpu)
                );
            }
            if hit.out.errors + ceiling.out.errors > 0 {
                let _ = writeln!(
                    md,
                    "\n(errors: ceiling {}, cache hits {})\n",
                    ceiling.out.errors, hit.out.errors
                );
            }
        }
    }

    if want("misses") {
        // ---- Cache misses ----
        eprintln!("bench: cache misses");
        let _ = writeln!(
        md,
        "\n## Cache misses: latency the service adds over Jira\n\nOne connection, requests back to back, a new query every request (so every search is a miss and one Jira call). The floor is the same unique-query user search sent straight to jira-sim. Floor and service take turns, one second each, {secs} times, so a drift of the machine hits both alike.\n"
    );
        let _ = writeln!(
        md,
        "| jira-sim latency | cache | floor p50 | floor p99 | service p50 | service p99 | added p50 | added p99 | service CPU per search | load generator CPU |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
        for (label, sim, id) in [
            ("0 ms", &w.fast, &w.fast_id),
            ("20 ms", &w.slow, &w.slow_id),
        ] {
            let tag = format!("{}{}", w.run_tag, label.len());
            let t2 = tag.clone();
            let mut targets = vec![(
                sim.target(unique_paths(move |n| {
                    format!("/rest/api/2/user/search?username=f{t2}x{n}")
                })),
                None,
            )];
            for svc in &services {
                let (id, tag, name) = (id.clone(), tag.clone(), svc.name);
                targets.push((
                    svc.search(
                        &w.token,
                        unique_paths(move |n| search_path(&id, &format!("m{tag}{name}x{n}"))),
                    ),
                    Some(svc.pid()),
                ));
            }
            let mut runs = measure_interleaved(&targets, secs, sim.pid())
                .await
                .into_iter();
            let Some(floor) = runs.next() else { continue };
            for (svc, miss) in services.iter().zip(runs) {
                let added50 = miss.out.ms(0.5) - floor.out.ms(0.5);
                let added99 = miss.out.ms(0.99) - floor.out.ms(0.99);
                miss_targets.push((label, svc.name, added50, added99));
                let _ = writeln!(
                    md,
                    "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    svc.name,
                    ms(floor.out.ms(0.5)),
                    ms(floor.out.ms(0.99)),
                    ms(miss.out.ms(0.5)),
                    ms(miss.out.ms(0.99)),
                    ms(added50),
                    ms(added99),
                    ms(cpu_per_request(miss.cpu.service, miss.out.ok)),
                    share(miss.cpu)
                );
            }
        }

        // The cost of waking an idle service, whatever it does: /healthz back to back, then with
        // 20 ms of silence before each request (as between the calls of a 20 ms Jira).
        let _ = writeln!(
        md,
        "\nWhat an idle process costs on this machine: `/healthz` on one connection back to back, then with a 20 ms pause before each request (the service sleeps between requests, as it does while a 20 ms Jira answers). A search waits for two such wake-ups per Jira call (the caller's request, Jira's answer); the floor waits for none in the service.\n"
    );
        let _ = writeln!(
            md,
            "| `/healthz`, one connection | cache | p50 | p99 |\n|---|---|---:|---:|"
        );
        for svc in &services {
            let target = Target {
                addr: svc.addr,
                auth: None,
                path: path_fn(|_| "/healthz".to_owned()),
            };
            let hot = load::run(&target, 1, Duration::from_secs(secs.min(2))).await;
            let idle = load::run_paced(
                &target,
                1,
                Duration::from_secs(secs.min(3)),
                Duration::from_millis(20),
            )
            .await;
            wakeups.push((svc.name, idle.ms(0.5) - hot.ms(0.5)));
            for (label, o) in [("back to back", &hot), ("after 20 ms idle", &idle)] {
                let _ = writeln!(
                    md,
                    "| {label} | {} | {} | {} |",
                    svc.name,
                    ms(o.ms(0.5)),
                    ms(o.ms(0.99))
                );
            }
        }
    }

    if want("cold") {
        // ---- Cold searches on 10,000 projects ----
        eprintln!("bench: cold searches on 10,000 projects");
        let _ = writeln!(
        md,
        "\n## Cold searches on a Jira with 10,000 projects\n\nOne connection, {secs} s each, nothing cached: every search names a project id never asked before and a new query. One direct user search is the assignable search straight to jira-sim (the one call a search with a project must make); Sentry's way starts with the whole project list (`GET /rest/api/2/project`, 10,000 projects) before that search.\n"
    );
        let _ = writeln!(
        md,
        "| jira-sim latency | scenario | cache | p50 | p99 | vs one direct user search (p50) |\n|---|---|---|---:|---:|---:|"
    );
        for (label, sim, sim_id) in [("0 ms", &w.big, &w.big_id), ("20 ms", &w.slow, &w.slow_id)] {
            let projects = Arc::new(sim.projects().await?);
            if projects.len() < 10_000 {
                return Err(format!(
                    "jira-sim has {} projects, not 10,000",
                    projects.len()
                ));
            }
            let p2 = projects.clone();
            let tag = format!("{}{}", w.run_tag, label.len());
            let t2 = tag.clone();
            let direct = measure(
                &sim.target(path_fn(move |n| {
                    let (_, key) = &p2[n as usize % p2.len()];
                    format!("/rest/api/2/user/assignable/search?project={key}&username=d{t2}x{n}")
                })),
                1,
                secs,
                None,
                sim.pid(),
            )
            .await;
            let t2 = tag.clone();
            let direct_plain = measure(
                &sim.target(path_fn(move |n| {
                    format!("/rest/api/2/user/search?username=e{t2}x{n}")
                })),
                1,
                secs,
                None,
                sim.pid(),
            )
            .await;
            let mut list_ms = f64::MAX;
            let mut list_bytes = 0;
            let list_target = sim.target(path_fn(|_| "/rest/api/2/project".to_owned()));
            for n in 0..3 {
                let t = Instant::now();
                let (_, body) = load::once(&list_target, n).await?;
                list_ms = list_ms.min(t.elapsed().as_secs_f64() * 1000.0);
                list_bytes = body.len();
            }
            let base = direct.out.ms(0.5);
            let _ = writeln!(
            md,
            "| {label} | one direct user search (assignable, with a project key) | | {} | {} | 1.00x |",
            ms(base),
            ms(direct.out.ms(0.99))
        );
            let _ = writeln!(
                md,
                "| {label} | one direct user search (instance-wide) | | {} | {} | {:.2}x |",
                ms(direct_plain.out.ms(0.5)),
                ms(direct_plain.out.ms(0.99)),
                direct_plain.out.ms(0.5) / base
            );
            let _ = writeln!(
            md,
            "| {label} | Sentry's way: the project list ({:.1} MB, best of 3), then the search | | {} | | {:.1}x |",
            list_bytes as f64 / 1e6,
            ms(list_ms + base),
            (list_ms + base) / base
        );
            for (i, svc) in services.iter().enumerate() {
                let (id, p3, t3, name) = (sim_id.clone(), projects.clone(), tag.clone(), svc.name);
                // Each adapter starts at another half of the projects, so none was asked before.
                let offset = i * 5_000;
                let cold = measure(
                    &svc.search(
                        &w.token,
                        path_fn(move |n| {
                            let (pid, _) = &p3[(offset + n as usize) % p3.len()];
                            format!(
                                "{}&project={pid}",
                                search_path(&id, &format!("c{t3}{name}x{n}"))
                            )
                        }),
                    ),
                    1,
                    secs,
                    Some(svc.pid()),
                    sim.pid(),
                )
                .await;
                let (id, t3) = (sim_id.clone(), tag.clone());
                let cold_plain = measure(
                    &svc.search(
                        &w.token,
                        path_fn(move |n| search_path(&id, &format!("n{t3}{name}x{n}"))),
                    ),
                    1,
                    secs,
                    Some(svc.pid()),
                    sim.pid(),
                )
                .await;
                let ratio = cold.out.ms(0.5) / base;
                let ratio_plain = cold_plain.out.ms(0.5) / direct_plain.out.ms(0.5);
                cold_targets.push((label, svc.name, ratio, ratio_plain));
                let _ = writeln!(
                md,
                "| {label} | cold search with a project id (project lookup, then the assignable search) | {} | {} | {} | {ratio:.2}x |",
                svc.name,
                ms(cold.out.ms(0.5)),
                ms(cold.out.ms(0.99))
            );
                let _ = writeln!(
                md,
                "| {label} | cold search without a project (instance-wide search) | {} | {} | {} | {ratio_plain:.2}x of the direct instance-wide search |",
                svc.name,
                ms(cold_plain.out.ms(0.5)),
                ms(cold_plain.out.ms(0.99))
            );
            }
        }
    }

    if want("burst") {
        // ---- Coalescing ----
        eprintln!("bench: 200 concurrent identical cold searches");
        let _ = writeln!(
        md,
        "\n## 200 concurrent identical cold searches\n\njira-sim answers after 20 ms; 200 connections send the same search (a project id and a query never asked before) at once. Counted from jira-sim's request log.\n"
    );
        let _ = writeln!(
        md,
        "| cache | answers 200 | identical answers | project lookups at Jira | user searches at Jira |\n|---|---:|---|---:|---:|"
    );
        let slow_projects = w.slow.projects().await?;
        for (i, svc) in services.iter().enumerate() {
            // From the end of the list: the cold searches above never reached these.
            let (pid, _) = slow_projects
                .len()
                .checked_sub(1 + i)
                .and_then(|j| slow_projects.get(j))
                .cloned()
                .ok_or("jira-sim has too few projects")?;
            w.slow.clear().await?;
            let path = format!(
                "{}&project={pid}",
                search_path(&w.slow_id, &format!("burst{}{}", w.run_tag, svc.name))
            );
            let target = svc.search(&w.token, path_fn(move |_| path.clone()));
            let mut tasks = Vec::new();
            for n in 0..200u64 {
                let t = target.clone();
                tasks.push(tokio::spawn(async move { load::once(&t, n).await }));
            }
            let mut answers = Vec::new();
            for t in tasks {
                answers.push(t.await.map_err(|e| e.to_string())??);
            }
            let ok = answers.iter().filter(|(s, _)| *s == 200).count();
            let same = answers.iter().all(|a| a.1 == answers[0].1);
            let received = w.slow.received().await?;
            let lookups = received
                .iter()
                .filter(|p| p.ends_with(&format!("/rest/api/2/project/{pid}")))
                .count();
            let searches = received
                .iter()
                .filter(|p| p.ends_with("/user/assignable/search"))
                .count();
            burst_targets.push((svc.name, lookups, searches));
            let _ = writeln!(
                md,
                "| {} | {ok} | {} | {lookups} | {searches} |",
                svc.name,
                if same { "yes" } else { "no" }
            );
        }
    }

    if want("memory") {
        // ---- Memory ----
        eprintln!("bench: peak RSS with 1,000 connections");
        drop(services);
        let _ = writeln!(
        md,
        "\n## Memory with 1,000 concurrent connections\n\nA fresh service per adapter; 1,000 keep-alive connections opened at once, each sending cache-hit searches for {secs} s. Peak RSS is the kernel's high-water mark (`VmHWM`).\n"
    );
        let _ = writeln!(
        md,
        "| cache | RSS at rest | connections open | searches answered | errors | peak RSS |\n|---|---:|---:|---:|---:|---:|"
    );
        for (redis, name) in [(false, "in-process"), (true, "Redis")] {
            let svc = w.service(redis, name)?;
            let id = w.fast_id.clone();
            let target = svc.search(&w.token, path_fn(move |_| search_path(&id, hit_query)));
            let _ = load::once(&target, 0).await?;
            let rest = status_kib(svc.pid(), "VmRSS");
            let (open, out) = load::hold(&target, 1000, Duration::from_secs(secs)).await;
            let peak = status_kib(svc.pid(), "VmHWM");
            rss_targets.push((name, peak));
            let _ = writeln!(
                md,
                "| {name} | {:.1} MB | {open} | {} | {} | {:.1} MB |",
                rest as f64 / 1024.0,
                out.ok,
                out.errors,
                peak as f64 / 1024.0
            );
        }
    }

    // ---- Targets ----
    let _ = writeln!(md, "\n## Targets\n\n| target | measured | |\n|---|---|---|");
    for (name, ratio) in &hit_targets {
        let _ = writeln!(
            md,
            "| cache-hit search at least 0.5x the ceiling's req/s ({name}) | {ratio:.2}x | {} |",
            met(*ratio >= 0.5)
        );
    }
    for (label, name, a50, a99) in &miss_targets {
        let _ = writeln!(
            md,
            "| added latency on a cache miss at most 0.3 ms p50 and 1 ms p99 (jira-sim {label}, {name}) | {} p50, {} p99 | {} |",
            ms(*a50),
            ms(*a99),
            met(*a50 <= 0.3 && *a99 <= 1.0)
        );
    }
    for (label, name, ratio, ratio_plain) in &cold_targets {
        let _ = writeln!(
            md,
            "| cold search on 10,000 projects at most 1.2x one direct user search (jira-sim {label}, {name}) | {ratio:.2}x with a project id; {ratio_plain:.2}x without | {} with a project, {} without |",
            met(*ratio <= 1.2),
            met(*ratio_plain <= 1.2)
        );
    }
    for (name, lookups, searches) in &burst_targets {
        let _ = writeln!(
            md,
            "| 200 concurrent identical cold searches: exactly 1 project lookup and 1 user search reach Jira ({name}) | {lookups} and {searches} | {} |",
            met(*lookups == 1 && *searches == 1)
        );
    }
    for (name, peak) in &rss_targets {
        let _ = writeln!(
            md,
            "| peak RSS at most 50 MB with 1,000 concurrent connections ({name}) | {:.1} MB | {} |",
            *peak as f64 / 1024.0,
            met(*peak <= 50 * 1024)
        );
    }
    let _ = writeln!(md);
    let wake = wakeups.iter().map(|(_, w)| *w).fold(f64::NAN, f64::max);
    let _ = writeln!(
        md,
        "### What stands in the way where a target is not met\n\n- **Waking an idle process** cost up to {} at p50 here (`/healthz` after 20 ms idle minus back to back, above). Behind a 20 ms Jira the service sleeps between a search's steps and pays that wake-up at least twice (the caller's request, Jira's answer); the Redis adapter adds a read before the Jira call (the write no longer waits), and Redis sleeps and wakes too. The code path is the same as behind a 0 ms jira-sim, where it adds about 0.1 ms; the rest is the machine waking idle processes (the same work also shows as more CPU per search there, run on cold caches after each sleep).\n- **A cold search with a project makes two dependent Jira calls**: the spec resolves the project id to its key (`GET /rest/api/2/project/{{id}}`) because Jira Server's assignable search takes only a key, and the search needs the key. Behind a 20 ms Jira that is 2 round trips, so about 2.0x one user search, whatever we do; without a project a cold search is one call and sits within a few percent of the direct one. Sentry's way (the whole project list first) is in the same table.\n- **With jira-sim answering in 0.1 ms**, every cold search also pays our own HTTP hop and the cache read and write: about the back-to-back `/healthz` time plus the cache-miss overhead, which is the whole of Jira's time again. The ratio target is meaningful against a Jira that takes real time (the 20 ms rows).\n",
        ms(wake)
    );
    let _ = writeln!(
        md,
        "\nThe whole run took {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(md)
}

/// The machine and the method.
fn machine(md: &mut String, secs: u64) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let _ = writeln!(
        md,
        "## Machine and method\n\n- {cores} cores ({model}); the load generator, jira-search and jira-sim share them.\n- Commit `{commit}`, release build, default settings (`RUST_LOG=info`: every request is logged, as in production).\n- Load generator: crates/bench, hyper's HTTP/1.1 client on one thread, keep-alive connections, {secs} s per scenario after a 0.3 s warm-up; latencies are per request, percentiles over every request of the run. \"Load generator CPU\" is its share of the CPU time used by the three processes during the run (from /proc).\n"
    );
}
