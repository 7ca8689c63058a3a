//! The soak's faults, one at a time with calm between them, round and round until the run
//! ends: each Jira fault on each simulator, a Redis restart, a token revocation, and each
//! second integration disabled and enabled. Each is recorded as a window before it starts and
//! closed after it is cleared, for the verdicts.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::traffic::Traffic;
use super::verdict::{Fault, Flavor, JiraFault, Window};
use super::world::{World, JIRA_TIMEOUT_SECONDS};

/// How long a Jira fault or a disabled integration lasts.
const HOLD: Duration = Duration::from_secs(8);
/// How long Redis stays down.
const REDIS_DOWN: Duration = Duration::from_secs(3);
/// How long the traffic keeps using a revoked token before it switches to a new one.
const REVOKED_IN_USE: Duration = Duration::from_secs(3);

/// The order faults come in, round and round.
const CYCLE: [Fault; 10] = [
    Fault::Jira(Flavor::Server, JiraFault::RateLimited),
    Fault::Jira(Flavor::Cloud, JiraFault::ServerError),
    Fault::Jira(Flavor::Server, JiraFault::Timeout),
    Fault::RedisRestart,
    Fault::TokenRevoked(usize::MAX),
    Fault::Disabled(2),
    Fault::Jira(Flavor::Cloud, JiraFault::RateLimited),
    Fault::Jira(Flavor::Server, JiraFault::ServerError),
    Fault::Jira(Flavor::Cloud, JiraFault::Timeout),
    Fault::Disabled(3),
];

/// Injects faults, `calm` apart, until `until` (none starts within a minute of it).
pub async fn run(
    world: &mut World,
    traffic: &Arc<Traffic>,
    calm: Duration,
    until: Instant,
) -> Result<(), String> {
    let mut round = 0usize;
    loop {
        for fault in CYCLE {
            tokio::time::sleep(calm).await;
            if Instant::now() + Duration::from_secs(60) > until {
                return Ok(());
            }
            inject(world, traffic, fault, round).await?;
        }
        round += 1;
    }
}

/// Opens a window (before the fault starts); returns its index.
fn open(traffic: &Traffic, fault: Fault) -> usize {
    super::sync::lock(&traffic.tally).injected(fault);
    let mut windows = super::sync::lock(&traffic.windows);
    windows.push(Window {
        fault,
        start: traffic.t0.elapsed(),
        end: None,
    });
    windows.len() - 1
}

/// Closes a window (after the fault is cleared).
fn close(traffic: &Traffic, window: usize) {
    super::sync::lock(&traffic.windows)[window].end = Some(traffic.t0.elapsed());
}

/// Runs a CLI command off the runtime's thread.
async fn cli(world: &World, args: Vec<String>) -> Result<String, String> {
    let (bins, url) = (world.bins.clone(), world.database_url.clone());
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        bins.cli(&url, &args, "")
    })
    .await
    .map_err(|e| format!("CLI task: {e}"))?
}

async fn inject(
    world: &mut World,
    traffic: &Arc<Traffic>,
    fault: Fault,
    round: usize,
) -> Result<(), String> {
    match fault {
        Fault::Jira(flavor, what) => {
            let addr = world.sim(flavor).addr;
            let window = open(traffic, fault);
            sim_faults(addr, "POST", Some(jira_fault(what, round))).await?;
            tokio::time::sleep(HOLD).await;
            sim_faults(addr, "DELETE", None).await?;
            close(traffic, window);
        }
        Fault::RedisRestart => {
            let window = open(traffic, fault);
            world.redis.stop();
            tokio::time::sleep(REDIS_DOWN).await;
            let port = world.redis.port;
            world.redis = tokio::task::spawn_blocking(move || super::world::Redis::start(port))
                .await
                .map_err(|e| format!("Redis task: {e}"))??;
            close(traffic, window);
        }
        Fault::TokenRevoked(_) => {
            let (index, token) = {
                let tokens = super::sync::lock(&traffic.tokens);
                (tokens.rotating, tokens.values[tokens.rotating].clone())
            };
            // Lasts for good: the window is never closed.
            open(traffic, Fault::TokenRevoked(index));
            let prefix: String = token.chars().take(16).collect();
            cli(world, vec!["token".into(), "revoke".into(), prefix]).await?;
            tokio::time::sleep(REVOKED_IN_USE).await;
            let new = cli(
                world,
                ["token", "add", "--org", super::world::ORG]
                    .map(String::from)
                    .to_vec(),
            )
            .await?;
            let mut tokens = super::sync::lock(&traffic.tokens);
            tokens.values.push(new);
            tokens.rotating = tokens.values.len() - 1;
        }
        Fault::Disabled(integration) => {
            let id = world.integrations[integration].id.clone();
            let window = open(traffic, fault);
            cli(
                world,
                vec!["integration".into(), "disable".into(), id.clone()],
            )
            .await?;
            tokio::time::sleep(HOLD).await;
            cli(world, vec!["integration".into(), "enable".into(), id]).await?;
            close(traffic, window);
        }
    }
    Ok(())
}

/// The simulator fault of a Jira fault, on every Jira route (not the control routes).
fn jira_fault(what: JiraFault, round: usize) -> serde_json::Value {
    match what {
        JiraFault::RateLimited => json!({
            "path_prefix": "/rest", "status": 429,
            "headers": [["Retry-After", "1"]],
            "content_type": "text/html;charset=UTF-8",
            "body": "<html><body>Rate limit exceeded</body></html>",
        }),
        // A proxy's HTML page one round, Jira's own empty 500 the next.
        JiraFault::ServerError if round % 2 == 0 => json!({
            "path_prefix": "/rest", "status": 502,
            "content_type": "text/html;charset=UTF-8",
            "body": "<html><body><h1>502 Bad Gateway</h1></body></html>",
        }),
        JiraFault::ServerError => json!({"path_prefix": "/rest", "status": 500}),
        JiraFault::Timeout => json!({
            "path_prefix": "/rest", "status": 200, "body": "[]",
            "content_type": "application/json;charset=UTF-8",
            "delay_ms": (JIRA_TIMEOUT_SECONDS + 1) * 1000,
        }),
    }
}

/// `POST /_sim/faults` with a fault, or `DELETE /_sim/faults`.
async fn sim_faults(
    addr: SocketAddr,
    method: &str,
    fault: Option<serde_json::Value>,
) -> Result<(), String> {
    let answer = crate::load::call_with(addr, method, "/_sim/faults", fault.map(|f| f.to_string()))
        .await
        .map_err(|e| format!("jira-sim {addr}: {e}"))?;
    if !(200..300).contains(&answer.status) {
        return Err(format!(
            "jira-sim {method} /_sim/faults: {} {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        ));
    }
    Ok(())
}
