//! The command line: the only code that reads files, writes files or prints.
//!
//! Exit codes: 0 clean; 1 findings at or above the failing severity;
//! 2 input or usage errors (including policy errors found by the checker).

mod atomic;
mod build;
mod crosscheck;
mod diff;
mod discover;
mod fmt;
mod import;
mod init;
mod junit;
mod lsp;
mod report;
mod test;

use agentpol::diagnostics::render::{gitlab, human, json as json_render, sarif};
use agentpol::diagnostics::{Diagnostic, Severity};
use agentpol::model::eval;
use agentpol::registry::{self, command};
use agentpol::source::{Origin, SourceMap};
use agentpol::Compiled;
use clap::{Parser, Subcommand, ValueEnum};
use discover::{display_root, find_sets, SetPaths, CONFIG};
use miette::{miette, IntoDiagnostic, Result, WrapErr};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "agentpol",
    version,
    about = "Check, analyze and compile AI-agent permission policies"
)]
struct Cli {
    /// When to colour diagnostics: `auto` on a terminal, `always`, `never`. `NO_COLOR` (set and not empty) turns colour off whatever this says.
    #[arg(long, global = true, value_enum, default_value = "auto")]
    color: ColorWhen,
    /// Print only problems: no summaries, no "wrote"/"formatted" lines.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also say on standard error which files each policy set holds and how long each step took.
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Human,
    Json,
    Sarif,
    /// GitLab's code-quality report (Code Climate JSON).
    Gitlab,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// The `--color` choice, set once before a command runs.
static COLOR: std::sync::OnceLock<ColorWhen> = std::sync::OnceLock::new();

/// `--quiet` (-1), default (0) or `--verbose` (1), set once before a command runs.
static VERBOSITY: std::sync::OnceLock<i8> = std::sync::OnceLock::new();

fn verbosity() -> i8 {
    VERBOSITY.get().copied().unwrap_or(0)
}

/// A line for the person at the terminal (standard error), left out under `--quiet`.
pub(crate) fn say(line: std::fmt::Arguments<'_>) {
    if verbosity() >= 0 {
        eprintln!("{line}");
    }
}

/// A line only `--verbose` prints (standard error).
pub(crate) fn detail(line: std::fmt::Arguments<'_>) {
    if verbosity() > 0 {
        eprintln!("{line}");
    }
}

/// A spinner on standard error while `set` is analyzed: only for a person
/// at a terminal, never under `--quiet` or with machine-readable output
/// (it is hidden otherwise, and cleared when the analysis ends).
fn progress(format: Format, set: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if format != Format::Human || verbosity() < 0 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner().with_message(format!("analyzing {set}"));
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Where rendered diagnostics go (colour follows whether it is a terminal).
#[derive(Clone, Copy)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// Whether text for `stream` is coloured: never with `NO_COLOR`, else as
/// `--color` says, `auto` meaning only on a terminal.
fn colour_on(stream: Stream) -> bool {
    use std::io::IsTerminal;
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    match COLOR.get().copied().unwrap_or(ColorWhen::Auto) {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => match stream {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        },
    }
}

/// Diagnostics rendered for a person reading `stream`.
pub(crate) fn render_for(
    stream: Stream,
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
) -> String {
    human::render_styled(sources, diagnostics, colour_on(stream))
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check and analyze policy sets and report every problem and risk found.
    #[command(
        after_help = "Examples:\n  agentpol check\n  agentpol check examples/ --format json\n  agentpol check . --format sarif > agentpol.sarif\n  agentpol check . --format gitlab > gl-code-quality-report.json\n  agentpol check --fail-on warning\n  agentpol check --list-checks\n\nExit codes: 0 clean; 1 findings at or above --fail-on (default: error, or\n`[check] fail_on` in agentpol.toml); 2 the policy does not compile or the\ninput is unusable."
    )]
    Check {
        /// Files or directories; each belongs to (or contains) policy sets marked by agentpol.toml.
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// The lowest severity that makes `check` exit with 1.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        /// List every check (code, default severity, name, summary) and exit.
        #[arg(long)]
        list_checks: bool,
        /// Print solver statistics and time per check to standard error.
        #[arg(long, hide = true)]
        stats: bool,
        /// Compare pinned MCP tools with this `tools/list` result (repeatable; `SERVER=FILE` names its server).
        #[arg(long, value_name = "[SERVER=]FILE")]
        mcp: Vec<String>,
        /// Compare the IAM policy JSON and Kubernetes network policies in DIR with the declaration.
        #[arg(long, value_name = "DIR")]
        infra: Option<PathBuf>,
    },
    /// Decide one request with the reference evaluator and print the decision as JSON.
    #[command(
        after_help = "Examples:\n  agentpol eval examples/support-triage --request examples/support-triage/requests/allow-read.json\n  echo '{\"agent\":\"a\",\"tool\":\"t\"}' | agentpol eval . --request -"
    )]
    Eval {
        /// The policy set (exactly one).
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Request JSON file, or `-` for standard input.
        #[arg(long)]
        request: PathBuf,
        /// Print why: every rule tested, each condition atom with its value, limits, budget, approvals.
        #[arg(long, conflicts_with = "trace")]
        explain: bool,
        /// Add the same trace to the JSON decision, under `trace`.
        #[arg(long)]
        trace: bool,
    },
    /// Compile policy sets into enforcement artifacts, written atomically.
    #[command(
        after_help = "Examples:\n  agentpol build examples/ --target rego --out out/\n  agentpol build . --target all --out generated/\n  agentpol build . --target rego --out out/ --signing-key private.pem\n\nOne policy set writes OUT/TARGET/; several write OUT/SET/TARGET/. A signed\nbundle verifies with `opa run --server --verification-key public.pem\n--bundle out/rego/bundle.tar.gz`."
    )]
    Build {
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum)]
        target: Vec<TargetArg>,
        #[arg(long)]
        out: PathBuf,
        /// Sign the OPA bundle with this key (PEM private key; for HS* a file holding the secret), as `opa run --verification-key` checks it.
        #[arg(long, value_name = "FILE")]
        signing_key: Option<PathBuf>,
        /// The signature algorithm (RS256, RS384, RS512, ES256, ES384, HS256, HS384, HS512).
        #[arg(
            long,
            value_name = "ALG",
            default_value = "RS256",
            requires = "signing_key"
        )]
        signing_alg: String,
        /// The key id: the signature's `kid` header and `keyid` claim (OPA's `--verification-key-id`, which defaults to `default`).
        #[arg(long, value_name = "ID", requires = "signing_key")]
        signing_key_id: Option<String>,
        /// The `scope` claim; OPA rejects the bundle unless it equals its configured scope.
        #[arg(long, value_name = "SCOPE", requires = "signing_key")]
        signing_scope: Option<String>,
    },
    /// Run the policy set's tests on the reference evaluator and the generated Rego and Cedar.
    #[command(
        after_help = "Examples:\n  agentpol test examples/procurement\n  agentpol test . --engines all --junit agentpol-tests.xml\n  agentpol build . --target all --out out/ && agentpol test . --engines all --built out/\n\nTests: tests/*.json|yaml|yml ({\"request\": ..., \"expect\": {\"decision\": ...}} or\n{\"tests\": [...]}, see `agentpol explain AP154`) and requests/allow-*.json,\ndeny-*.json, approval-*.json. Exit codes: 0 all pass; 1 a test failed or an\nengine disagrees with the reference; 2 the policy or a test file is invalid."
    )]
    Test {
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Engines besides the reference evaluator (which always runs).
        #[arg(long, value_enum, default_value = "reference")]
        engines: Vec<test::EngineArg>,
        /// Also write the results as JUnit XML (atomically).
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Test the artifacts `agentpol build --out DIR` wrote, instead of generating them.
        #[arg(long, value_name = "DIR")]
        built: Option<PathBuf>,
    },
    /// Write policy declarations from another format (an MCP server's tool listing).
    Import {
        #[command(subcommand)]
        what: import::ImportCommand,
    },
    /// What each agent could do: tools, resources, approvals, spend ceilings, egress, AWS, findings.
    #[command(
        after_help = "Examples:\n  agentpol report examples/procurement\n  agentpol report . --agent triage --format json --out report.json\n  agentpol report examples/procurement --format html --out procurement.html\n\nSpend ceilings are computed by the solver; every witness call is replayed\nthrough the reference evaluator."
    )]
    Report {
        /// The policy set (exactly one).
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Only this agent.
        #[arg(long)]
        agent: Option<String>,
        #[arg(long, value_enum, default_value = "md")]
        format: report::ReportFormat,
        /// Write the report to this file (atomically) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// What each agent can do differently between two policy sets, proved by witness requests.
    #[command(
        after_help = "Examples:\n  agentpol diff old/ new/\n  agentpol diff --base origin/main . --fail-on widened\n\nExit codes: 0 no --fail-on condition holds; 1 --fail-on widened and some agent\ngained a capability (or a question was undecided), or --fail-on changed and\nanything changed; 2 a side does not compile or the input is unusable."
    )]
    Diff {
        /// OLD NEW, or with --base at most one PATH.
        paths: Vec<PathBuf>,
        /// Compare the working tree with this git revision.
        #[arg(long)]
        base: Option<String>,
        #[arg(long, value_enum, default_value = "md")]
        format: diff::DiffFormat,
        #[arg(long, value_enum, default_value = "never")]
        fail_on: diff::DiffFailOn,
        /// Write the diff to this file (atomically) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print a JSON Schema.
    #[command(after_help = "Example:\n  agentpol schema request > request.schema.json")]
    Schema {
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// Explain a diagnostic code.
    #[command(after_help = "Example:\n  agentpol explain AP104")]
    Explain { code: String },
    /// Run the language server on standard input and output (for editors).
    #[command(after_help = "Editors start it; see docs/editors.md for VS Code, Neovim and Helix.")]
    Lsp,
    /// Lay out policy files canonically (comments kept); --check only reports.
    #[command(
        after_help = "Examples:\n  agentpol fmt\n  agentpol fmt --check policies/\n\nExit codes: 0 formatted; 1 with --check, some file is not formatted (a diff\nis printed); 2 a file has syntax errors (it is left untouched)."
    )]
    Fmt {
        /// Files or directories (every `*.agentpol` below them).
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Write nothing: print a diff per file that would change and exit 1 if any would.
        #[arg(long)]
        check: bool,
    },
    /// Scaffold a policy set: agentpol.toml, a starter policy, sample requests, a pre-commit config.
    #[command(
        after_help = "Examples:\n  agentpol init\n  agentpol init policies/ --preset table2\n\nThe result passes `agentpol check`, `eval` on each request and `test` as\nwritten. Existing files are never overwritten: if any target exists,\nnothing is written (exit code 2)."
    )]
    Init {
        /// The directory of the new policy set (created if missing).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The standard-library preset the starter agent applies (default: table2).
        #[arg(long, value_name = "NAME")]
        preset: Option<String>,
    },
    /// Print a shell completion script, generated from these definitions.
    #[command(
        after_help = "Examples:\n  agentpol completions bash > ~/.local/share/bash-completion/completions/agentpol\n  agentpol completions zsh > \"${fpath[1]}/_agentpol\"\n  agentpol completions fish > ~/.config/fish/completions/agentpol.fish"
    )]
    Completions {
        /// bash, elvish, fish, powershell or zsh.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from these definitions.
    #[command(after_help = "Example:\n  agentpol man > agentpol.1 && man ./agentpol.1")]
    Man,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TargetArg {
    Rego,
    Cedar,
    Iam,
    K8s,
    All,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    Request,
    Report,
    Diff,
}

/// The command-line definition, with a `--version` that names the solver
/// the binary links (the system libz3 or the bundled one).
fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command().long_version(format!(
        "{} ({})",
        env!("CARGO_PKG_VERSION"),
        agentpol::analysis::smt::solver_version()
    ))
}

pub fn main() -> ExitCode {
    use clap::FromArgMatches;
    let cli = match Cli::from_arg_matches(&command().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let _ = COLOR.set(cli.color);
    let _ = VERBOSITY.set(if cli.quiet { -1 } else { i8::from(cli.verbose) });
    match cli.command {
        Command::Check {
            paths,
            format,
            fail_on,
            list_checks,
            stats,
            mcp,
            infra,
        } => {
            if list_checks {
                return list(format);
            }
            let extra = crosscheck::Inputs { mcp, infra };
            check(&paths, format, fail_on.map(FailOn::severity), stats, &extra)
        }
        Command::Import { what } => import::run(what),
        Command::Test {
            paths,
            engines,
            junit,
            built,
        } => test::run(
            &paths,
            &test::Options {
                engines,
                junit,
                built,
            },
        ),
        Command::Eval {
            paths,
            request,
            explain,
            trace,
        } => eval_cmd(&paths, &request, explain, trace),
        Command::Build {
            paths,
            target,
            out,
            signing_key,
            signing_alg,
            signing_key_id,
            signing_scope,
        } => {
            use agentpol::backend::Target;
            let mut targets: Vec<Target> = Vec::new();
            for t in &target {
                match t {
                    TargetArg::All => targets.extend(Target::ALL),
                    TargetArg::Rego => targets.push(Target::Rego),
                    TargetArg::Cedar => targets.push(Target::Cedar),
                    TargetArg::Iam => targets.push(Target::Iam),
                    TargetArg::K8s => targets.push(Target::K8s),
                }
            }
            targets.sort();
            targets.dedup();
            if targets.is_empty() {
                return Err(miette!(
                    code = command::NO_TARGET.as_str(),
                    help = "add --target rego|cedar|iam|k8s|all",
                    "no target given"
                ));
            }
            let signing = match signing_key {
                Some(key) => Some(build::signing(
                    &targets,
                    &key,
                    &signing_alg,
                    signing_key_id,
                    signing_scope,
                )?),
                None => None,
            };
            build::build(&paths, &targets, &out, signing.as_ref())
        }
        Command::Schema {
            which: SchemaKind::Request,
        } => {
            print_json(&agentpol::model::request::schema())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema {
            which: SchemaKind::Report,
        } => {
            print_json(&agentpol::report::schema())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            paths,
            agent,
            format,
            out,
        } => report::run(&paths, agent.as_deref(), format, out.as_deref()),
        Command::Schema {
            which: SchemaKind::Diff,
        } => {
            print_json(&agentpol::report::diff::schema())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff {
            paths,
            base,
            format,
            fail_on,
            out,
        } => diff::run(&diff::Options {
            paths: &paths,
            base: base.as_deref(),
            format,
            fail_on,
            out: out.as_deref(),
        }),
        Command::Explain { code } => explain(&code),
        Command::Lsp => lsp::run(),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command(), "agentpol", &mut out);
            emit(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command())
                .render(&mut out)
                .into_diagnostic()?;
            emit(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Fmt { paths, check } => fmt::run(&paths, check),
        Command::Init { dir, preset } => init::run(&dir, preset.as_deref()),
    }
}

/// A loaded and compiled policy set.
pub(crate) struct Loaded {
    pub sources: SourceMap,
    pub compiled: Compiled,
}

pub(crate) fn load(set: &SetPaths) -> Result<Loaded> {
    let mut sources = SourceMap::new();
    let config_path = set.root.join(CONFIG);
    let config_text = std::fs::read_to_string(&config_path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read {}", config_path.display()))?;
    let config = sources.add(CONFIG, config_text, Origin::User);
    let mut ids = Vec::new();
    for rel in &set.files {
        let path = set.root.join(rel);
        let text = std::fs::read_to_string(&path)
            .into_diagnostic()
            .wrap_err_with(|| {
                format!(
                    "cannot read {} (policy files must be UTF-8)",
                    path.display()
                )
            })?;
        let name = rel.to_string_lossy().replace('\\', "/");
        ids.push(sources.add(name, text, Origin::User));
    }
    let compiled = agentpol::compile(&mut sources, Some(config), &ids);
    Ok(Loaded { sources, compiled })
}

/// The name of a set's directory (`policy` for a root without one).
pub(crate) fn dir_name(set: &SetPaths) -> String {
    set.root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "policy".into())
}

fn check(
    paths: &[PathBuf],
    format: Format,
    fail_on: Option<Severity>,
    stats: bool,
    extra: &crosscheck::Inputs,
) -> Result<ExitCode> {
    let sets = find_sets(paths)?;
    let mut worst: u8 = 0;
    let mut json_sets = Vec::new();
    let mut done: Vec<(String, Loaded, Vec<Diagnostic>)> = Vec::new();
    for set in &sets {
        let started = std::time::Instant::now();
        let mut loaded = load(set)?;
        detail(format_args!(
            "{}: {} file(s): {}; compiled in {:.1?}",
            display_root(&set.root),
            set.files.len(),
            set.files
                .iter()
                .map(|f| f.to_string_lossy().replace('\\', "/"))
                .collect::<Vec<_>>()
                .join(", "),
            started.elapsed()
        ));
        let mut diags = loaded.compiled.diagnostics.clone();
        let mut analyzed = false;
        // What `build` would refuse: errors like the checker's (exit 2).
        let mut target_errors = Vec::new();
        if !loaded.compiled.has_errors() {
            let started = std::time::Instant::now();
            let spinner = progress(format, &display_root(&set.root));
            let analysis = agentpol::analyze(&loaded.sources, &loaded.compiled);
            spinner.finish_and_clear();
            detail(format_args!(
                "{}: analyzed in {:.1?}",
                display_root(&set.root),
                started.elapsed()
            ));
            if stats {
                eprintln!(
                    "{}: analysis {:?}, {:?}",
                    display_root(&set.root),
                    started.elapsed(),
                    analysis.stats
                );
                for (code, t) in &analysis.timings {
                    eprintln!("  {code:<6} {t:?}");
                }
            }
            diags.extend(analysis.diagnostics);
            let set_name = agentpol::set_name(&loaded.compiled, &dir_name(set));
            target_errors = agentpol::target_errors(&loaded.sources, &loaded.compiled, &set_name);
            diags.extend(target_errors.iter().cloned());
            diags.extend(crosscheck::run(&mut loaded, set, extra)?);
            agentpol::diagnostics::sort(&mut diags);
            analyzed = true;
        }
        let fail_on = fail_on
            .or_else(|| {
                loaded
                    .compiled
                    .config
                    .check
                    .fail_on
                    .as_deref()
                    .and_then(Severity::parse)
            })
            .unwrap_or(Severity::Error);
        let code = if loaded.compiled.has_errors() || !target_errors.is_empty() {
            2
        } else if diags.iter().any(|d| d.severity >= fail_on) {
            1
        } else {
            0
        };
        worst = worst.max(code);
        let name = display_root(&set.root);
        match format {
            Format::Human => {
                let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
                let rendered = render_for(Stream::Stdout, &loaded.sources, &diags);
                if verbosity() < 0 {
                    emit(&rendered)?;
                    continue;
                }
                emit(&format!(
                    "{}{name}: {} file(s), {} agent(s){}: {} error(s), {} warning(s), {} info\n",
                    rendered,
                    set.files.len(),
                    loaded.compiled.model.agents.len(),
                    if analyzed {
                        ""
                    } else {
                        " (not analyzed: fix the errors first)"
                    },
                    count(Severity::Error),
                    count(Severity::Warning),
                    count(Severity::Info)
                ))?;
            }
            Format::Json => {
                let mut v = json_render::to_value(&loaded.sources, &diags);
                if let Some(o) = v.as_object_mut() {
                    o.insert("policy_set".into(), serde_json::Value::String(name));
                    o.insert("analyzed".into(), serde_json::Value::Bool(analyzed));
                }
                json_sets.push(v);
            }
            Format::Sarif | Format::Gitlab => done.push((name, loaded, diags)),
        }
    }
    let results: Vec<sarif::SetResults<'_>> = done
        .iter()
        .map(|(name, loaded, diags)| sarif::SetResults {
            prefix: if name == "." {
                String::new()
            } else {
                format!("{name}/")
            },
            sources: &loaded.sources,
            diagnostics: diags,
        })
        .collect();
    match format {
        Format::Json => print_json(&serde_json::json!({ "sets": json_sets }))?,
        Format::Sarif => print_json(&sarif::to_value(
            &registry::sarif_rules(),
            &results,
            env!("CARGO_PKG_VERSION"),
        ))?,
        Format::Gitlab => print_json(&gitlab::to_value(&results))?,
        Format::Human => {}
    }
    Ok(ExitCode::from(worst))
}

fn list(format: Format) -> Result<ExitCode> {
    let checks = agentpol::analysis::CHECKS;
    if format == Format::Human {
        let mut text = String::new();
        for c in checks {
            text.push_str(&format!(
                "{}  {:<7}  {:<36}  {}\n",
                c.code,
                c.code.default_severity().as_str(),
                c.name,
                c.summary
            ));
        }
        emit(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let list: Vec<serde_json::Value> = checks
        .iter()
        .map(|c| {
            serde_json::json!({
                "code": c.code.as_str(),
                "severity": c.code.default_severity().as_str(),
                "name": c.name,
                "summary": c.summary,
            })
        })
        .collect();
    print_json(&serde_json::json!({ "checks": list }))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn single_set(paths: &[PathBuf]) -> Result<Loaded> {
    let sets = find_sets(paths)?;
    let [set] = sets.as_slice() else {
        let names: Vec<String> = sets.iter().map(|s| display_root(&s.root)).collect();
        return Err(miette!(
            code = command::NOT_ONE_POLICY_SET.as_str(),
            help = "name one policy set directory",
            "these paths hold {} policy sets ({}), this command takes one",
            sets.len(),
            names.join(", ")
        ));
    };
    let loaded = load(set)?;
    if loaded.compiled.has_errors() {
        eprint!(
            "{}",
            render_for(
                Stream::Stderr,
                &loaded.sources,
                &loaded.compiled.diagnostics
            )
        );
        return Err(miette!(
            code = command::SET_HAS_ERRORS.as_str(),
            help = "the errors are printed above; `agentpol check` shows them too",
            "the policy set has errors; fix them first"
        ));
    }
    Ok(loaded)
}

fn eval_cmd(paths: &[PathBuf], request: &PathBuf, explain: bool, trace: bool) -> Result<ExitCode> {
    let loaded = single_set(paths)?;
    let text = if request.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .into_diagnostic()
            .wrap_err("cannot read the request from stdin")?;
        s
    } else {
        std::fs::read_to_string(request)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {}", request.display()))?
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        miette!(
            code = command::INVALID_REQUEST.as_str(),
            help = "see `agentpol schema request`",
            "the request is not valid JSON: {e}"
        )
    })?;
    if explain || trace {
        let (decision, why) = eval::explain_json(&loaded.compiled.model, &value);
        if explain {
            emit(&why.text(&decision))?;
        } else {
            let mut v = serde_json::to_value(&decision).into_diagnostic()?;
            if let Some(o) = v.as_object_mut() {
                o.insert(
                    "trace".into(),
                    serde_json::to_value(&why).into_diagnostic()?,
                );
            }
            print_json(&v)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let decision = eval::decide_json(&loaded.compiled.model, &value);
    print_json(&serde_json::to_value(&decision).into_diagnostic()?)?;
    Ok(ExitCode::SUCCESS)
}

fn explain(code: &str) -> Result<ExitCode> {
    if let Some(e) = registry::lookup(code) {
        // Analysis severities can be changed in `agentpol.toml`, so theirs
        // is printed as a default; every other code's is fixed.
        let head = if e.stage == registry::Stage::Analysis {
            format!(
                "{} ({}, {} by default)",
                e.code,
                e.name,
                e.severity().as_str()
            )
        } else {
            format!("{} ({})", e.code, e.name)
        };
        emit(&format!("{head}: {}\n\n{}\n", e.summary, e.doc))?;
        return Ok(ExitCode::SUCCESS);
    }
    Err(miette!(
        code = command::UNKNOWN_CODE.as_str(),
        help = "codes look like AP104 or AP201; `agentpol check --list-checks` lists the analysis checks",
        "unknown code `{code}`"
    ))
}

fn print_json(v: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(v).into_diagnostic()?;
    emit(&format!("{text}\n"))
}

/// Writes to standard output. A reader that went away (`agentpol ... | head`)
/// is not an error: the output is simply not wanted any more. `print!`
/// would panic there.
pub(crate) fn emit(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.into_diagnostic(),
    }
}
