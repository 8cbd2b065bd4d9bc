//! `agentpol init [DIR] [--preset NAME]`: scaffolds a policy set that passes
//! `check`, `eval`, `test` and `fmt --check` as written: `agentpol.toml`, a
//! commented starter policy for one agent that applies a stdlib preset, a
//! sample request per decision kind under `requests/`, and a
//! `.pre-commit-config.yaml` using agentpol's hooks.
//!
//! The templates are compiled into the binary (`init/<preset>/`), so an
//! installed `agentpol` needs nothing from the source tree. Every preset of
//! the standard library has a template (a test checks it), because the
//! sample requests are written against that preset's gates.
//!
//! Nothing is ever overwritten: every target, and every folder on the way
//! to one, is checked before the first write, and each file is moved into place with a rename that fails if the
//! name was taken in the meantime.

use super::atomic;
use agentpol::registry::command;
use miette::{miette, IntoDiagnostic, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One starter template: the preset it applies and its files.
struct Template {
    preset: &'static str,
    policy: &'static str,
    /// (file name under `requests/`, text)
    requests: &'static [(&'static str, &'static str)],
}

const TEMPLATES: &[Template] = &[Template {
    preset: "table2",
    policy: include_str!("init/table2/policy.agentpol"),
    requests: &[
        (
            "allow-read-issue.json",
            include_str!("init/table2/allow-read-issue.json"),
        ),
        (
            "allow-post-update.json",
            include_str!("init/table2/allow-post-update.json"),
        ),
        (
            "approval-change-priority.json",
            include_str!("init/table2/approval-change-priority.json"),
        ),
        (
            "deny-post-other-channel.json",
            include_str!("init/table2/deny-post-other-channel.json"),
        ),
    ],
}];

/// The preset `init` uses without `--preset`.
pub const DEFAULT_PRESET: &str = "table2";

/// Names `--preset` accepts.
pub fn presets() -> Vec<&'static str> {
    TEMPLATES.iter().map(|t| t.preset).collect()
}

/// The files of a new policy set, relative to its directory. `name` goes
/// into `agentpol.toml`.
fn files(template: &Template, name: &str) -> Result<Vec<(PathBuf, String)>> {
    let mut out = vec![
        (PathBuf::from("agentpol.toml"), config(name)?),
        (
            PathBuf::from("policy.agentpol"),
            template.policy.to_string(),
        ),
        (
            PathBuf::from(".pre-commit-config.yaml"),
            pre_commit_config(),
        ),
    ];
    for (file, text) in template.requests {
        out.push((Path::new("requests").join(file), (*text).to_string()));
    }
    Ok(out)
}

fn config(name: &str) -> Result<String> {
    // Through the TOML serializer: a directory name may hold quotes or
    // backslashes.
    let name_line = toml::to_string(&toml::Table::from_iter([(
        "name".to_string(),
        toml::Value::String(name.to_string()),
    )]))
    .into_diagnostic()?;
    Ok(format!(
        "# The policy set's settings; every *.agentpol file below this directory belongs\n\
         # to it. All keys are optional (see the agentpol README).\n\
         {name_line}\n\
         [check]\n\
         # The lowest severity that fails `agentpol check`: error | warning | info.\n\
         fail_on = \"warning\"\n"
    ))
}

fn pre_commit_config() -> String {
    format!(
        "# pre-commit (https://pre-commit.com): `pre-commit install` once, then every\n\
         # commit that touches a policy file runs agentpol on the policy sets it belongs to.\n\
         repos:\n\
         \x20 - repo: https://github.com/agentpol/agentpol\n\
         \x20   rev: v{}\n\
         \x20   hooks:\n\
         \x20     - id: agentpol-check   # check and analyze each changed policy set\n\
         \x20     - id: agentpol-fmt     # fails with a diff when a file is not formatted\n",
        env!("CARGO_PKG_VERSION")
    )
}

pub fn run(dir: &Path, preset: Option<&str>) -> Result<ExitCode> {
    let preset = preset.unwrap_or(DEFAULT_PRESET);
    let Some(template) = TEMPLATES.iter().find(|t| t.preset == preset) else {
        let known = presets()
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(miette!(
            code = command::UNKNOWN_PRESET.as_str(),
            help = format!("known presets: {known}; leave out --preset for `{DEFAULT_PRESET}`"),
            "unknown preset `{}`",
            preset.escape_debug()
        ));
    };
    if dir.exists() && !dir.is_dir() {
        return Err(miette!(
            code = command::NOT_A_DIRECTORY.as_str(),
            help = "name a directory to create the policy set in (it may exist)",
            "`{}` is not a directory",
            dir.display()
        ));
    }
    let name = set_name(dir);
    let planned = files(template, &name)?;
    // A name is taken by anything at a file's path, or by a non-directory
    // where one of its folders goes (`requests`).
    let mut taken: Vec<String> = Vec::new();
    for (rel, _) in &planned {
        let folders = rel
            .ancestors()
            .skip(1)
            .filter(|a| !a.as_os_str().is_empty());
        let blocking = folders
            .filter(|a| dir.join(a).symlink_metadata().is_ok_and(|m| !m.is_dir()))
            .chain(
                std::iter::once(rel.as_path()).filter(|r| dir.join(r).symlink_metadata().is_ok()),
            );
        for p in blocking {
            let shown = p.to_string_lossy().replace('\\', "/");
            if !taken.contains(&shown) {
                taken.push(shown);
            }
        }
    }
    if !taken.is_empty() {
        return Err(refuse(dir, &taken));
    }
    for (rel, text) in &planned {
        let path = dir.join(rel);
        atomic::write_new_file(&path, text.as_bytes()).map_err(|e| match e {
            atomic::NewFileError::Exists => refuse(dir, &[rel.to_string_lossy().into_owned()]),
            atomic::NewFileError::Io(what) => miette!(
                code = command::CANNOT_WRITE.as_str(),
                help = "check that the directory is writable and that no file stands where a folder (`requests/`) goes",
                "{what}"
            ),
        })?;
    }
    super::say(format_args!(
        "created a policy set in {} ({} files, preset `{preset}`); next:\n  \
         agentpol check {shown}\n  \
         agentpol eval {shown} --request {req} --explain\n  \
         pre-commit install   # in its git repository: the hooks run on every commit",
        dir.display(),
        planned.len(),
        shown = shell_path(dir),
        req = shell_path(&dir.join("requests").join(template.requests[0].0)),
    ));
    Ok(ExitCode::SUCCESS)
}

/// The error for files that exist already (nothing was written by then,
/// except files created before a concurrent writer took a later name).
fn refuse(dir: &Path, taken: &[String]) -> miette::Report {
    miette!(
        code = command::INIT_WOULD_OVERWRITE.as_str(),
        help = "`agentpol init` never overwrites a file: pick a new or empty directory, or move these files away",
        "`{}` already has {}",
        dir.display(),
        taken
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The set's name: the directory's own name (of the absolute path, so `.`
/// names the working directory).
fn set_name(dir: &Path) -> String {
    std::path::absolute(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "policy".to_string())
}

/// A path as the user would type it again in the suggested commands.
fn shell_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
