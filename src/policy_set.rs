//! The façade: one policy set (its `agentpol.toml` and `*.agentpol` files,
//! already read into a [`SourceMap`] by the caller) → the checked model and
//! every diagnostic the front end found.

use crate::diagnostics::{codes, Diagnostic, Severity, Sink};
use crate::model::Model;
use crate::source::{FileId, SourceMap, Span};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Settings from `agentpol.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub name: Option<String>,
    #[serde(default)]
    pub check: CheckConfig,
    /// Per-code severity overrides: `AP201 = "warning"` or `"off"`.
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    #[serde(default)]
    pub suppress: Vec<Suppression>,
    #[serde(default)]
    pub analysis: AnalysisConfig,
    #[serde(default)]
    pub mcp: McpConfig,
}

/// `[mcp]`: MCP listings `agentpol check` compares pinned tools with.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    /// `"[SERVER=]PATH"`, PATH relative to the policy set's root.
    #[serde(default)]
    pub lists: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisConfig {
    /// z3's deterministic resource limit per query (default 20 000 000).
    pub rlimit: Option<u32>,
    /// The most questions one analysis hands to the solver (default 200 000).
    pub max_queries: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// `error`, `warning` or `info`: the lowest severity that fails `check`.
    pub fail_on: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub code: String,
    pub agent: Option<String>,
    pub reason: Option<String>,
}

impl Config {
    /// Parses `agentpol.toml`; errors become diagnostics labelled in that file.
    pub fn parse(file: FileId, text: &str, sink: &mut Sink) -> Config {
        match toml::from_str::<Config>(text) {
            Ok(c) => {
                c.validate(file, text, sink);
                c
            }
            Err(e) => {
                let span = e
                    .span()
                    .map(|r| Span::new(file, r.start, r.end))
                    .unwrap_or(Span::new(file, 0, 0));
                sink.push(
                    Diagnostic::error(
                        codes::INVALID_CONFIG,
                        format!("invalid agentpol.toml: {}", e.message()),
                    )
                    .primary(span, "here")
                    .help("see `agentpol explain AP114` for the keys agentpol.toml accepts"),
                );
                Config::default()
            }
        }
    }

    fn validate(&self, file: FileId, text: &str, sink: &mut Sink) {
        let find = |needle: &str| {
            text.find(needle)
                .map(|i| Span::new(file, i, i + needle.len()))
                .unwrap_or(Span::new(file, 0, 0))
        };
        if let Some(f) = &self.check.fail_on {
            if Severity::parse(f).is_none() {
                sink.push(
                    Diagnostic::error(
                        codes::INVALID_CONFIG,
                        format!("`fail_on` must be error, warning or info, not `{f}`"),
                    )
                    .primary(find(f), "unknown severity")
                    .help("write `fail_on = \"warning\"`"),
                );
            }
        }
        for (code, level) in &self.severity {
            if Severity::parse(level).is_none() && level != "off" {
                sink.push(
                    Diagnostic::error(
                        codes::INVALID_CONFIG,
                        format!("severity of `{code}` must be error, warning, info or off"),
                    )
                    .primary(find(level), "unknown severity")
                    .help(format!("write `{code} = \"warning\"`")),
                );
            }
        }
        for s in &self.suppress {
            if s.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                sink.push(
                    Diagnostic::error(
                        codes::INVALID_CONFIG,
                        format!("suppression of `{}` has no reason", s.code),
                    )
                    .primary(find(&s.code), "suppressed without a reason")
                    .help("every suppression must say why: add `reason = \"...\"`"),
                );
            }
        }
    }
}

/// The result of compiling one policy set.
pub struct Compiled {
    pub model: Model,
    pub config: Config,
    /// Sorted front-end diagnostics (syntax, resolve, check).
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Compiles a policy set whose files are already in `sources`. `config` is
/// the `agentpol.toml` file, if any.
pub fn compile(sources: &mut SourceMap, config: Option<FileId>, files: &[FileId]) -> Compiled {
    crate::source::with_stack(|| compile_on_stack(sources, config, files))
}

fn compile_on_stack(sources: &mut SourceMap, config: Option<FileId>, files: &[FileId]) -> Compiled {
    let mut sink = Sink::new();
    let config = match config.and_then(|f| sources.get(f).map(|s| (f, s.text.clone()))) {
        Some((f, text)) => Config::parse(f, &text, &mut sink),
        None => Config::default(),
    };
    let program = crate::resolve::resolve(sources, files, &mut sink);
    let model = crate::check::check(&program, &mut sink);
    Compiled {
        model,
        config,
        diagnostics: sink.into_sorted(),
    }
}

impl Config {
    /// The analyzer's settings: severity overrides (`off` turns a code off),
    /// suppressions (their reasons are required by `validate`) and limits.
    pub fn analysis_settings(&self) -> crate::analysis::Settings {
        let mut limits = crate::analysis::smt::Limits::default();
        if let Some(r) = self.analysis.rlimit {
            limits.rlimit = r.max(1);
        }
        if let Some(q) = self.analysis.max_queries {
            limits.max_queries = q;
        }
        crate::analysis::Settings {
            severity: self
                .severity
                .iter()
                .map(|(code, level)| (code.to_ascii_uppercase(), Severity::parse(level)))
                .collect(),
            suppress: self
                .suppress
                .iter()
                .filter_map(|s| {
                    Some(crate::analysis::suppress::ConfigSuppression {
                        code: s.code.to_ascii_uppercase(),
                        agent: s.agent.clone(),
                        reason: s.reason.clone().filter(|r| !r.trim().is_empty())?,
                    })
                })
                .collect(),
            limits,
        }
    }
}

/// Runs the analyzer on a policy set that compiled without errors: the
/// findings, after `agentpol.toml`'s overrides and all suppressions.
pub fn analyze(sources: &SourceMap, compiled: &Compiled) -> crate::analysis::Analysis {
    crate::analysis::analyze(
        &compiled.model,
        sources,
        &compiled.config.analysis_settings(),
    )
}

/// The set's name in generated artifacts: `agentpol.toml`'s `name`, else
/// `dir_name` (the set's directory).
pub fn set_name(compiled: &Compiled, dir_name: &str) -> String {
    compiled
        .config
        .name
        .clone()
        .unwrap_or_else(|| dir_name.to_string())
}

/// What `build` would refuse for a policy set that compiled without errors:
/// every target's errors (see [`crate::backend::validate`]), which `check`
/// reports beside its own.
pub fn target_errors(sources: &SourceMap, compiled: &Compiled, set_name: &str) -> Vec<Diagnostic> {
    crate::backend::validate(&crate::backend::Input {
        model: &compiled.model,
        sources,
        set_name,
    })
}

/// Compiles policy text given in memory (tests, benchmarks, fuzzing): each
/// `(name, text)` becomes a file of one policy set.
pub fn compile_str(files: &[(&str, &str)]) -> (SourceMap, Compiled) {
    let mut sources = SourceMap::new();
    let ids: Vec<FileId> = files
        .iter()
        .map(|(n, t)| sources.add(*n, *t, crate::source::Origin::User))
        .collect();
    let compiled = compile(&mut sources, None, &ids);
    (sources, compiled)
}
