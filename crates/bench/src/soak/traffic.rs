//! The soak's traffic: a fixed mix of every branch on both providers, cache hits (words the
//! simulators hold, asked again and again) and misses (a new word every time), sent at a fixed
//! rate whatever the answers take (open loop), each answer judged as it arrives.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::AUTHORIZATION;
use hyper::Request;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::tally::Tally;
use super::verdict::{judge, Answered, Branch, Flavor, Grace, Sent, Window};
use super::world::{World, ORG};

/// Requests in flight at most; beyond, the generator counts a request as not sent.
const MAX_IN_FLIGHT: u64 = 4096;
/// The client's own deadline for one answer.
const CLIENT_DEADLINE: Duration = Duration::from_secs(30);
/// How long the client keeps an idle connection: below the service's idle close (10 s).
pub const POOL_IDLE: Duration = Duration::from_secs(5);
/// How often the generator wakes up to send what is due.
const TICK: Duration = Duration::from_millis(5);

/// What a simulator holds, for the mix to ask for.
struct Words {
    flavor: Flavor,
    users: Vec<String>,
    project_ids: Vec<String>,
    project_words: Vec<String>,
    issue_keys: Vec<String>,
    issue_words: Vec<String>,
    suggestions: Vec<(String, String)>,
}

/// The caller tokens: index 0 is steady; `rotating` is the one revocations take away.
#[derive(Debug)]
pub struct Tokens {
    /// Every token made, revoked ones included (a request names its token by index).
    pub values: Vec<String>,
    /// The index the rotating share of the traffic uses now.
    pub rotating: usize,
}

/// What every request shares.
pub struct Traffic {
    client: Client<HttpConnector, Empty<Bytes>>,
    addr: SocketAddr,
    /// (integration id, flavour), in the world's order.
    integrations: Vec<(String, Flavor)>,
    words: [Words; 2],
    /// The tokens, changed by the revocations.
    pub tokens: Mutex<Tokens>,
    /// The fault windows, added to by the injector.
    pub windows: Mutex<Vec<Window>>,
    /// What was counted.
    pub tally: Mutex<Tally>,
    /// When the run started.
    pub t0: Instant,
    grace: Grace,
    in_flight: AtomicU64,
    counter: AtomicU64,
}

/// One planned request.
struct Planned {
    path: String,
    sent: Sent,
}

/// A 64-bit mix of `n` (splitmix64): the same request for the same `n`, run after run.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Traffic {
    /// The traffic of `world`; `grace` says how long faults' answers last after they end.
    pub fn new(world: &World, grace: Grace) -> Arc<Self> {
        let words = |flavor| {
            let sim = world.sim(flavor);
            Words {
                flavor,
                users: sim.user_prefixes.clone(),
                project_ids: sim.project_ids.clone(),
                project_words: sim.project_words.clone(),
                issue_keys: sim.issue_keys.clone(),
                issue_words: sim.issue_words.clone(),
                suggestions: sim.suggestions.clone(),
            }
        };
        // The service closes a connection idle for HEADER_READ_TIMEOUT_SECONDS (10 s); a
        // request sent on it at that instant is lost (reset), as with any server that closes
        // idle connections. Like a well-behaved pool, this one drops idle connections sooner.
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(512)
            .pool_idle_timeout(POOL_IDLE)
            .pool_timer(TokioTimer::new())
            .build_http();
        Arc::new(Self {
            client,
            addr: world.addr,
            integrations: world
                .integrations
                .iter()
                .map(|i| (i.id.clone(), i.flavor))
                .collect(),
            words: [words(Flavor::Server), words(Flavor::Cloud)],
            tokens: Mutex::new(Tokens {
                values: world.tokens.clone(),
                rotating: 1,
            }),
            windows: Mutex::new(Vec::new()),
            tally: Mutex::new(Tally::default()),
            t0: Instant::now(),
            grace,
            in_flight: AtomicU64::new(0),
            counter: AtomicU64::new(0),
        })
    }

    /// The `n`-th request of the mix, with the token the traffic uses now.
    fn plan(&self, n: u64) -> Planned {
        let r = mix(n);
        // 40% each on the two main integrations, 10% each on the two that get disabled.
        let integration = match r % 10 {
            0..=3 => 0,
            4..=7 => 1,
            8 => 2,
            _ => 3,
        };
        let (id, flavor) = &self.integrations[integration];
        let words = &self.words[usize::from(*flavor == Flavor::Cloud)];
        let token = if (r >> 8) % 100 < 15 {
            super::sync::lock(&self.tokens).rotating
        } else {
            0
        };
        let miss = (r >> 16) % 100 < 30;
        let pick = |v: &[String]| v[(r >> 24) as usize % v.len()].clone();
        let fresh = |base: String| if miss { format!("{base}{n}") } else { base };
        let branches = if words.flavor == Flavor::Cloud { 6 } else { 5 };
        let (field, query, project, branch) = match (r >> 40) % branches {
            0 => (
                "assignee".to_owned(),
                fresh(pick(&words.users)),
                None,
                Branch::Users,
            ),
            1 => {
                let project = pick(&words.project_ids);
                (
                    "reporter".to_owned(),
                    fresh(pick(&words.users)),
                    Some(project),
                    Branch::Users,
                )
            }
            2 => (
                "externalIssue".to_owned(),
                fresh(pick(&words.issue_words)),
                None,
                Branch::Issues,
            ),
            3 => {
                // A key that does not exist is a Jira error today (#14 makes it "no match"):
                // a miss is a new word instead.
                let key = if miss {
                    fresh(pick(&words.issue_words))
                } else {
                    pick(&words.issue_keys)
                };
                ("parent".to_owned(), key, None, Branch::Issues)
            }
            4 => {
                let (field, prefix) =
                    &words.suggestions[(r >> 24) as usize % words.suggestions.len()];
                let branch = Branch::Autocomplete(field.clone());
                (field.clone(), fresh(prefix.clone()), None, branch)
            }
            _ => (
                "project".to_owned(),
                fresh(pick(&words.project_words)),
                None,
                Branch::Projects,
            ),
        };
        let route = if *flavor == Flavor::Cloud {
            "jira"
        } else {
            "jira-server"
        };
        let mut path =
            format!("/extensions/{route}/search/{ORG}/{id}/?field={field}&query={query}");
        if let Some(p) = project {
            path.push_str("&project=");
            path.push_str(&p);
        }
        let now = self.t0.elapsed();
        Planned {
            path,
            sent: Sent {
                integration,
                flavor: *flavor,
                token,
                branch,
                start: now,
                end: now,
            },
        }
    }

    /// Sends one request and waits for its whole answer.
    async fn send(&self, path: &str, token: &str) -> Answered {
        let uri = format!("http://{}{path}", self.addr);
        let req = match Request::get(uri)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .body(Empty::new())
        {
            Ok(r) => r,
            Err(e) => return Answered::Failed(format!("bad request: {e}")),
        };
        let answer = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| format!("{e:?}"))?;
            let status = resp.status().as_u16();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(Answered::Http {
                status,
                body: String::from_utf8_lossy(&body.to_bytes()).into_owned(),
            })
        };
        match tokio::time::timeout(CLIENT_DEADLINE, answer).await {
            Ok(Ok(a)) => a,
            Ok(Err(e)) => Answered::Failed(e),
            Err(_) => Answered::Failed(format!("no answer within {CLIENT_DEADLINE:?}")),
        }
    }

    /// Sends the next request of the mix, judges and counts its answer; true when it was 200.
    async fn one(self: Arc<Self>) -> bool {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let Planned { path, mut sent } = self.plan(n);
        let token = super::sync::lock(&self.tokens).values[sent.token].clone();
        let answered = self.send(&path, &token).await;
        sent.end = self.t0.elapsed();
        let verdict = judge(
            &sent,
            &answered,
            &super::sync::lock(&self.windows),
            self.grace,
        );
        let latency = sent.end.saturating_sub(sent.start);
        super::sync::lock(&self.tally).count(sent.end, latency, verdict, || {
            let what = match &answered {
                Answered::Http { status, body } => {
                    format!("{status} {}", body.chars().take(160).collect::<String>())
                }
                Answered::Failed(e) => format!("no answer: {e}"),
            };
            format!(
                "(sent at {:.1}s) GET {path} (token {}) → {what}",
                sent.start.as_secs_f64(),
                sent.token
            )
        });
        verdict == super::verdict::Verdict::Ok
    }

    /// `workers` requests at a time, back to back, for `duration`; the answers per second
    /// (200s only), counted in the tally too.
    pub async fn flat_out(self: &Arc<Self>, workers: usize, duration: Duration) -> f64 {
        let start = Instant::now();
        let ok = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..workers)
            .map(|_| {
                let (me, ok) = (self.clone(), ok.clone());
                tokio::spawn(async move {
                    while start.elapsed() < duration {
                        if me.clone().one().await {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            let _ = t.await;
        }
        ok.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
    }

    /// Sends `rate` requests per second until `until`, whatever the answers take, then waits
    /// for those in flight.
    pub async fn paced(self: &Arc<Self>, rate: f64, until: Instant) {
        let start = Instant::now();
        let mut due_sent = 0u64;
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while Instant::now() < until {
            tick.tick().await;
            let due = (start.elapsed().as_secs_f64() * rate) as u64;
            while due_sent < due {
                due_sent += 1;
                if self.in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
                    super::sync::lock(&self.tally).not_sent += 1;
                    continue;
                }
                self.in_flight.fetch_add(1, Ordering::Relaxed);
                let me = self.clone();
                tokio::spawn(async move {
                    me.clone().one().await;
                    me.in_flight.fetch_sub(1, Ordering::Relaxed);
                });
            }
        }
        let drain = Instant::now() + CLIENT_DEADLINE + Duration::from_secs(5);
        while self.in_flight.load(Ordering::Relaxed) > 0 && Instant::now() < drain {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mix;

    #[test]
    fn the_mix_is_the_same_every_run_and_spreads() {
        assert_eq!(mix(7), mix(7));
        let shares: Vec<u64> = (0..10_000).map(|n| mix(n) % 10).collect();
        for d in 0..10 {
            let c = shares.iter().filter(|&&s| s == d).count();
            assert!((800..1200).contains(&c), "{d}: {c}");
        }
    }
}
