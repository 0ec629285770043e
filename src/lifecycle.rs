//! One run's lifecycle, the same for `runbook run`, each target of a fleet and `runbook eval`:
//!
//! 1. **load** the runbook (a file, standard input, or one expression);
//! 2. **secret vars**: the `--var`s it sends as secret members are masked in the journal's first
//!    line, with a warning;
//! 3. **preflight**: what the API's shapes refute stops it before anything is sent;
//! 4. **run** it;
//! 5. when a signal ended it, **stop the import jobs it started**;
//! 6. **close the journal** (its last line), and say where it is.

use std::path::Path;

use rhai::{AST, Dynamic};

use crate::engine::Runbook;
use crate::engine::glue::parse_error;
use crate::error::Error;

/// What a run runs.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// A runbook file (`-`: standard input); its modules and files resolve beside it.
    File(&'a Path),
    /// One expression (`runbook eval`); no module resolves implicitly.
    Expression(&'a str),
}

impl Source<'_> {
    /// How errors name it: the file, or `<eval>`.
    fn name(&self) -> &Path {
        match self {
            Source::File(path) => path,
            Source::Expression(_) => Path::new("<eval>"),
        }
    }
}

/// Loads `source` and checks it (steps 1–3): nothing is sent. A runbook the checker refutes is
/// an [`Error::Check`] listing every problem.
pub fn prepare(runbook: &mut Runbook, source: Source) -> Result<AST, Error> {
    let ast = match source {
        Source::File(path) => runbook.load(path)?,
        Source::Expression(text) => runbook
            .engine
            .compile_with_scope(&runbook.scope, text)
            .map_err(|e| parse_error("<eval>", &e))?,
    };
    runbook.ctx.secret_vars(crate::check::secret_vars(&ast));
    let problems = crate::check::preflight(runbook, &ast, source.name());
    if !problems.is_empty() {
        if let Source::File(path) = source {
            crate::say!(
                "runbook: {} refused before running (nothing was sent):",
                path.display()
            );
        }
        return Err(Error::Check(problems));
    }
    Ok(ast)
}

/// The whole lifecycle (steps 1–6): the runbook's last value.
pub fn execute(runbook: &mut Runbook, source: Source) -> Result<Dynamic, Error> {
    let ast = prepare(runbook, source)?;
    let result = runbook.eval_ast(source.name(), &ast);
    if matches!(result, Err(Error::Interrupted(_))) {
        runbook.ctx.stop_started_imports();
    }
    // A dry run's journal holds the plan, with nothing to undo.
    runbook.ctx.close(&result);
    result
}
