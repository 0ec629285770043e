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
    /// Replace definition files that exist (only regular files of your own; never a link).
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<(), Error> {
    write(&args.dir, args.force)
}

/// Writes the definition files into `dir` (created if missing) and names them on stderr.
/// Each is a new file (0644, for an editor to read) unless `force`.
fn write(dir: &Path, force: bool) -> Result<(), Error> {
    let runbook = Runbook::new(
        Settings::default(),
        rhai::Map::new(),
        Safety::interactive(false),
    )?;
    crate::files::create_dir(dir).map_err(|e| Error::Write {
        what: dir.display().to_string(),
        why: e.to_string(),
    })?;
    let mut files: Vec<(String, String)> = runbook
        .engine
        .definitions()
        .with_headers(true)
        .iter_files()
        .map(|(name, text)| (name, tidy(&text)))
        .collect();
    // The stdlib modules: their public functions with their doc comments, as written.
    for (name, source) in crate::modules::STDLIB {
        let ast = runbook
            .engine
            .compile(source)
            .map_err(|e| crate::engine::glue::parse_error(name, &e))?;
        files.push((format!("{name}.d.rhai"), module_definitions(name, &ast)));
    }
    // Every file is checked before any is written: an existing one stops them all.
    if !force
        && let Some((name, _)) = files
            .iter()
            .find(|(name, _)| std::fs::symlink_metadata(dir.join(name)).is_ok())
    {
        return Err(Error::Write {
            what: dir.join(name).display().to_string(),
            why: "the file exists; pass --force to replace the definition files".into(),
        });
    }
    // With --force too: a link or another user's file among them stops them all, unwritten.
    for (name, _) in &files {
        crate::output::check_writable(&dir.join(name), force)?;
    }
    for (name, text) in &files {
        crate::output::write_file(&dir.join(name), crate::files::SHARED, force, text)?;
    }
    let mut written: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    written.sort();
    crate::say!(
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

/// Rhai's metadata spells a native function's fallible return type as Rust wrote it
/// (`Result<String, Box<EvalAltResult>>`, or only its tail) and an unknown one as nothing;
/// a script sees the value or an error, so each `fn` line names the value's type, or `?`.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let declares = line.starts_with("fn ") || line.starts_with("op ");
        match declares.then(|| line.rsplit_once(" -> ")).flatten() {
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
