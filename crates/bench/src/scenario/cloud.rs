//! A cold Jira Cloud user search with a project against one direct Jira call: one connection,
//! every search naming a project id never asked before and a new query (nothing cached),
//! behind the slow Cloud jira-sim; the direct call (the same assignable search with the
//! project id straight to jira-sim) and each service take turns. One more search per service
//! counts the Jira calls it makes, from jira-sim's request log.

use std::sync::Arc;

use crate::load;
use crate::measure::{measure_interleaved, path_fn, unique_paths, Contender, Watched, TURN};
use crate::results::{CloudCold, CloudColdByCache};
use crate::world::{Service, Sim, SimProject, World};

/// Measures behind the Cloud jira-sim; each side takes `turns` turns.
pub async fn run(world: &World, services: &[Service], turns: u64) -> Result<CloudCold, String> {
    eprintln!("bench: cold Jira Cloud user searches with a project");
    let sim = &world.cloud;
    let projects: Arc<Vec<SimProject>> = Arc::new(sim.projects().await?);
    // One share of the projects for the direct calls, one per adapter, one for the counts.
    let share = projects.len() / (services.len() + 2);
    if share == 0 {
        return Err(format!(
            "the Cloud jira-sim has {} projects",
            projects.len()
        ));
    }
    let project_id = move |projects: &[SimProject], share_index: usize, n: u64| {
        projects[share_index * share + n as usize % share]
            .id
            .clone()
    };
    let tag = world.run_tag.clone();
    let (direct_projects, direct_tag) = (projects.clone(), tag.clone());
    let direct = Contender {
        target: sim.target(unique_paths(move |n| {
            format!(
                "/rest/api/2/user/assignable/search?project={}&query=d{direct_tag}x{n}",
                project_id(&direct_projects, 0, n)
            )
        })),
        watched: Watched {
            service: None,
            sim: sim.pid(),
        },
    };
    let contenders: Vec<Contender> = services
        .iter()
        .enumerate()
        .map(|(i, svc)| {
            let (projects, tag, name) = (projects.clone(), tag.clone(), svc.cache.label());
            let base = sim.search_path("");
            Contender {
                target: svc.search(
                    &world.token,
                    unique_paths(move |n| {
                        format!(
                            "{base}c{tag}{name}x{n}&project={}",
                            project_id(&projects, 1 + i, n)
                        )
                    }),
                ),
                watched: svc.watched_with(sim),
            }
        })
        .collect();
    let runs = measure_interleaved(&direct, &contenders, turns).await;
    let mut by_cache = Vec::new();
    for (i, (svc, run)) in services.iter().zip(&runs.services).enumerate() {
        let project = project_id(&projects, 1 + services.len(), i as u64);
        by_cache.push(CloudColdByCache {
            cache: svc.cache,
            service: run.latency(),
            errors: run.out.errors,
            jira_calls: jira_calls(world, svc, sim, &project).await?,
        });
    }
    Ok(CloudCold {
        turn: TURN,
        turns,
        projects: projects.len(),
        jira: sim.latency,
        direct: runs.floor.latency(),
        by_cache,
    })
}

/// The Jira calls one more cold search with `project` through `svc` makes.
async fn jira_calls(
    world: &World,
    svc: &Service,
    sim: &Sim,
    project: &str,
) -> Result<usize, String> {
    sim.clear().await?;
    let path = format!(
        "{}&project={project}",
        sim.search_path(&format!("calls{}{}", world.run_tag, svc.cache.label()))
    );
    let answer = load::once(&svc.search(&world.token, path_fn(move |_| path.clone())), 0).await?;
    if answer.status != 200 {
        return Err(format!(
            "a cold Cloud search through the service ({}) answered {}",
            svc.cache.label(),
            answer.status
        ));
    }
    Ok(sim.received().await?.len())
}
