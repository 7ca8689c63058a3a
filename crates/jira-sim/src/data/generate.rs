//! Deterministic generation of the data set from a seed.

use std::collections::{HashMap, HashSet};

use super::words::{
    FIRST_NAMES, ISSUE_OBJECTS, ISSUE_QUALIFIERS, ISSUE_VERBS, LABELS, LAST_NAMES,
    PROJECT_ADJECTIVES, PROJECT_NOUNS, TEAMS, TIME_ZONES,
};
use super::{SimIssue, SimProject, SimSuggestion, SimUser, TEAM_FIELD};

/// SplitMix64: tiny, fast and good enough to make varied but reproducible data.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-enough value in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Folds the few accented letters of the built-in name lists to ASCII, for usernames and e-mails.
fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            Some(match c {
                'é' | 'è' | 'ë' => 'e',
                'ü' => 'u',
                'ö' | 'ø' => 'o',
                'ć' => 'c',
                'á' => 'a',
                c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
                _ => return None,
            })
        })
        .collect()
}

/// Builds the generated users: distinct display names, unique usernames, ids from the seed.
pub(crate) fn generate_users(count: usize, seed: u64, project_keys: &[String]) -> Vec<SimUser> {
    let mut rng = SplitMix64::new(seed ^ 0x5EED_0000_0000_0001);
    let combos = FIRST_NAMES.len() * LAST_NAMES.len();
    // A seeded permutation of every first/last combination keeps display names distinct.
    let mut order: Vec<usize> = (0..combos).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i + 1);
        order.swap(i, j);
    }
    let mut taken_names: HashMap<String, u32> = HashMap::new();
    let mut account_ids: HashSet<String> = HashSet::new();
    let mut users = Vec::with_capacity(count);
    for i in 0..count {
        let combo = order[i % combos];
        let round = i / combos;
        let first = FIRST_NAMES[combo / LAST_NAMES.len()];
        let last = LAST_NAMES[combo % LAST_NAMES.len()];
        let display_name = match round {
            0 => format!("{first} {last}"),
            r if r <= 26 => {
                let initial = (b'A' + (r - 1) as u8) as char;
                format!("{first} {initial}. {last}")
            }
            r => format!("{first} {last} {}", r - 25),
        };
        let base = format!(
            "{}{}",
            ascii_fold(first).chars().next().unwrap_or('u'),
            ascii_fold(last)
        );
        let n = taken_names.entry(base.clone()).or_insert(0);
        *n += 1;
        let name = if *n == 1 { base } else { format!("{base}{n}") };
        let account_id = loop {
            let hi = rng.next_u64();
            let lo = rng.next_u64() as u32;
            let id = format!("{hi:016x}{lo:08x}");
            if account_ids.insert(id.clone()) {
                break id;
            }
        };
        // One roll out of 100 decides both: 4 % of the users keep their e-mail address
        // private, the next 5 % are inactive.
        let roll = rng.below(100);
        let email = if roll < 4 {
            None
        } else {
            Some(format!("{name}@example.com"))
        };
        let active = !(4..9).contains(&roll);
        let projects = if !project_keys.is_empty() && rng.below(100) < 25 {
            let mut keys: Vec<String> = (0..1 + rng.below(3))
                .map(|_| project_keys[rng.below(project_keys.len())].clone())
                .collect();
            keys.sort();
            keys.dedup();
            keys
        } else {
            Vec::new()
        };
        users.push(SimUser {
            name,
            key: format!("JIRAUSER{}", 10000 + i),
            account_id,
            display_name,
            email,
            active,
            projects,
        });
    }
    users
}

/// Derives a project key from its name: initials first, then longer prefixes, then digits.
fn project_key(name: &str, taken: &mut HashSet<String>) -> String {
    let words: Vec<String> = name
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_ascii_alphabetic())
                .collect::<String>()
                .to_ascii_uppercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut candidates = Vec::new();
    let initials: String = words.iter().filter_map(|w| w.chars().next()).collect();
    if initials.len() >= 2 {
        candidates.push(initials.clone());
    }
    if let Some(first) = words.first() {
        for len in 3..=first.len().min(6) {
            candidates.push(first[..len].to_string());
        }
        if let Some(second) = words.get(1) {
            for len in 2..=second.len().min(4) {
                candidates.push(format!(
                    "{}{}",
                    &first[..first.len().min(2)],
                    &second[..len]
                ));
            }
        }
    }
    for c in candidates {
        if c.len() <= 10 && taken.insert(c.clone()) {
            return c;
        }
    }
    let stem = if initials.is_empty() {
        "PRJ".to_string()
    } else {
        initials
    };
    let mut n = 2u64;
    loop {
        let c = format!("{stem}{n}");
        if taken.insert(c.clone()) {
            return c;
        }
        n += 1;
    }
}

/// Builds the generated projects: ids `10000 + i`, unique upper-case keys, readable names.
pub(crate) fn generate_projects(count: usize, seed: u64) -> Vec<SimProject> {
    let mut rng = SplitMix64::new(seed ^ 0x5EED_0000_0000_0002);
    let combos = PROJECT_ADJECTIVES.len() * PROJECT_NOUNS.len();
    let mut order: Vec<usize> = (0..combos).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i + 1);
        order.swap(i, j);
    }
    let mut taken = HashSet::new();
    (0..count)
        .map(|i| {
            let combo = order[i % combos];
            let round = i / combos;
            let adjective = PROJECT_ADJECTIVES[combo / PROJECT_NOUNS.len()];
            let noun = PROJECT_NOUNS[combo % PROJECT_NOUNS.len()];
            let name = if round == 0 {
                format!("{adjective} {noun}")
            } else {
                format!("{adjective} {noun} {}", round + 1)
            };
            SimProject {
                id: (10000 + i).to_string(),
                key: project_key(&name, &mut taken),
                name,
            }
        })
        .collect()
}

/// Builds `per_project` issues in every project, numbered from 1 in each.
pub(crate) fn generate_issues(
    projects: &[SimProject],
    per_project: usize,
    seed: u64,
) -> Vec<SimIssue> {
    let mut rng = SplitMix64::new(seed ^ 0x5EED_0000_0000_0003);
    let mut issues = Vec::with_capacity(projects.len() * per_project);
    for project in projects {
        for n in 1..=per_project {
            let verb = ISSUE_VERBS[rng.below(ISSUE_VERBS.len())];
            let object = ISSUE_OBJECTS[rng.below(ISSUE_OBJECTS.len())];
            let qualifier = ISSUE_QUALIFIERS[rng.below(ISSUE_QUALIFIERS.len())];
            let summary = if qualifier.is_empty() {
                format!("{verb} {object}")
            } else {
                format!("{verb} {object} {qualifier}")
            };
            issues.push(SimIssue {
                id: (10000 + issues.len()).to_string(),
                key: format!("{}-{n}", project.key),
                summary,
                project_key: project.key.clone(),
            });
        }
    }
    issues
}

/// Builds autocomplete values: sprints (value = sprint id), labels and a "Team" custom field.
pub(crate) fn generate_suggestions(sprints: usize) -> Vec<SimSuggestion> {
    let mut out = Vec::new();
    for i in 1..=sprints {
        out.push(SimSuggestion {
            field: "sprint".into(),
            value: i.to_string(),
            display_name: format!("Sprint {i} ({i})"),
        });
    }
    for label in LABELS {
        out.push(SimSuggestion {
            field: "labels".into(),
            value: (*label).into(),
            display_name: (*label).into(),
        });
    }
    for team in TEAMS {
        out.push(SimSuggestion {
            field: TEAM_FIELD.into(),
            value: (*team).into(),
            display_name: (*team).into(),
        });
    }
    out
}

/// Picks one of the built-in time zones for a user, stably.
pub(crate) fn time_zone_for(user: &SimUser) -> &'static str {
    let h = user.key.bytes().fold(0usize, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(b as usize)
    });
    TIME_ZONES[h % TIME_ZONES.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_users() {
        let a = generate_users(500, 7, &["A".into(), "B".into()]);
        let b = generate_users(500, 7, &["A".into(), "B".into()]);
        assert_eq!(a, b);
        let c = generate_users(500, 8, &["A".into(), "B".into()]);
        assert_ne!(a, c);
    }

    #[test]
    fn users_are_distinct() {
        let users = generate_users(5000, 1, &[]);
        let names: HashSet<_> = users.iter().map(|u| &u.name).collect();
        let displays: HashSet<_> = users.iter().map(|u| &u.display_name).collect();
        let ids: HashSet<_> = users.iter().map(|u| &u.account_id).collect();
        assert_eq!(names.len(), 5000);
        assert_eq!(displays.len(), 5000);
        assert_eq!(ids.len(), 5000);
        assert!(users.iter().all(|u| u.account_id.len() == 24));
        assert!(users.iter().any(|u| !u.active));
        assert!(users.iter().any(|u| u.email.is_none()));
        assert!(users
            .iter()
            .all(|u| u.name.chars().all(|c| c.is_ascii_alphanumeric())));
    }

    #[test]
    fn project_keys_are_unique_and_valid() {
        let projects = generate_projects(3000, 3);
        let keys: HashSet<_> = projects.iter().map(|p| &p.key).collect();
        assert_eq!(keys.len(), 3000);
        for p in &projects {
            assert!(p.key.len() >= 2 && p.key.len() <= 10, "{}", p.key);
            assert!(p.key.chars().next().unwrap().is_ascii_uppercase());
            assert!(p
                .key
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        }
        assert_eq!(projects[0].id, "10000");
        assert_eq!(projects[2999].id, "12999");
    }

    #[test]
    fn issues_are_numbered_per_project() {
        let projects = generate_projects(2, 1);
        let issues = generate_issues(&projects, 3, 1);
        assert_eq!(issues.len(), 6);
        assert_eq!(issues[0].key, format!("{}-1", projects[0].key));
        assert_eq!(issues[5].key, format!("{}-3", projects[1].key));
        assert_eq!(issues[5].id, "10005");
    }
}
