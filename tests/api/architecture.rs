//! The shape of `src/`, read from the source: which module imports which (every `use` tree
//! and every path starting with `crate::`, `super::`, `self::` or a child module's name),
//! checked against the allowed directions between the layers and for circles between files;
//! and the size of files. ARCHITECTURE.md explains the layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each layer (a top-level module) may import. Anything not listed is refused, so a
/// new layer must be placed here (and in ARCHITECTURE.md) before it can be imported.
const ALLOWED: &[(&str, &[&str])] = &[
    ("base", &[]),
    ("config", &["base"]),
    ("telemetry", &["config"]),
    ("db", &["base", "config", "telemetry"]),
    ("error", &["base", "db"]),
    ("domain", &["base", "db", "error", "telemetry"]),
    ("auth", &["base", "config", "db", "error"]),
    (
        "delivery",
        &["base", "config", "db", "error", "domain", "telemetry"],
    ),
    (
        "api",
        &[
            "base",
            "config",
            "db",
            "error",
            "domain",
            "auth",
            "telemetry",
        ],
    ),
    ("demo", &["base", "domain"]),
    ("logging", &["config", "telemetry"]),
    (
        "jobs",
        &["base", "config", "db", "error", "domain", "auth", "api"],
    ),
    (
        "startup",
        &[
            "base",
            "config",
            "db",
            "error",
            "domain",
            "auth",
            "api",
            "delivery",
            "jobs",
            "telemetry",
        ],
    ),
];

/// Crates a layer must not name: the domain may be called by a CLI command or a background
/// job, so it knows nothing of HTTP.
const FORBIDDEN_CRATES: &[(&str, &[&str])] =
    &[("domain", &["actix_web", "actix_cors", "utoipa_actix_web"])];

/// Longest file in `src/` (the generated `db/schema.rs` aside).
const MAX_FILE_LINES: usize = 600;

#[test]
fn layers_import_only_downwards() {
    let wrong = imports_against_the_layers(&Modules::read());
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

/// The test must fail on an upward import, and on a layer the table does not know.
#[test]
fn an_upward_import_is_found() {
    let mut modules = Modules::default();
    modules.add("domain::rule", "use crate::api::state::AppState;");
    modules.add("api::state", "pub struct AppState;");
    modules.add("gadgets::x", "use crate::domain::rule;");
    assert_eq!(
        imports_against_the_layers(&modules),
        vec![
            "domain::rule imports api::state".to_string(),
            "gadgets::x: layer `gadgets` is not in ALLOWED".to_string(),
        ]
    );
}

fn imports_against_the_layers(modules: &Modules) -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut wrong = Vec::new();
    for (from, to) in modules.edges() {
        let (from_layer, to_layer) = (layer(&from), layer(&to));
        if from_layer == to_layer || from_layer.is_empty() {
            continue;
        }
        match allowed.get(from_layer) {
            Some(may) if may.contains(&to_layer) => {}
            Some(_) => wrong.push(format!("{from} imports {to}")),
            None => wrong.push(format!("{from}: layer `{from_layer}` is not in ALLOWED")),
        }
    }
    wrong
}

#[test]
fn no_module_imports_in_a_circle() {
    let modules = Modules::read();
    let circles = modules.circles();
    assert!(
        circles.is_empty(),
        "modules that import each other (directly or through others):\n{}",
        circles
            .iter()
            .map(|c| c.join(" → "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn layers_name_no_crate_beyond_their_reach() {
    let modules = Modules::read();
    let mut wrong = Vec::new();
    for (module, source) in &modules.code {
        for (layer_name, crates) in FORBIDDEN_CRATES {
            if layer(module) != *layer_name {
                continue;
            }
            for name in *crates {
                if tokens(source).iter().any(|t| t == name) {
                    wrong.push(format!("{module} names {name}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_file_is_longer_than_a_page_or_two() {
    let long: Vec<String> = source_files()
        .into_iter()
        .filter(|path| !path.ends_with("db/schema.rs"))
        .filter_map(|path| {
            let lines = std::fs::read_to_string(&path).ok()?.lines().count();
            (lines > MAX_FILE_LINES).then(|| format!("{} has {lines} lines", path.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_FILE_LINES} lines:\n{}",
        long.join("\n")
    );
}

/// The test must fail on a circle: two files that import each other are found.
#[test]
fn a_circle_between_two_files_is_found() {
    let mut modules = Modules::default();
    modules.add("domain::a", "use super::b::Thing;");
    modules.add("domain::b", "pub fn f() { crate::domain::a::g() }");
    modules.add("domain", "pub mod a; pub mod b;");
    assert_eq!(
        modules.circles(),
        vec![vec!["domain::a", "domain::b", "domain::a"]]
    );
}

/// A child that imports its folder's `mod.rs` while that re-exports the child is a circle too.
#[test]
fn a_parent_and_child_importing_each_other_are_a_circle() {
    let mut modules = Modules::default();
    modules.add("jobs", "mod periodic; pub use periodic::spawn;");
    modules.add("jobs::periodic", "use super::Helper; pub fn spawn() {}");
    assert_eq!(modules.circles().len(), 1);
    modules.add("jobs::periodic", "pub fn spawn() {}");
    assert!(modules.circles().is_empty());
}

fn layer(module: &str) -> &str {
    module.split("::").next().unwrap_or_default()
}

fn source_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files.sort();
    files
}

/// Every module of `src/` (one per file; `lib.rs` is the root, `main.rs` is the binary and
/// left out) with its code, comments, strings and test modules removed.
#[derive(Default)]
struct Modules {
    code: BTreeMap<String, String>,
}

impl Modules {
    fn read() -> Self {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut modules = Self::default();
        for path in source_files() {
            let relative = path.strip_prefix(&src).expect("under src/");
            let mut segments: Vec<String> = relative
                .with_extension("")
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            match segments.last().map(String::as_str) {
                Some("main") if segments.len() == 1 => continue,
                Some("lib") if segments.len() == 1 => segments.clear(),
                Some("mod") => {
                    segments.pop();
                }
                _ => {}
            }
            let source = std::fs::read_to_string(&path).expect("readable source");
            modules.add(&segments.join("::"), &source);
        }
        modules
    }

    fn add(&mut self, module: &str, source: &str) {
        let code = strip(source);
        // Unit tests may reach anywhere; the rules are about what ships.
        let code = match code.find("#[cfg(test)]") {
            Some(at) => code[..at].to_string(),
            None => code,
        };
        self.code.insert(module.to_string(), code);
    }

    /// Every import from one module to another (the crate root and the module itself aside).
    fn edges(&self) -> BTreeSet<(String, String)> {
        let mut edges = BTreeSet::new();
        for (module, code) in &self.code {
            let here: Vec<&str> = if module.is_empty() {
                Vec::new()
            } else {
                module.split("::").collect()
            };
            for path in paths(&tokens(code)) {
                let Some(absolute) = self.absolute(&here, &path) else {
                    continue;
                };
                if let Some(target) = self.module_of(&absolute)
                    && !target.is_empty()
                    && target != *module
                {
                    edges.insert((module.clone(), target));
                }
            }
        }
        edges
    }

    /// The path from the crate root, if it starts at `crate`, `super`, `self` or a child.
    fn absolute(&self, here: &[&str], path: &[String]) -> Option<Vec<String>> {
        let mut base: Vec<String> = here.iter().map(|s| s.to_string()).collect();
        let first = path.first()?;
        let rest = match first.as_str() {
            "crate" => {
                base.clear();
                &path[1..]
            }
            "self" => &path[1..],
            "super" => {
                let ups = path.iter().take_while(|s| *s == "super").count();
                for _ in 0..ups {
                    base.pop()?;
                }
                &path[ups..]
            }
            child => {
                let mut candidate = base.clone();
                candidate.push(child.to_string());
                if !self.code.contains_key(&candidate.join("::")) {
                    return None;
                }
                path
            }
        };
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The longest module that is a prefix of the path.
    fn module_of(&self, path: &[String]) -> Option<String> {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].join("::"))
            .find(|candidate| self.code.contains_key(candidate))
    }

    /// Each circle once, as a walk from its first module back to it.
    fn circles(&self) -> Vec<Vec<String>> {
        let edges = self.edges();
        let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (from, to) in &edges {
            next.entry(from).or_default().push(to);
        }
        let mut seen_in_circle = BTreeSet::new();
        let mut circles = Vec::new();
        for start in self.code.keys() {
            if seen_in_circle.contains(start.as_str()) {
                continue;
            }
            if let Some(walk) = walk_back_to(start, &next) {
                seen_in_circle.extend(walk.iter().cloned());
                circles.push(walk);
            }
        }
        circles
    }
}

/// The shortest walk from `start` back to itself, if there is one (breadth first).
fn walk_back_to(start: &str, next: &BTreeMap<&str, Vec<&str>>) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(module) = queue.pop_front() {
        for &to in next.get(module).into_iter().flatten() {
            if to == start {
                let mut back = Vec::new();
                let mut at = module;
                while at != start {
                    back.push(at.to_string());
                    at = came_from[at];
                }
                let mut walk = vec![start.to_string()];
                walk.extend(back.into_iter().rev());
                walk.push(start.to_string());
                return Some(walk);
            }
            if !came_from.contains_key(to) && to != start {
                came_from.insert(to, module);
                queue.push_back(to);
            }
        }
    }
    None
}

/// Source without comments, string and character literals.
fn strip(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r'
            && matches!(next, Some('"') | Some('#'))
            && !is_ident(chars.get(i.wrapping_sub(1)))
        {
            // A raw string: r"…" or r#"…"#.
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            let closing: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while i < chars.len() && !chars[i..].starts_with(&closing) {
                i += 1;
            }
            i += closing.len();
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && (chars.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // A character literal; a lifetime ('a) has no closing quote.
            i = if next == Some('\\') {
                chars[i + 3..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map_or(chars.len(), |p| i + 4 + p)
            } else {
                i + 3
            };
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// Identifiers and the punctuation that matters for paths.
fn tokens(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push("::".to_string());
            i += 2;
        } else {
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
            i += 1;
        }
    }
    tokens
}

/// Every path the code names: the leaves of `use` trees, and `a::b::c` elsewhere.
fn paths(tokens: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == "use" {
            let end = tokens[i..]
                .iter()
                .position(|t| t == ";")
                .map_or(tokens.len(), |p| i + p);
            use_tree(&tokens[i + 1..end], Vec::new(), &mut found);
            i = end;
            continue;
        }
        let starts_path = is_ident(tokens[i].chars().next().as_ref())
            && tokens.get(i + 1).is_some_and(|t| t == "::")
            && (i == 0 || tokens[i - 1] != "::");
        if starts_path {
            let mut path = vec![tokens[i].clone()];
            let mut j = i + 1;
            while tokens.get(j).is_some_and(|t| t == "::")
                && tokens
                    .get(j + 1)
                    .is_some_and(|t| is_ident(t.chars().next().as_ref()))
            {
                path.push(tokens[j + 1].clone());
                j += 2;
            }
            found.push(path);
            i = j;
            continue;
        }
        i += 1;
    }
    found
}

/// The leaves of one `use` tree, e.g. `crate::a::{b, c::{d, e as f}}`.
fn use_tree(tokens: &[String], prefix: Vec<String>, found: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i].as_str() {
            "::" => i += 1,
            "{" => {
                let mut depth = 0;
                let mut start = i + 1;
                for j in i..tokens.len() {
                    match tokens[j].as_str() {
                        "{" => depth += 1,
                        "}" => {
                            depth -= 1;
                            if depth == 0 {
                                use_tree(&tokens[start..j], path.clone(), found);
                                return;
                            }
                        }
                        "," if depth == 1 => {
                            use_tree(&tokens[start..j], path.clone(), found);
                            start = j + 1;
                        }
                        _ => {}
                    }
                }
                return;
            }
            "as" | "*" => break,
            token => {
                path.push(token.to_string());
                i += 1;
            }
        }
    }
    if !path.is_empty() {
        found.push(path);
    }
}
