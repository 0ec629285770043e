//! The layout a newcomer reads in the README is the layout of the tree: no module of `src/`
//! imports, directly or through others, a module that imports it back, and the README's
//! Layout section names every source file there is (and none that is not).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::repo;

/// One source file: its module path (`aws::shape`, `context`; `` for `main.rs`) and text.
struct Source {
    module: String,
    file: PathBuf,
    code: String,
}

fn sources() -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = repo().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let relative = file
                .strip_prefix(&src)
                .expect("under src/")
                .with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "main")) {
                parts.pop();
            }
            let text = std::fs::read_to_string(&file).expect("a source file is readable");
            Source {
                module: parts.join("::"),
                file: file.strip_prefix(repo()).unwrap_or(&file).to_path_buf(),
                code: without_tests(&code_only(&text)),
            }
        })
        .collect()
}

/// The text with comments, string and character literals blanked out (newlines kept, so
/// line numbers stay true).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !prev_is_ident(&chars, i)
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let closing: Vec<char> = closing.chars().collect();
            while j < chars.len() && !chars[j..].starts_with(&closing) {
                j += 1;
            }
            let end = (j + closing.len()).min(chars.len());
            for &k in &chars[i..end] {
                out.push(blank(k));
            }
            i = end;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && (chars.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // A character literal ('"', '\n', '\''); a lifetime has no closing quote.
            let mut j = i + 1;
            if chars.get(j) == Some(&'\\') {
                j += 1;
            }
            j += 1;
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            for _ in i..=j.min(chars.len() - 1) {
                out.push(' ');
            }
            i = j + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// The code without `#[cfg(test)]` items: tests may reach anywhere.
fn without_tests(code: &str) -> String {
    let mut out = code.to_string();
    while let Some(at) = out.find("#[cfg(test)]") {
        let bytes = out.as_bytes();
        let mut end = at;
        let mut depth = 0usize;
        while end < bytes.len() {
            match bytes[end] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                b';' if depth == 0 => break,
                _ => {}
            }
            end += 1;
        }
        let end = (end + 1).min(out.len());
        let blanked: String = out[at..end]
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        out.replace_range(at..end, &blanked);
    }
    out
}

/// The paths a `use` tree names: `crate::{a::{self, B}, c}` → `crate::a`, `crate::a::B`,
/// `crate::c`.
fn use_paths(tree: &str) -> Vec<String> {
    fn parse(prefix: &str, tree: &str, out: &mut Vec<String>) {
        let tree = tree.trim();
        if let Some(open) = tree.find('{') {
            let head = tree[..open].trim().trim_end_matches("::");
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let prefix = join(prefix, head);
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        parse(&prefix, &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            parse(&prefix, &inner[start..], out);
        } else {
            let name = tree.split(" as ").next().unwrap_or("").trim();
            match name {
                "" => {}
                "self" | "*" => out.push(prefix.to_string()),
                _ => out.push(join(prefix, name)),
            }
        }
    }
    fn join(a: &str, b: &str) -> String {
        match (a.is_empty(), b.is_empty()) {
            (true, _) => b.to_string(),
            (_, true) => a.to_string(),
            _ => format!("{a}::{b}"),
        }
    }
    let mut out = Vec::new();
    parse("", tree, &mut out);
    out
}

/// Every path a source names with `crate::`, `super::` or `self::`, with its line.
fn named_paths(code: &str) -> Vec<(String, usize)> {
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut out = Vec::new();
    let mut rest_start = 0;
    let mut uses = Vec::new();
    // `use` declarations (possibly `pub use`, over several lines).
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(found) = code[i..].find("use ") {
        let at = i + found;
        i = at + 4;
        let starts_word =
            at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        if !starts_word {
            continue;
        }
        let Some(end) = code[at..].find(';').map(|e| at + e) else {
            break;
        };
        let tree = &code[at + 4..end];
        if tree.trim_start().starts_with(['c', 's']) {
            for path in use_paths(tree) {
                out.push((path, line_of(at)));
            }
            uses.push((at, end));
        }
        i = end;
    }
    // Paths written in code: `crate::aws::member(…)`.
    let mut code_only = code.to_string();
    for (start, end) in uses.into_iter().rev() {
        code_only.replace_range(start..end, &" ".repeat(end - start));
    }
    let cb = code_only.as_bytes();
    while rest_start < cb.len() {
        let Some(found) = ["crate::", "super::", "self::"]
            .iter()
            .filter_map(|p| code_only[rest_start..].find(p).map(|f| (f, *p)))
            .min()
        else {
            break;
        };
        let at = rest_start + found.0;
        rest_start = at + found.1.len();
        if at > 0
            && (cb[at - 1].is_ascii_alphanumeric() || cb[at - 1] == b'_' || cb[at - 1] == b'$')
        {
            continue;
        }
        let mut end = at;
        while end < cb.len()
            && (cb[end].is_ascii_alphanumeric() || cb[end] == b'_' || cb[end] == b':')
        {
            end += 1;
        }
        out.push((
            code_only[at..end].trim_end_matches(':').to_string(),
            line_of(at),
        ));
    }
    out
}

/// The module a path names, from the module `from`: the longest prefix that is a module.
fn resolve(from: &str, path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let mut segments: Vec<&str> = if from.is_empty() {
        vec![]
    } else {
        from.split("::").collect()
    };
    let mut parts = path.split("::").filter(|s| !s.is_empty()).peekable();
    match parts.peek() {
        Some(&"crate") => {
            segments.clear();
            parts.next();
        }
        Some(&"super") => {
            while parts.peek() == Some(&"super") {
                segments.pop();
                parts.next();
            }
        }
        Some(&"self") => {
            parts.next();
        }
        _ => return None,
    }
    let mut best = None;
    for part in parts {
        segments.push(part);
        let candidate = segments.join("::");
        if modules.contains(&candidate) {
            best = Some(candidate);
        } else {
            break;
        }
    }
    best
}

/// Edges `from → to` with where each is first named.
fn edges() -> BTreeMap<(String, String), String> {
    let sources = sources();
    let modules: BTreeSet<String> = sources.iter().map(|s| s.module.clone()).collect();
    let mut out = BTreeMap::new();
    for source in &sources {
        for (path, line) in named_paths(&source.code) {
            let Some(to) = resolve(&source.module, &path, &modules) else {
                continue;
            };
            if to == source.module || to.is_empty() {
                continue;
            }
            out.entry((source.module.clone(), to))
                .or_insert_with(|| format!("{}:{line}", source.file.display()));
        }
    }
    out
}

/// The cycles of a graph, each as the modules along it (Tarjan's strongly connected parts).
fn cycles(edges: &BTreeMap<(String, String), String>) -> Vec<Vec<String>> {
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from).or_default().push(to);
        graph.entry(to).or_default();
    }
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        parts: Vec<Vec<String>>,
    }
    fn visit<'a>(v: &'a str, graph: &BTreeMap<&'a str, Vec<&'a str>>, s: &mut State<'a>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for &w in &graph[v] {
            if !s.index.contains_key(w) {
                visit(w, graph, s);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut part = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                part.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if part.len() > 1 {
                part.sort();
                s.parts.push(part);
            }
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        parts: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v) {
            visit(v, &graph, &mut state);
        }
    }
    state.parts
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = edges();
    assert!(
        edges.len() > 50,
        "the checker found only {} imports",
        edges.len()
    );
    let cycles = cycles(&edges);
    let shown: Vec<String> = cycles
        .iter()
        .map(|part| {
            let inside: Vec<String> = edges
                .iter()
                .filter(|((a, b), _)| part.contains(a) && part.contains(b))
                .map(|((a, b), at)| format!("    {a} -> {b} ({at})"))
                .collect();
            format!("  {}:\n{}", part.join(", "), inside.join("\n"))
        })
        .collect();
    assert!(
        cycles.is_empty(),
        "modules that import each other:\n{}",
        shown.join("\n")
    );
}

#[test]
fn the_checker_sees_a_cycle_when_there_is_one() {
    let mut edges = BTreeMap::new();
    for (a, b) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        edges.insert((a.to_string(), b.to_string()), String::new());
    }
    assert_eq!(cycles(&edges), vec![vec!["a", "b", "c"]]);
    let code = code_only(
        "use crate::{x::{self, Y}, z as w};\n// crate::q\nlet s = \"crate::r\"; super::t::u(1);",
    );
    let paths: Vec<String> = named_paths(&code).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        ["crate::x", "crate::x::Y", "crate::z", "super::t::u"]
    );
}

/// The source files the README's Layout section names, in the order it first names them:
/// `src/x/` sets the folder that the bare file names after it (`mod.rs`) belong to.
fn readme_layout() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## Layout")
        .nth(1)
        .expect("the README has a Layout section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut folder = String::from("src/");
    let mut named = Vec::new();
    for token in section.split('`').skip(1).step_by(2) {
        if token.ends_with('/') {
            folder = token.to_string();
        } else if token.ends_with(".rs") && !token.contains(['<', ' ']) {
            let path = if token.contains('/') {
                token.to_string()
            } else {
                format!("{folder}{token}")
            };
            if path.starts_with("src/") && !named.contains(&path) {
                named.push(path);
            }
        }
    }
    named
}

#[test]
fn the_readme_layout_names_every_source_file_below_what_it_uses() {
    let sources = sources();
    let named = readme_layout();
    let files: Vec<String> = sources
        .iter()
        .map(|s| s.file.display().to_string())
        .collect();
    let missing: Vec<&String> = files.iter().filter(|f| !named.contains(f)).collect();
    let extra: Vec<&String> = named.iter().filter(|f| !files.contains(f)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README Layout misses {missing:?} and names files that do not exist: {extra:?}"
    );
    let file_of: BTreeMap<&str, &str> = sources
        .iter()
        .zip(&files)
        .map(|(s, f)| (s.module.as_str(), f.as_str()))
        .collect();
    let position = |file: &str| named.iter().position(|n| n == file);
    let folder = |file: &str| file.rsplit_once('/').map(|(d, _)| d.to_string());
    let mut wrong = Vec::new();
    for ((from, to), at) in edges() {
        let (Some(a), Some(b)) = (file_of.get(from.as_str()), file_of.get(to.as_str())) else {
            continue;
        };
        if folder(a) != folder(b) && position(b) > position(a) {
            wrong.push(format!(
                "{a} uses {b} ({at}), which the README lists after it"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every function of `src/` outside the generated tables, by file and name, with its length in
/// lines (from its `fn` line to its closing brace).
fn function_lengths() -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for source in sources() {
        let file = source.file.display().to_string();
        if file.ends_with("cognito_ops.rs") || file.ends_with("member_docs.rs") {
            continue;
        }
        let lines: Vec<&str> = source.code.lines().collect();
        for (start, line) in lines.iter().enumerate() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let Some(at) = words.iter().position(|w| *w == "fn") else {
                continue;
            };
            if !words[..at].iter().all(|w| {
                [
                    "pub",
                    "pub(crate)",
                    "pub(super)",
                    "async",
                    "const",
                    "unsafe",
                ]
                .contains(w)
            }) {
                continue;
            }
            let name: String = words
                .get(at + 1)
                .map(|w| {
                    w.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect()
                })
                .unwrap_or_default();
            // The body: from the first `{` after the signature to the brace that closes it
            // (a `;` first: a declaration without a body).
            let mut depth = 0usize;
            let mut opened = false;
            let mut end = None;
            'scan: for (i, text) in lines.iter().enumerate().skip(start) {
                for c in text.chars() {
                    match c {
                        ';' if !opened => break 'scan,
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' if opened => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(i);
                                break 'scan;
                            }
                        }
                        _ => {}
                    }
                }
            }
            if let Some(end) = end {
                out.push((file.clone(), name, end - start + 1));
            }
        }
    }
    out
}

#[test]
fn no_function_is_over_a_hundred_lines() {
    let long: Vec<String> = function_lengths()
        .into_iter()
        .filter(|(_, _, n)| *n > 100)
        .map(|(file, name, n)| format!("{file}: fn {name} is {n} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "split these where a name explains the part:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_length_check_sees_a_function_and_its_end() {
    let lengths = function_lengths();
    let run = lengths
        .iter()
        .find(|(file, name, _)| file == "src/lifecycle.rs" && name == "execute")
        .unwrap_or_else(|| panic!("{lengths:?}"));
    assert!((8..30).contains(&run.2), "{run:?}");
}
