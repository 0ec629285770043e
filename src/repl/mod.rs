//! `runbook repl`: an interactive session over the same engine as `runbook run`.
//!
//! Variables persist between lines; each result prints as the AWS CLI prints it (pretty JSON,
//! secrets masked). Incomplete input (an open bracket or string) continues on the next line.
//! History persists under `$XDG_STATE_HOME/runbook/history` (or `~/.local/state/runbook/`), with
//! secret literals masked before they are stored. Tab completes (see [`assist`]); `import`s
//! stay for the session; `:save FILE` writes the session's successful statements as a runbook
//! (secret literals become `secret("NAME")` calls), `:load FILE` runs one into the session.

mod assist;
pub mod secrets;

use std::path::{Path, PathBuf};

use rhai::{ASTNode, Dynamic, ParseErrorType, Stmt};
use rustyline::Editor;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;

use crate::aws::Settings;
use crate::engine::Runbook;
use crate::engine::glue::{parse_error, runtime_error};
use crate::error::Error;
use crate::functions;
use secrets::{mask_line, mask_values, secretize_line};

const HELP: &str = "\
Type Rhai statements; results print as JSON. Examples:
  let pool = cognito::create_user_pool(\"testpool1\").UserPool.Id;
  cognito::list_users(pool)
  query(cognito::list_user_pools(), \"UserPools[].Name\")
Commands:
  :help [function]   this text, or a function's signature and doc
  :ops [filter]      list functions
  :vars              list variables, each with a one-line summary
  :output [FORMAT]   print values as json (the default), text or table (the AWS CLI's)
  :history           this session's statements
  :save FILE         write this session's successful statements as a runbook
  :load FILE         run a runbook into this session
  :quit              leave (also Ctrl-D)
Tab completes functions, variables, request members and enum values.";

/// Where history is kept.
pub fn history_path() -> Option<PathBuf> {
    crate::state::dir().map(|d| d.join("history"))
}

/// Is this parse error just the input ending too early?
fn is_incomplete(err: &ParseErrorType) -> bool {
    matches!(err, ParseErrorType::UnexpectedEOF)
        || matches!(err, ParseErrorType::MissingToken(_, _))
        || matches!(
            err,
            ParseErrorType::BadInput(rhai::LexError::UnterminatedString)
        )
}

/// The line editor, with its completion and hints.
type LineEditor = Editor<assist::Assist, DefaultHistory>;

/// One REPL session: the engine and its scope, the line editor, what has been typed.
struct Session {
    runbook: Runbook,
    editor: LineEditor,
    /// The names bound in the scope, shared with the completion.
    vars: std::rc::Rc<std::cell::RefCell<Vec<(String, String)>>>,
    /// The session's successful statements, for `:save` and `:history`.
    statements: Vec<String>,
    /// Where history persists, if anywhere.
    history: Option<PathBuf>,
    /// Where helpers and shorthands take a secret positionally (masked in history).
    secrets: Vec<(&'static str, usize, &'static str)>,
    /// A statement being typed over several lines.
    buffer: String,
    /// What earlier statements bound, for the pre-flight check of the next.
    known: crate::check::Bindings,
    main_prompt: String,
    more_prompt: String,
    /// How values print (`:output json|text|table`).
    output: crate::format::Output,
}

/// Runs the REPL until `:quit` or end of input.
pub fn run(settings: Settings) -> Result<(), Error> {
    let mut session = Session::new(settings)?;
    crate::say!(
        "runbook {} REPL — :help for help, :quit to leave",
        env!("CARGO_PKG_VERSION")
    );
    // Ctrl-C while a statement runs interrupts that statement (after the call in flight); the
    // session goes on. While a line is edited, Ctrl-C abandons the line.
    crate::safety::interrupt::install();
    loop {
        let prompt = if session.buffer.is_empty() {
            session.main_prompt.clone()
        } else {
            session.more_prompt.clone()
        };
        let line = match session.editor.readline(&prompt) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                session.buffer.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(Error::Usage(format!("cannot read input: {e}"))),
        };
        let trimmed = line.trim();
        if session.buffer.is_empty() && trimmed.is_empty() {
            continue;
        }
        if session.buffer.is_empty()
            && let Some(command) = trimmed.strip_prefix(':')
        {
            let _ = session.editor.add_history_entry(trimmed);
            let go_on = session.command(command);
            session.note_vars();
            if !go_on {
                break;
            }
            continue;
        }
        session.line(&line);
    }
    // The session's writes are journaled like a run's: say how to undo them.
    session.runbook.ctx.close(&Ok(()));
    Ok(())
}

impl Session {
    fn new(settings: Settings) -> Result<Self, Error> {
        let runbook = Runbook::new(
            settings.clone(),
            rhai::Map::new(),
            crate::context::Safety::journaled(settings.dummy_credentials, "repl", "repl".into()),
        )?;
        // Tab lists every candidate at once, each with its one-line doc (as bash's
        // show-all-if-ambiguous), rather than cycling through them one by one.
        let config = rustyline::Config::builder()
            .completion_type(rustyline::CompletionType::List)
            .completion_show_all_if_ambiguous(true)
            .build();
        let mut editor: LineEditor = Editor::with_config(config)
            .map_err(|e| Error::Usage(format!("cannot start the line editor: {e}")))?;
        let assist = assist::Assist::new(functions::catalog(&runbook.engine));
        let vars = assist.vars.clone();
        editor.set_helper(Some(assist));
        let history = history_path();
        if let Some(path) = &history {
            load_history(&mut editor, path);
        }
        let main_prompt = prompt(&runbook, &settings);
        let more_prompt = format!("{}> ", " ".repeat(main_prompt.chars().count() - 2));
        Ok(Self {
            runbook,
            editor,
            vars,
            statements: Vec::new(),
            history,
            secrets: functions::secret_positions(),
            buffer: String::new(),
            known: crate::check::Bindings::new(),
            main_prompt,
            more_prompt,
            output: crate::format::Output::Json,
        })
    }

    /// Runs a `:command`; false to quit.
    fn command(&mut self, command: &str) -> bool {
        match command.split_once(char::is_whitespace) {
            Some(("save", file)) => save(
                file.trim(),
                &self.statements,
                &self.secrets,
                &self.runbook.ctx.secrets_sent(),
            ),
            Some(("load", file)) => self.load(Path::new(file.trim())),
            Some(("output", word)) => match crate::format::Output::parse(word) {
                Some(output) => self.output = output,
                None => crate::say!("usage: :output json|text|table"),
            },
            _ if command.trim() == "output" => {
                crate::output::print(&format!("output {}", self.output.name()));
            }
            _ if command.trim() == "history" => {
                for (i, statement) in self.statements.iter().enumerate() {
                    crate::output::print(&format!(
                        "{:>3}  {}",
                        i + 1,
                        mask_line(statement, &self.secrets)
                    ));
                }
            }
            _ => return meta_command(&self.runbook, command),
        }
        true
    }

    /// `:load FILE`: runs a runbook into the session.
    fn load(&mut self, path: &Path) {
        if let Err(e) = crate::files::trusted_code(path) {
            return crate::say!("error: {e}");
        }
        let runbook = &mut self.runbook;
        let ast = match runbook.compile_file(path) {
            Ok(ast) => ast,
            Err(e) => return crate::say!("{e}"),
        };
        match runbook.engine.run_ast_with_scope(&mut runbook.scope, &ast) {
            Ok(()) => {
                keep_imports(runbook, &ast);
                crate::say!("loaded {}", path.display());
            }
            Err(e) => crate::say!(
                "{}",
                runtime_error(&runbook.engine, &e, &path.display().to_string())
            ),
        }
    }

    /// A line of a statement: once the statement is complete, checked, run and shown.
    fn line(&mut self, line: &str) {
        if !self.buffer.is_empty() {
            self.buffer.push('\n');
        }
        self.buffer.push_str(line);
        let runbook = &self.runbook;
        let ast = match runbook
            .engine
            .compile_with_scope(&runbook.scope, &self.buffer)
        {
            Ok(ast) => ast,
            Err(e) if is_incomplete(&e.0) && !line.trim().is_empty() => return,
            Err(e) => {
                let _ = self
                    .editor
                    .add_history_entry(mask_line(&self.buffer, &self.secrets));
                crate::say!("{}", parse_error("<repl>", &e));
                self.buffer.clear();
                return;
            }
        };
        let _ = self
            .editor
            .add_history_entry(mask_line(&self.buffer, &self.secrets));
        let statement = std::mem::take(&mut self.buffer);
        // Members the API's shapes refute are reported before anything is sent; what earlier
        // statements bound (`let p = cognito::describe_user_pool(…)`) is remembered.
        let mut bound = self.known.clone();
        let problems = crate::check::schema_problems_in(
            &ast,
            Path::new("<repl>"),
            &mut bound,
            crate::check::Within::OutsideTry,
        );
        if !problems.is_empty() {
            return crate::say!("{}", Error::Check(problems));
        }
        self.known = bound;
        self.evaluate(statement, &ast);
        self.note_vars();
        crate::safety::interrupt::clear();
        self.remask_history();
        if let Some(path) = &self.history {
            save_history(&mut self.editor, path);
        }
    }

    /// Runs a complete statement and shows its value.
    fn evaluate(&mut self, statement: String, ast: &rhai::AST) {
        let runbook = &mut self.runbook;
        let value = match runbook
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut runbook.scope, ast)
        {
            Ok(value) => value,
            Err(e) => {
                return crate::say!(
                    "{}",
                    crate::value::scrubbed(&crate::value::shown_text(
                        &runtime_error(&runbook.engine, &e, "<repl>").to_string()
                    ))
                );
            }
        };
        // A bare expression whose value the session showed is saved as `print(…)`, so the
        // saved runbook shows what the session showed.
        let bare = matches!(
            ast.statements(),
            [rhai::Stmt::Expr(..) | rhai::Stmt::FnCall(..)]
        );
        let trimmed = statement.trim().trim_end_matches(';').trim_end();
        // A table is titled with the operation a bare call made, as the CLI titles it.
        let title = if bare {
            functions::api_called(trimmed).unwrap_or("")
        } else {
            ""
        };
        if bare && !value.is_unit() && !trimmed.contains("//") {
            self.statements.push(format!("print({trimmed})"));
        } else {
            self.statements.push(statement);
        }
        keep_imports(runbook, ast);
        if !value.is_unit() {
            let text = crate::format::shown(&value, self.output, title);
            if !text.is_empty() {
                crate::output::print(&text);
            }
        }
    }

    /// Tells the completion which variables the scope has.
    fn note_vars(&self) {
        *self.vars.borrow_mut() = self
            .runbook
            .scope
            .iter()
            .map(|(n, _, value)| (n.to_string(), crate::format::summary(&value, 60)))
            .collect();
    }

    /// A literal typed earlier and sent as a secret since is masked where it was typed.
    fn remask_history(&mut self) {
        let sent = self.runbook.ctx.secrets_sent();
        if sent.is_empty() {
            return;
        }
        let lines: Vec<String> = self.editor.history().iter().cloned().collect();
        let masked: Vec<String> = lines.iter().map(|l| mask_values(l, &sent, false)).collect();
        if masked != lines {
            let history = self.editor.history_mut();
            let _ = rustyline::history::History::clear(history);
            for line in &masked {
                let _ = rustyline::history::History::add(history, line);
            }
        }
    }
}

/// The prompt names where calls go: `runbook(eu-west-1 profile prod)> `.
fn prompt(runbook: &Runbook, settings: &Settings) -> String {
    let region = runbook
        .ctx
        .runtime
        .block_on(runbook.ctx.clients.region())
        .unwrap_or_else(|_| "no region".into());
    let source = match &settings.endpoint_url {
        Some(_) if settings.dummy_credentials => "local".to_string(),
        Some(url) => crate::value::shown_endpoint(&crate::value::url_passwords_masked(url))
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string(),
        None => settings.credential_source(),
    };
    format!("runbook({region} {source})> ")
}

/// Keeps the modules a statement imported for the rest of the session (an `import` is scoped
/// to its own statement otherwise).
fn keep_imports(runbook: &mut Runbook, ast: &rhai::AST) {
    let mut imports = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Stmt(Stmt::Import(import, pos))) = path.last()
            && let rhai::Expr::StringConstant(name, _) = &import.0
        {
            imports.push((name.to_string(), import.1.name.to_string(), *pos));
        }
        true
    });
    for (name, alias, pos) in imports {
        if let Ok(module) =
            runbook
                .engine
                .module_resolver()
                .resolve(&runbook.engine, None, &name, pos)
        {
            runbook.engine.register_static_module(alias, module);
        }
    }
}

/// `:save FILE`: the session's successful statements as a runbook, secrets as `secret()` calls.
fn save(file: &str, session: &[String], secrets: &[(&str, usize, &str)], sent: &[String]) {
    if file.is_empty() {
        crate::say!("usage: :save FILE");
        return;
    }
    let mut text = format!(
        "// Saved from a runbook REPL session on {}.\n// Run it with: runbook run {file}\n\n",
        crate::safety::journal::now()
    );
    for statement in session {
        // Then a literal the session sent as a secret under another name.
        text.push_str(&mask_values(
            &secretize_line(statement, secrets),
            sent,
            true,
        ));
        if !statement.trim_end().ends_with([';', '}']) {
            text.push(';');
        }
        text.push('\n');
    }
    let path = std::path::Path::new(file);
    // A new file; an existing one only if the operator says so on the terminal (and only a
    // regular file of their own — never through a link).
    let mut force = false;
    if std::fs::symlink_metadata(path).is_ok() {
        if !std::io::IsTerminal::is_terminal(&std::io::stdin())
            || !crate::safety::confirm::ask(&format!("{file} exists; replace it?"))
        {
            crate::say!("not saved: {file} exists");
            return;
        }
        force = true;
    }
    match crate::output::write_file(path, crate::files::PRIVATE, force, &text) {
        Ok(()) => crate::say!("saved {} statement(s) to {file}", session.len()),
        Err(e) => crate::say!("{e}"),
    }
}

/// Loads the history file if it is the operator's own (not a link, nobody else can write it).
fn load_history(editor: &mut LineEditor, path: &std::path::Path) {
    match crate::files::trusted(path) {
        Ok(()) => {
            let _ = editor.load_history(path);
        }
        Err(crate::files::Refused::Io(_)) => {}
        Err(e) => crate::say!("runbook: history {} not loaded: {e}", path.display()),
    }
}

/// Saves the history: written to a new private file beside it, then renamed over it (a link
/// planted at its name is replaced, never followed).
fn save_history(editor: &mut LineEditor, path: &std::path::Path) {
    let Some(dir) = path.parent() else { return };
    if crate::files::create_dir(dir).is_err() {
        return;
    }
    let temp = dir.join(format!(".history.{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    if crate::files::create(&temp, crate::files::PRIVATE, crate::files::Existing::Refuse).is_err() {
        return;
    }
    if editor.save_history(&temp).is_err() || std::fs::rename(&temp, path).is_err() {
        let _ = std::fs::remove_file(&temp);
    }
}

/// Runs a `:command`; returns false to quit.
fn meta_command(runbook: &Runbook, command: &str) -> bool {
    let (name, arg) = command
        .split_once(char::is_whitespace)
        .map(|(n, a)| (n, a.trim()))
        .unwrap_or((command, ""));
    match name {
        "quit" | "q" | "exit" => return false,
        "help" | "h" if arg.is_empty() => crate::output::print(HELP),
        "help" | "h" => {
            let catalog = functions::catalog(&runbook.engine);
            // A function named exactly is shown alone; otherwise whatever the name matches.
            let exact = |f: &&functions::FnInfo| f.qualified() == arg || f.name == arg;
            let found: Vec<_> = if catalog.iter().any(|f| exact(&f)) {
                catalog.iter().filter(exact).collect()
            } else {
                catalog.iter().filter(|f| f.matches(arg)).collect()
            };
            if found.is_empty() {
                crate::say!("no function named {arg}; try :ops {arg}");
            }
            for f in found {
                crate::output::print(&format!("{}\n    {}", f.signature, f.doc));
                if let Some(op) = f.op {
                    for (label, shape, described) in [
                        ("request", op.input, op.describe_input()),
                        ("response", op.output, op.describe_output()),
                    ] {
                        crate::output::print(&format!("    {label} {}:", shape.name));
                        for line in crate::aws::shape::outline(&described)
                            .iter()
                            .filter(|l| label == "request" || !l.starts_with("  "))
                        {
                            crate::output::print(&format!("      {line}"));
                        }
                    }
                }
            }
        }
        "ops" => {
            for f in functions::catalog(&runbook.engine)
                .iter()
                .filter(|f| f.matches(arg))
            {
                crate::output::print(&f.signature);
            }
        }
        "vars" => {
            // One line each: the name, then as much of the value as the terminal shows.
            let width = crate::format::terminal_width();
            let vars: Vec<(String, Dynamic)> = runbook
                .scope
                .iter()
                .map(|(name, _, value)| (name.to_string(), value))
                .collect();
            let name_width = vars
                .iter()
                .map(|(n, _)| n.chars().count())
                .max()
                .unwrap_or(0);
            for (name, value) in vars {
                let room = width.saturating_sub(name_width + 4).max(20);
                crate::output::print(&format!(
                    "{name:<name_width$} = {}",
                    crate::format::summary(&value, room)
                ));
            }
        }
        other => crate::say!("unknown command :{other}; :help lists the commands"),
    }
    true
}
