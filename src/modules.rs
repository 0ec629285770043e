//! Where `import "name" as x;` finds modules — only where the operator meant.
//!
//! - A bundled module's name (`import "ensure"`) is always the bundled `stdlib/` module
//!   (embedded in the binary): a file of that name planted beside a runbook cannot shadow it.
//! - Another plain name (`import "roles"`) is the file `roles.rhai` beside the runbook; an
//!   import that names a path (`import "./ensure"`, `import "lib/roles"`) is that file, relative
//!   to the importing file's directory.
//! - `eval`, `repl` and `run -` have no runbook directory: there, only bundled names and
//!   imports that name a path (relative to the current directory) load.
//! - A module file is loaded only from a directory its operator (or root) owns and nobody else
//!   can write, and only if the file itself is such a file and not a link — as ssh refuses a
//!   `~/.ssh` others can write. Otherwise the import fails, naming the directory.
//!
//! An import cycle is an error that names the chain, not a stack overflow.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared};

use crate::files;

type SharedModule = Shared<Module>;

/// The bundled stdlib modules.
pub const STDLIB: &[(&str, &str)] = &[
    ("ensure", include_str!("../stdlib/ensure.rhai")),
    ("import_role", include_str!("../stdlib/import_role.rhai")),
];

/// Where an import's module comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A bundled module: its name and source.
    Bundled(&'static str, &'static str),
    /// A file the operator trusts.
    File(PathBuf),
}

impl Origin {
    /// The module's source text.
    pub fn source(&self) -> Result<String, String> {
        match self {
            Origin::Bundled(_, source) => Ok(source.to_string()),
            Origin::File(path) => files::read_text(path, files::SCRIPT_CAP)
                .map_err(|e| format!("cannot read the module {}: {e}", path.display())),
        }
    }

    /// How errors and the AST name it: `stdlib/ensure.rhai`, or the file's path.
    pub fn name(&self) -> String {
        match self {
            Origin::Bundled(name, _) => format!("stdlib/{name}.rhai"),
            Origin::File(path) => path.display().to_string(),
        }
    }
}

/// Finds the module `import "path"` means, from a runbook in `dir` (`None`: `eval`, `repl`,
/// `run -`), imported by the file named `importer` (a module importing another).
pub fn locate(dir: Option<&Path>, importer: Option<&str>, path: &str) -> Result<Origin, String> {
    let names_path = path.contains('/') || path.starts_with('.');
    if !names_path {
        if let Some((name, source)) = STDLIB.iter().find(|(name, _)| *name == path) {
            return Ok(Origin::Bundled(name, source));
        }
        if dir.is_none() {
            return Err(format!(
                "module \"{path}\" not found: it is not a bundled module ({}), and without a runbook file modules load only by path (import \"./{path}\")",
                STDLIB
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    // Relative to the file that imports it (a module importing another), else the runbook.
    let importer_dir = importer
        .filter(|s| s.ends_with(".rhai") && !s.starts_with("stdlib/"))
        .and_then(|s| Path::new(s).parent())
        .filter(|d| !d.as_os_str().is_empty());
    let base = importer_dir.or(dir).unwrap_or(Path::new("."));
    let mut file = base.join(path);
    file.set_extension("rhai");
    if std::fs::symlink_metadata(&file).is_err() {
        return Err(format!(
            "module \"{path}\" not found: no file {} and no bundled module of that name",
            file.display()
        ));
    }
    files::trusted_code(&file).map_err(|e| format!("module \"{path}\": {e}"))?;
    Ok(Origin::File(file))
}

/// The module resolver of every runbook engine.
pub struct Resolver {
    dir: Option<PathBuf>,
    loaded: RefCell<HashMap<String, SharedModule>>,
    active: RefCell<Vec<String>>,
}

impl Resolver {
    /// Resolves plain names beside a runbook in `dir`; `None` for `eval`, `repl` and `run -`.
    pub fn new(dir: Option<&Path>) -> Self {
        Self {
            dir: dir.map(Path::to_path_buf),
            loaded: RefCell::new(HashMap::new()),
            active: RefCell::new(Vec::new()),
        }
    }

    fn load(
        &self,
        engine: &Engine,
        origin: &Origin,
        pos: Position,
    ) -> Result<SharedModule, Box<EvalAltResult>> {
        let name = origin.name();
        if let Some(module) = self.loaded.borrow().get(&name) {
            return Ok(module.clone());
        }
        let source = origin
            .source()
            .map_err(|e| Box::new(EvalAltResult::ErrorRuntime(e.into(), pos)))?;
        let mut ast = engine
            .compile(&source)
            .map_err(|e| Box::new(EvalAltResult::ErrorInModule(name.clone(), e.into(), pos)))?;
        ast.set_source(name.clone());
        let module: SharedModule = Module::eval_ast_as_new(Scope::new(), &ast, engine)?.into();
        self.loaded.borrow_mut().insert(name, module.clone());
        Ok(module)
    }
}

impl ModuleResolver for Resolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<SharedModule, Box<EvalAltResult>> {
        if self.active.borrow().iter().any(|p| p == path) {
            let mut chain = self.active.borrow().clone();
            chain.push(path.to_string());
            return Err(Box::new(EvalAltResult::ErrorRuntime(
                format!("import cycle: {}", chain.join(" -> ")).into(),
                pos,
            )));
        }
        let origin = locate(self.dir.as_deref(), source, path)
            .map_err(|e| Box::new(EvalAltResult::ErrorRuntime(e.into(), pos)))?;
        self.active.borrow_mut().push(path.to_string());
        let result = self.load(engine, &origin, pos);
        self.active.borrow_mut().pop();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_bundled_name_is_never_a_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ensure.rhai"), "fn planted() {}").unwrap();
        let origin = locate(Some(dir.path()), None, "ensure").unwrap();
        assert!(matches!(origin, Origin::Bundled("ensure", _)));
        let explicit = locate(Some(dir.path()), None, "./ensure").unwrap();
        assert_eq!(explicit, Origin::File(dir.path().join("./ensure.rhai")));
    }

    #[test]
    fn a_module_in_a_directory_others_can_write_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("roles.rhai"), "fn x() {}").unwrap();
        assert!(locate(Some(dir.path()), None, "roles").is_ok());
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let refused = locate(Some(dir.path()), None, "roles").unwrap_err();
        assert!(refused.contains("others can write it"), "{refused}");
        assert!(
            refused.contains(&dir.path().display().to_string()),
            "{refused}"
        );
    }

    #[test]
    fn without_a_runbook_plain_names_are_bundled_only() {
        let refused = locate(None, None, "roles").unwrap_err();
        assert!(refused.contains("import \"./roles\""), "{refused}");
    }
}
