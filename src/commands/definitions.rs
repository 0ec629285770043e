//! `runbook definitions DIR`: Rhai definition files (`.d.rhai`) for editors.
//!
//! The files come from Rhai's own metadata support (`Engine::definitions`): one per namespace
//! (`cognito.d.rhai`, `iam.d.rhai`, `sts.d.rhai`, `aws.d.rhai`), one per bundled stdlib module
//! (`ensure.d.rhai`, …), and the global helpers and Rhai's standard library. Each operation
//! carries its one-line doc and its parameter names (`user_pool_id`, `request`), so an editor
//! with the Rhai language server completes and documents them.

use std::path::{Path, PathBuf};

use crate::aws::Settings;
use crate::context::Safety;
use crate::engine::Runbook;
use crate::error::Error;

// The arguments of `runbook definitions`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The directory to write them into (created if missing).
    dir: PathBuf,
}

pub fn run(args: Args) -> Result<(), Error> {
    write(&args.dir)
}

/// Writes the definition files into `dir` (created if missing) and names them on stderr.
fn write(dir: &Path) -> Result<(), Error> {
    let runbook = Runbook::new(
        Settings::default(),
        rhai::Map::new(),
        Safety::interactive(false),
    )?;
    std::fs::create_dir_all(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    runbook
        .engine
        .definitions()
        .with_headers(true)
        .write_to_dir(dir)
        .map_err(|source| Error::Read {
            path: dir.to_path_buf(),
            source,
        })?;
    // The stdlib modules: their public functions with their doc comments, as written.
    for (name, source) in crate::modules::STDLIB {
        let ast = runbook
            .engine
            .compile(source)
            .map_err(|e| crate::engine::glue::parse_error(name, &e))?;
        let path = dir.join(format!("{name}.d.rhai"));
        std::fs::write(&path, module_definitions(name, &ast))
            .map_err(|source| Error::Read { path, source })?;
    }
    for name in &written_names(dir) {
        let path = dir.join(name);
        if let Ok(text) = std::fs::read_to_string(&path) {
            let _ = std::fs::write(&path, tidy(&text));
        }
    }
    let mut written = written_names(dir);
    written.sort();
    eprintln!(
        "wrote {} definition files to {}: {}",
        written.len(),
        dir.display(),
        written.join(", ")
    );
    Ok(())
}

/// A script module's definition file: `module NAME;` and each public function.
fn module_definitions(name: &str, ast: &rhai::AST) -> String {
    let mut text = format!("module {name};\n");
    for f in ast
        .iter_functions()
        .filter(|f| f.access != rhai::FnAccess::Private && !f.name.starts_with("anon$"))
    {
        text.push('\n');
        for comment in &f.comments {
            text.push_str(comment);
            text.push('\n');
        }
        let params: Vec<String> = f.params.iter().map(|p| format!("{p}: ?")).collect();
        text.push_str(&format!("fn {}({}) -> ?;\n", f.name, params.join(", ")));
    }
    text
}

fn written_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".d.rhai"))
                .collect()
        })
        .unwrap_or_default()
}

/// Rhai's metadata spells a native function's fallible return type as Rust wrote it
/// (`Result<String, Box<EvalAltResult>>`, or only its tail) and an unknown one as nothing;
/// a script sees the value or an error, so each `fn` line names the value's type, or `?`.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        match line.strip_prefix("fn ").and(line.rsplit_once(" -> ")) {
            Some((head, ret)) => {
                let ret = ret.trim_end_matches(';').trim();
                let ret = ret
                    .strip_prefix("Result<")
                    .unwrap_or(ret)
                    .split(", Box<EvalAltResult>>")
                    .next()
                    .unwrap_or(ret);
                let ret = match ret {
                    "" | "EvalAltResult>>" => "?",
                    "()" => "()",
                    other => other,
                };
                out.push_str(&format!("{head} -> {ret};"));
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}
