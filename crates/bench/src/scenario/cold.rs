//! Cold searches on a Jira with many projects: one connection, nothing cached, every search
//! naming a project id never asked before and a new query; beside them the direct user
//! searches straight to jira-sim and Sentry's way (the whole project list first).

use std::sync::Arc;
use std::time::Instant;

use crate::load;
use crate::measure::{measure, path_fn, Watched};
use crate::results::{ColdAt, ColdByCache, ColdSearches, ProjectList};
use crate::world::{search_path, Service, Sim, SimProject, World, MANY_PROJECTS};

/// Fetches of the whole project list; the fastest counts.
const PROJECT_LIST_TRIES: u64 = 3;

/// Measures behind the big (fast) and the slow jira-sim.
pub async fn run(
    world: &World,
    services: &[Service],
    seconds: u64,
) -> Result<ColdSearches, String> {
    eprintln!("bench: cold searches on {MANY_PROJECTS} projects");
    let mut at = Vec::new();
    for sim in [&world.big, &world.slow] {
        at.push(cold_at(world, services, sim, seconds).await?);
    }
    Ok(ColdSearches {
        seconds,
        projects: MANY_PROJECTS,
        at,
    })
}

async fn cold_at(
    world: &World,
    services: &[Service],
    sim: &Sim,
    seconds: u64,
) -> Result<ColdAt, String> {
    let projects: Arc<Vec<SimProject>> = Arc::new(sim.projects().await?);
    if projects.len() < MANY_PROJECTS {
        return Err(format!(
            "jira-sim has {} projects, not {MANY_PROJECTS}",
            projects.len()
        ));
    }
    let tag = format!("{}{}", world.run_tag, sim.latency.ms);
    let sim_alone = Watched {
        service: None,
        sim: sim.pid(),
    };
    let (direct_projects, direct_tag) = (projects.clone(), tag.clone());
    let direct = measure(
        &sim.target(path_fn(move |n| {
            let key = &direct_projects[n as usize % direct_projects.len()].key;
            format!("/rest/api/2/user/assignable/search?project={key}&username=d{direct_tag}x{n}")
        })),
        1,
        seconds,
        sim_alone,
    )
    .await;
    let instance_wide_tag = tag.clone();
    let direct_instance_wide = measure(
        &sim.target(path_fn(move |n| {
            format!("/rest/api/2/user/search?username=e{instance_wide_tag}x{n}")
        })),
        1,
        seconds,
        sim_alone,
    )
    .await;
    let project_list = fetch_project_list(sim).await?;

    let mut by_cache = Vec::new();
    for (i, svc) in services.iter().enumerate() {
        // Each adapter starts at another share of the projects, so none was asked before.
        let offset = i * MANY_PROJECTS / services.len();
        let name = svc.cache.label();
        let (integration, cold_projects, cold_tag) =
            (sim.integration.clone(), projects.clone(), tag.clone());
        let with_project = measure(
            &svc.search(
                &world.token,
                path_fn(move |n| {
                    let project = &cold_projects[(offset + n as usize) % cold_projects.len()];
                    format!(
                        "{}&project={}",
                        search_path(&integration, &format!("c{cold_tag}{name}x{n}")),
                        project.id
                    )
                }),
            ),
            1,
            seconds,
            svc.watched_with(sim),
        )
        .await;
        let (integration, plain_tag) = (sim.integration.clone(), tag.clone());
        let without_project = measure(
            &svc.search(
                &world.token,
                path_fn(move |n| search_path(&integration, &format!("n{plain_tag}{name}x{n}"))),
            ),
            1,
            seconds,
            svc.watched_with(sim),
        )
        .await;
        by_cache.push(ColdByCache {
            cache: svc.cache,
            with_project: with_project.latency(),
            without_project: without_project.latency(),
        });
    }
    Ok(ColdAt {
        jira: sim.latency,
        direct: direct.latency(),
        direct_instance_wide: direct_instance_wide.latency(),
        project_list,
        by_cache,
    })
}

/// `GET /rest/api/2/project`, [`PROJECT_LIST_TRIES`] times on new connections.
async fn fetch_project_list(sim: &Sim) -> Result<ProjectList, String> {
    let target = sim.target(path_fn(|_| "/rest/api/2/project".to_owned()));
    let mut best_ms = f64::MAX;
    let mut bytes = 0;
    for n in 0..PROJECT_LIST_TRIES {
        let started = Instant::now();
        let answer = load::once(&target, n).await?;
        best_ms = best_ms.min(started.elapsed().as_secs_f64() * 1000.0);
        bytes = answer.body.len();
    }
    Ok(ProjectList {
        tries: PROJECT_LIST_TRIES,
        best_ms,
        bytes,
    })
}
