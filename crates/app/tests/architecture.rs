//! The shape of the house, checked: the domain does no I/O, no module of any crate imports a
//! module that imports it back, and no production source file grows past its limit
//! (docs/architecture.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// Most lines of production code (before the test module) in one source file.
const MAX_PRODUCTION_LINES: usize = 500;

fn crates() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("src").is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's production code: everything before its `#[cfg(test)]` test module. Files that
/// hold only tests (`tests.rs`, `tests/…`) have none.
fn production(path: &Path, text: &str) -> String {
    let is_test_file = path.file_stem().is_some_and(|s| s == "tests")
        || path.components().any(|c| c.as_os_str() == "tests");
    if is_test_file {
        return String::new();
    }
    // Comments name modules without importing them.
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    let end = lines
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod tests"))
        .unwrap_or(lines.len());
    lines[..end].join("\n")
}

/// The module path of a source file below `src`: `a::b` for `src/a/b.rs` or `src/a/b/mod.rs`,
/// empty for the crate root.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts.join("::")
}

/// Every `crate::…`, `super::…` and `self::…` path a piece of code names, `use` lists
/// expanded: `use crate::a::{b, c::D}` names `crate::a::b` and `crate::a::c::D`.
fn paths_named(code: &str) -> Vec<String> {
    let mut found = use_paths(code);
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            let word_start = at == 0
                || !(bytes[at - 1].is_ascii_alphanumeric()
                    || bytes[at - 1] == b'_'
                    || bytes[at - 1] == b':');
            let mut end = at;
            while end < bytes.len()
                && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_' || bytes[end] == b':')
            {
                end += 1;
            }
            // `crate::{a, b}` is a `use` list, expanded above; the brace is not a name.
            let opens_a_list = bytes.get(end) == Some(&b'{');
            if word_start && !opens_a_list {
                found.push(code[at..end].trim_end_matches(':').to_owned());
            }
            from = end.max(at + 1);
        }
    }
    found
}

/// Every path the `use` items of `code` name, lists expanded.
fn use_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let after = &rest[i + 4..];
        let end = after.find(';').unwrap_or(after.len());
        expand(after[..end].trim(), &mut found);
        rest = &after[end..];
    }
    found
}

fn expand(tree: &str, out: &mut Vec<String>) {
    let tree: String = tree.replace(" as ", "@").split_whitespace().collect();
    expand_into("", &tree, out);
}

fn expand_into(prefix: &str, tree: &str, out: &mut Vec<String>) {
    for part in split_top(tree) {
        match part.find('{') {
            Some(open) if part.ends_with('}') => {
                let head = part[..open].trim_end_matches(':');
                let inner = &part[open + 1..part.len() - 1];
                expand_into(&join(prefix, head), inner, out);
            }
            // `E as F` names `E`.
            _ => out.push(join(prefix, part.split('@').next().unwrap_or(part))),
        }
    }
}

fn join(prefix: &str, part: &str) -> String {
    match (prefix.is_empty(), part.is_empty()) {
        (true, _) => part.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}::{part}"),
    }
}

/// `a, b::{c, d}, e` split at the commas outside braces.
fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// The names a module defines (types, functions, traits, constants).
fn defined(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in code.lines() {
        let mut words = line.split_whitespace().peekable();
        while let Some(w) = words.peek() {
            if w.starts_with("pub") || *w == "async" || *w == "unsafe" {
                words.next();
            } else {
                break;
            }
        }
        let (Some(kind), Some(name)) = (words.next(), words.next()) else {
            continue;
        };
        if matches!(
            kind,
            "struct" | "enum" | "fn" | "trait" | "type" | "const" | "static" | "union"
        ) {
            let name: String = name
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.insert(name);
        }
    }
    names
}

/// The module a path names, from `from`: the longest known module prefix; a name defined
/// in the crate root's re-exports resolves no further.
fn resolve(path: &str, from: &str, modules: &BTreeSet<String>) -> Option<String> {
    let mut segments: Vec<String> = Vec::new();
    let mut parts = path.split("::").peekable();
    match parts.peek().copied() {
        Some("crate") => {
            parts.next();
        }
        Some("self") => {
            parts.next();
            segments = split(from);
        }
        Some("super") => {
            segments = split(from);
            while parts.peek() == Some(&"super") {
                parts.next();
                segments.pop();
            }
        }
        // A path relative to the module: its child (`use child::Item`).
        Some(first) if modules.contains(&join(from, first)) => segments = split(from),
        _ => return None,
    }
    let mut best = segments.join("::");
    for p in parts {
        segments.push(p.to_owned());
        let candidate = segments.join("::");
        if modules.contains(&candidate) {
            best = candidate;
        } else {
            break;
        }
    }
    Some(best)
}

fn split(module: &str) -> Vec<String> {
    if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_owned).collect()
    }
}

/// Strongly connected components of more than one module: the cycles.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: Vec<&String> = graph.keys().collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for m in graph.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    stack.push(m.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut found: Vec<Vec<String>> = Vec::new();
    for a in &nodes {
        let mut cycle: Vec<String> = nodes
            .iter()
            .filter(|b| *b != a && reachable[a].contains(**b) && reachable[*b].contains(*a))
            .map(|b| (*b).clone())
            .collect();
        if !cycle.is_empty() {
            cycle.push((*a).clone());
            cycle.sort();
            if !found.contains(&cycle) {
                found.push(cycle);
            }
        }
    }
    found
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let mut problems = Vec::new();
    for krate in crates() {
        let src = krate.join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut code_of: BTreeMap<String, String> = BTreeMap::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let module = module_of(&src, file);
            if file.file_name().is_some_and(|n| n == "main.rs") && src.join("lib.rs").exists() {
                continue; // the binary is its own crate, importing the library by name
            }
            code_of
                .entry(module)
                .or_default()
                .push_str(&production(file, &text));
        }
        let modules: BTreeSet<String> = code_of.keys().cloned().collect();
        let defs: BTreeMap<&String, BTreeSet<String>> =
            code_of.iter().map(|(m, c)| (m, defined(c))).collect();
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (module, code) in &code_of {
            let edges = graph.entry(module.clone()).or_default();
            for path in paths_named(code) {
                let Some(target) = resolve(&path, module, &modules) else {
                    continue;
                };
                // A name the target does not define is one it re-exports: the edge goes to
                // the module it comes from, found by the target's own `use`.
                let last = path.rsplit("::").next().unwrap_or_default().to_owned();
                let defining = if defs[&target].contains(&last)
                    || modules.contains(&join(&target, &last))
                {
                    target
                } else {
                    reexport_source(&code_of[&target], &target, &last, &modules).unwrap_or(target)
                };
                if &defining != module {
                    edges.insert(defining);
                }
            }
        }
        for cycle in cycles(&graph) {
            let edges: Vec<String> = cycle
                .iter()
                .flat_map(|a| {
                    graph[a]
                        .iter()
                        .filter(|b| cycle.contains(b))
                        .map(move |b| format!("{a:?} -> {b:?}"))
                })
                .collect();
            problems.push(format!(
                "{}: {}\n    {}",
                krate.display(),
                cycle.join(" <-> "),
                edges.join(", ")
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "modules that import each other:\n{}",
        problems.join("\n")
    );
}

/// Where module `m` takes `name` from with a `use` (a re-export), if it does.
fn reexport_source(code: &str, m: &str, name: &str, modules: &BTreeSet<String>) -> Option<String> {
    use_paths(code)
        .iter()
        .filter(|p| p.rsplit("::").next() == Some(name))
        .find_map(|p| {
            let p = if p.starts_with("crate::")
                || p.starts_with("super::")
                || p.starts_with("self::")
            {
                p.clone()
            } else {
                format!("self::{p}")
            };
            resolve(&p, m, modules)
        })
}

#[test]
fn no_production_file_is_longer_than_its_limit() {
    let mut long = Vec::new();
    for krate in crates() {
        let mut files = Vec::new();
        rust_files(&krate.join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let lines = production(&file, &text).lines().count();
            if lines > MAX_PRODUCTION_LINES {
                long.push(format!("{}: {lines} lines", file.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these along their seams:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_domain_depends_on_no_adapter_and_on_tokio_sync_alone() {
    let manifest =
        std::fs::read_to_string(Path::new(ROOT).join("crates/domain/Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|s| s.split("\n[").next())
        .expect("a [dependencies] table");
    for adapter in [
        "jira-http",
        "store-sqlite",
        "cache",
        "app",
        "jira-sim",
        "hyper",
        "sqlx",
        "redis",
    ] {
        assert!(
            !deps
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{adapter} "))
                    || l.trim_start().starts_with(&format!("{adapter}="))),
            "the domain depends on {adapter}"
        );
    }
    let tokio = deps
        .lines()
        .find(|l| l.trim_start().starts_with("tokio"))
        .expect("tokio (sync) in the domain");
    assert!(tokio.contains(r#"features = ["sync"]"#), "{tokio}");
    let workspace = std::fs::read_to_string(Path::new(ROOT).join("Cargo.toml")).unwrap();
    let tokio = workspace
        .lines()
        .find(|l| l.starts_with("tokio ="))
        .expect("tokio in [workspace.dependencies]");
    assert!(
        tokio.contains("default-features = false") && !tokio.contains("features = ["),
        "the workspace's tokio entry enables features every crate gets: {tokio}"
    );
}

#[test]
fn the_checker_sees_a_cycle_and_expands_use_lists() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    graph.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    graph.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(cycles(&graph), vec![vec!["a".to_owned(), "b".to_owned()]]);
    let mut out = Vec::new();
    expand("crate::a::{b, c::{D, E as F}}", &mut out);
    assert_eq!(out, ["crate::a::b", "crate::a::c::D", "crate::a::c::E"]);
    let modules = BTreeSet::from(["".to_owned(), "a".to_owned(), "a::c".to_owned()]);
    assert_eq!(
        resolve("crate::a::c::D", "x", &modules).as_deref(),
        Some("a::c")
    );
    assert_eq!(resolve("super::X", "a::c", &modules).as_deref(), Some("a"));
}
