//! Where `import "name" as x;` finds modules: beside the runbook first, then the bundled
//! `stdlib/` (embedded in the binary, so an installed binary has it). An import cycle is an
//! error that names the chain, not a stack overflow.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use rhai::module_resolvers::FileModuleResolver;
use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared};

type SharedModule = Shared<Module>;

/// The bundled stdlib modules.
pub const STDLIB: &[(&str, &str)] = &[
    ("ensure", include_str!("../stdlib/ensure.rhai")),
    ("import_role", include_str!("../stdlib/import_role.rhai")),
];

/// The module resolver of every runbook engine.
pub struct Resolver {
    files: FileModuleResolver,
    stdlib: RefCell<HashMap<String, SharedModule>>,
    active: RefCell<Vec<String>>,
}

impl Resolver {
    /// Resolves file modules relative to `dir` (the runbook's directory).
    pub fn new(dir: &Path) -> Self {
        Self {
            files: FileModuleResolver::new_with_path(dir),
            stdlib: RefCell::new(HashMap::new()),
            active: RefCell::new(Vec::new()),
        }
    }

    fn resolve_stdlib(
        &self,
        engine: &Engine,
        path: &str,
        pos: Position,
    ) -> Option<Result<SharedModule, Box<EvalAltResult>>> {
        if let Some(module) = self.stdlib.borrow().get(path) {
            return Some(Ok(module.clone()));
        }
        let (_, source) = STDLIB.iter().find(|(name, _)| *name == path)?;
        let result = engine
            .compile(*source)
            .map_err(|e| {
                Box::new(EvalAltResult::ErrorInModule(
                    format!("stdlib/{path}.rhai"),
                    e.into(),
                    pos,
                ))
            })
            .and_then(|mut ast| {
                ast.set_source(format!("stdlib/{path}.rhai"));
                Module::eval_ast_as_new(Scope::new(), &ast, engine)
            })
            .map(|m| -> SharedModule { m.into() });
        if let Ok(module) = &result {
            self.stdlib
                .borrow_mut()
                .insert(path.to_string(), module.clone());
        }
        Some(result)
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
        self.active.borrow_mut().push(path.to_string());
        let result = match self.files.resolve(engine, source, path, pos) {
            Err(e) if matches!(&*e, EvalAltResult::ErrorModuleNotFound(p, _) if p == path) => {
                self.resolve_stdlib(engine, path, pos).unwrap_or(Err(e))
            }
            other => other,
        };
        self.active.borrow_mut().pop();
        result
    }
}
