//! `agentpol import mcp`: an MCP server's tool listing → tool declarations.
//! Reads the listing (a file or standard input) and optionally the server's
//! `server.json`, checks that the generated text compiles, and prints it or
//! writes it atomically.

use super::atomic::write_file;
use agentpol::diagnostics::{Diagnostic, Severity, Sink};
use agentpol::mcp::{self, ImportOptions, Listing};
use agentpol::registry::command::INVALID_IMPORT;
use agentpol::source::{Origin, SourceMap};
use miette::{miette, IntoDiagnostic, Result, WrapErr};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum ImportCommand {
    /// Declare the tools of an MCP server from its `tools/list` result.
    #[command(
        after_help = "Examples:\n  agentpol import mcp tools.json --namespace files --out tools/files.agentpol\n  agentpol import mcp github-tools.json --server server.json\n  mcp-client list-tools | agentpol import mcp - --namespace gh\n\nFILE is the JSON result of `tools/list` (bare or as a JSON-RPC response) or a\n`server.json` registry record carrying `tools`. Each declaration gets a `pin`:\nthe SHA3-256 of the tool's canonical JSON (name, description, inputSchema,\noutputSchema, annotations); `agentpol check --mcp FILE` reports tools whose\nlisting changed. Every guessed effect and trust level carries a `# guess`\ncomment saying what it was based on; review them."
    )]
    Mcp {
        /// The `tools/list` result, or `-` for standard input.
        input: PathBuf,
        /// Namespace of the declared tools (default: from the server's registry name).
        #[arg(long)]
        namespace: Option<String>,
        /// The server's `server.json` registry record: its name and remote endpoints.
        #[arg(long)]
        server: Option<PathBuf>,
        /// Write the declarations here (atomically) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(cmd: ImportCommand) -> Result<ExitCode> {
    let ImportCommand::Mcp {
        input,
        namespace,
        server,
        out,
    } = cmd;
    let mut sources = SourceMap::new();
    let mut sink = Sink::new();
    let mut listing = read_listing(&mut sources, &input, &mut sink)?;
    if let Some(path) = &server {
        if let Some(record) = read_listing(&mut sources, path, &mut sink)? {
            let l = listing.get_or_insert_with(Listing::default);
            l.server = record.server.or(l.server.take());
            l.endpoints = record.endpoints;
            l.tools.extend(record.tools);
        }
    }
    let diagnostics = sink.into_sorted();
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        eprint!(
            "{}",
            super::render_for(super::Stream::Stderr, &sources, &diagnostics)
        );
        return Ok(ExitCode::from(2));
    }
    let Some(listing) = listing else {
        return Ok(ExitCode::from(2));
    };
    if listing.tools.is_empty() {
        return Err(miette!(
            code = INVALID_IMPORT.as_str(),
            help = "a `server.json` record lists no tools: pass the server's `tools/list` result as FILE and the record with --server",
            "the listing declares no tools"
        ));
    }
    let namespace = namespace_for(namespace, &listing)?;
    let imported = mcp::import(
        &listing,
        &ImportOptions {
            namespace,
            server: None,
        },
    );
    let mut all = diagnostics;
    all.extend(imported.diagnostics);
    if !all.is_empty() {
        eprint!(
            "{}",
            super::render_for(super::Stream::Stderr, &sources, &all)
        );
    }
    verify(&imported.text)?;
    match out {
        Some(path) => {
            write_file(&path, imported.text.as_bytes())?;
            super::say(format_args!(
                "wrote {} tool declaration(s) to {}",
                listing.tools.len(),
                path.display()
            ));
        }
        None => super::emit(&imported.text)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn read_listing(sources: &mut SourceMap, path: &Path, sink: &mut Sink) -> Result<Option<Listing>> {
    let (name, text) = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .into_diagnostic()
            .wrap_err("cannot read the MCP listing from stdin")?;
        ("<stdin>".to_string(), s)
    } else {
        let text = std::fs::read_to_string(path)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {}", path.display()))?;
        (path.display().to_string(), text)
    };
    let file = sources.add(name, text.clone(), Origin::User);
    Ok(mcp::parse(file, &text, sink))
}

fn namespace_for(given: Option<String>, listing: &Listing) -> Result<String> {
    let ns = match (given, &listing.server) {
        (Some(ns), _) => ns,
        (None, Some(server)) => mcp::namespace_of(server),
        (None, None) => {
            return Err(miette!(
                code = INVALID_IMPORT.as_str(),
                help = "add --namespace NAME (e.g. `--namespace files`), or --server server.json to take it from the registry name",
                "the tools need a namespace"
            ))
        }
    };
    if !mcp::is_namespace(&ns) {
        return Err(miette!(
            code = INVALID_IMPORT.as_str(),
            help = "a namespace is one or more dotted names of letters, digits and `_`, not starting with a digit, e.g. `github` or `acme.files`",
            "`{}` is not a valid tool namespace",
            ns.escape_debug()
        ));
    }
    Ok(ns)
}

/// The generated text must compile on its own; anything else is a bug in
/// the importer, and nothing is written.
fn verify(text: &str) -> Result<()> {
    let (sources, compiled) = agentpol::compile_str(&[("imported.agentpol", text)]);
    let errors: Vec<Diagnostic> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    eprint!(
        "{}",
        super::render_for(super::Stream::Stderr, &sources, &errors)
    );
    Err(miette!(
        code = INVALID_IMPORT.as_str(),
        help = "this is a bug in agentpol's importer; please report it with the listing",
        "the generated declarations do not compile, nothing was written"
    ))
}
