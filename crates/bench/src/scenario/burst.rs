//! Coalescing: many connections send the same cold search (a project id and a query never asked
//! before) at once to a service behind the slow jira-sim; jira-sim's request log counts the
//! Jira calls that got through.

use crate::load::{self, Answer};
use crate::measure::path_fn;
use crate::results::{Burst, BurstByCache};
use crate::world::{search_path, Service, World};

/// Identical searches sent at once, each on its own connection.
const SEARCHES: u64 = 200;

/// The path ending of the assignable user search at jira-sim.
const ASSIGNABLE_SEARCH: &str = "/user/assignable/search";

/// Sends the burst to each service in turn.
pub async fn run(world: &World, services: &[Service]) -> Result<Burst, String> {
    eprintln!("bench: {SEARCHES} concurrent identical cold searches");
    let sim = &world.slow;
    let projects = sim.projects().await?;
    let mut by_cache = Vec::new();
    for (i, svc) in services.iter().enumerate() {
        // From the end of the list: the cold searches never reached these.
        let project = projects
            .len()
            .checked_sub(1 + i)
            .and_then(|j| projects.get(j))
            .ok_or("jira-sim has too few projects")?;
        sim.clear().await?;
        let path = format!(
            "{}&project={}",
            search_path(
                &sim.integration,
                &format!("burst{}{}", world.run_tag, svc.cache.label())
            ),
            project.id
        );
        let answers = send_at_once(svc, &world.token, path).await?;
        let received = sim.received().await?;
        let lookup = format!("/rest/api/2/project/{}", project.id);
        by_cache.push(BurstByCache {
            cache: svc.cache,
            answered_ok: answers.iter().filter(|a| a.status == 200).count(),
            identical: answers.windows(2).all(|pair| pair[0].body == pair[1].body),
            project_lookups: received.iter().filter(|p| p.ends_with(&lookup)).count(),
            user_searches: received
                .iter()
                .filter(|p| p.ends_with(ASSIGNABLE_SEARCH))
                .count(),
        });
    }
    Ok(Burst {
        searches: SEARCHES as usize,
        jira: sim.latency,
        by_cache,
    })
}

/// [`SEARCHES`] requests for `path`, all started before any is awaited.
async fn send_at_once(svc: &Service, token: &str, path: String) -> Result<Vec<Answer>, String> {
    let target = svc.search(token, path_fn(move |_| path.clone()));
    let tasks: Vec<_> = (0..SEARCHES)
        .map(|n| {
            let target = target.clone();
            tokio::spawn(async move { load::once(&target, n).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.map_err(|e| e.to_string())??);
    }
    Ok(answers)
}
