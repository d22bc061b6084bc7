//! `renku run`: execute a command and record it as a plan and an activity in one commit.
//!
//! Unlike renku-python, the work tree may be dirty: the work tree is fingerprinted before and
//! after the command, and only what the command changed is recorded and committed.
//! Pre-existing changes are left alone and reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::arguments::{Argument, classify, normalize, resolve_in_project, split_command};
use super::query;
use crate::context::CommandContext;
use crate::model::{Activity, CommandParameter, Entity, ParameterKind, Person, Plan, Stream};
use crate::repo::ProjectDir;
use crate::repo::lfs::{LfsTracker, Tracked};
use crate::repo::status::{FileState, fingerprint};
use crate::store::{Kind, Record, TMP_DIR};
use crate::{Error, Result};

/// Options of `renku run`.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The command line to run (program and arguments).
    pub command: Vec<String>,
    /// Directory the command runs in (the current directory).
    pub cwd: PathBuf,
    /// Plan name.
    pub name: Option<String>,
    /// Plan description.
    pub description: Option<String>,
    /// Plan keywords.
    pub keywords: Vec<String>,
    /// Plan creators (`Name <email> [affiliation]`); default: the git user.
    pub creators: Vec<String>,
    /// Explicit inputs, `[NAME=]PATH`.
    pub inputs: Vec<String>,
    /// Explicit outputs, `[NAME=]PATH`.
    pub outputs: Vec<String>,
    /// Explicit parameters, `[NAME=]VALUE`.
    pub params: Vec<String>,
    /// Allow a run without outputs.
    pub no_output: bool,
    /// Do not detect inputs from the arguments.
    pub no_input_detection: bool,
    /// Do not detect outputs from the changed files.
    pub no_output_detection: bool,
    /// Do not turn non-path arguments into parameters.
    pub no_parameter_detection: bool,
    /// Exit codes counted as success (default `0`).
    pub success_codes: Vec<i32>,
    /// Files the standard streams are redirected to/from (detected by the caller or
    /// [`detect_streams`]), as absolute paths.
    pub streams: BTreeMap<Stream, PathBuf>,
}

/// What `renku run` recorded.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The plan.
    pub plan: Plan,
    /// The activity.
    pub activity: Activity,
    /// Changes that existed before the command and were not recorded.
    pub left_alone: Vec<String>,
    /// Inputs git did not have yet, committed with the run so the recorded content exists.
    pub committed_inputs: Vec<String>,
    /// Outputs put into Git LFS by this run (the patterns added to `.gitattributes`).
    pub lfs: Tracked,
}

/// The files the standard streams of this process are redirected to or from, when they are
/// regular files (Linux: read from `/proc/self/fd`).
pub fn detect_streams() -> BTreeMap<Stream, PathBuf> {
    let mut out = BTreeMap::new();
    for (fd, stream) in [(0, Stream::Stdin), (1, Stream::Stdout), (2, Stream::Stderr)] {
        let link = PathBuf::from(format!("/proc/self/fd/{fd}"));
        if let Ok(target) = std::fs::read_link(&link)
            && target.is_absolute()
            && std::fs::metadata(&target)
                .map(|m| m.is_file())
                .unwrap_or(false)
        {
            out.insert(stream, target);
        }
    }
    out
}

/// A `[NAME=]VALUE` option value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Named {
    name: Option<String>,
    value: String,
}

fn parse_named(values: &[String], what: &str) -> Result<Vec<Named>> {
    let mut out: Vec<Named> = Vec::new();
    for v in values {
        let named = match v.split_once('=') {
            Some((n, val)) if !n.is_empty() && !n.contains('/') => Named {
                name: Some(n.to_string()),
                value: val.to_string(),
            },
            _ => Named {
                name: None,
                value: v.clone(),
            },
        };
        if out.iter().any(|o| o.value == named.value) {
            return Err(Error::Usage(format!(
                "Cannot specify the same explicit {what} value twice."
            )));
        }
        if named.name.is_some() && out.iter().any(|o| o.name == named.name) {
            return Err(Error::Usage(format!(
                "Cannot specify the same explicit {what} name twice."
            )));
        }
        out.push(named);
    }
    Ok(out)
}

/// Whether `renku run` would treat `first` as a workflow file, as renku-python does: a
/// `.yml`/`.yaml` name that is not an executable file.
pub fn is_workflow_file(first: &str, cwd: &Path) -> bool {
    let lower = first.to_ascii_lowercase();
    if !(lower.ends_with(".yml") || lower.ends_with(".yaml")) {
        return false;
    }
    let path = cwd.join(first);
    match std::fs::metadata(&path) {
        Ok(meta) => !is_executable_file(&meta),
        Err(_) => true,
    }
}

#[cfg(unix)]
fn is_executable_file(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable_file(_meta: &std::fs::Metadata) -> bool {
    false
}

/// The creators of a new plan: `given` (`Name <email> [affiliation]`), or the git user.
pub(crate) fn plan_creators(project: &ProjectDir, given: &[String]) -> Result<Vec<Person>> {
    if given.is_empty() {
        let (n, e) = project.git()?.identity()?;
        return Ok(vec![Person::new(n, Some(e), None)]);
    }
    given.iter().map(|c| Person::parse_strict(c)).collect()
}

/// Plan names: `^[a-zA-Z0-9][a-zA-Z0-9_-]+$`.
pub fn validate_plan_name(name: &str) -> Result<()> {
    let valid = name.len() >= 2
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if valid {
        return Ok(());
    }
    let hint = crate::util::slugify(name, false).replace('.', "_");
    if hint.len() < 2 {
        return Err(Error::Parameter(format!(
            "Invalid name: '{name}' (Hint: a name has at least two characters: letters, digits, '-' or '_')."
        )));
    }
    Err(Error::Parameter(format!(
        "Invalid name: '{name}' (Hint: '{hint}' is valid)."
    )))
}

/// A generated plan name: the command words joined with `-`, made file-name safe, cut to 19
/// characters, plus `-` and 5 random hex characters.
fn generate_plan_name(words: &[String]) -> String {
    let hex = crate::util::new_hex_id();
    plan_name_with_suffix(words, &hex[..5])
}

/// [`generate_plan_name`] with the given suffix instead of random hex digits (for plans
/// whose names must come out the same every time, e.g. when migrating old projects).
pub(crate) fn plan_name_with_suffix(words: &[String], suffix: &str) -> String {
    let joined = words
        .iter()
        .map(|w| w.replace('.', "_"))
        .collect::<Vec<_>>()
        .join("-");
    let mut safe: String = joined
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
        .chars()
        .map(|c| if c == '/' || c == '\\' { '_' } else { c })
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        .collect();
    safe = safe.trim_matches(|c| c == '.' || c == '_').to_string();
    let mut cut: String = safe.chars().take(19).collect();
    if cut.is_empty() {
        cut = "run".into();
    }
    format!("{cut}-{suffix}")
}

/// Name of a detected parameter: `<prefix slug>-<position>`, or `<kind>-<position>`.
fn parameter_name(kind: ParameterKind, prefix: Option<&str>, position: Option<u32>) -> String {
    let base = prefix
        .map(|p| crate::util::slugify(p.trim_matches(|c| c == ' ' || c == '-' || c == '='), false))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| kind.as_str().to_string());
    match position {
        Some(p) => format!("{base}-{p}"),
        None => format!("{base}-{}", &crate::util::new_hex_id()[..4]),
    }
}

/// Runs the command and records it. The command's own exit status decides success
/// (`success_codes`); a failing command records nothing.
pub fn run(ctx: &CommandContext, project: &ProjectDir, opts: &RunOptions) -> Result<RunReport> {
    let root = project.root().to_path_buf();
    let cwd = if opts.cwd.as_os_str().is_empty() {
        root.clone()
    } else {
        normalize(&opts.cwd)
    };
    if opts.command.is_empty() {
        return Err(Error::Usage(
            "Missing argument 'COMMAND'. Give the command to run.".into(),
        ));
    }
    if is_workflow_file(&opts.command[0], &cwd) {
        return Err(Error::Failed(format!(
            "'{}' is a workflow file: run it with `renku run` from the command line or `workflow::file_run::run_file`.",
            opts.command[0]
        )));
    }
    if opts.command[0] == "renku" {
        return Err(Error::Parameter(
            "Calling the 'renku' executable in workflows is not supported.".into(),
        ));
    }
    let store = project.store();
    let index = store.index()?;
    if let Some(name) = &opts.name {
        validate_plan_name(name)?;
        if query::active_plan_names(&index).contains(name) {
            return Err(Error::Failed(format!(
                "Duplicate workflow name: Workflow '{name}' already exists."
            )));
        }
    }
    let creators = plan_creators(project, &opts.creators)?;
    let explicit_inputs = parse_named(&opts.inputs, "input")?;
    let explicit_outputs = parse_named(&opts.outputs, "output")?;
    let explicit_params = parse_named(&opts.params, "param")?;

    // Standard streams redirected to files inside the project.
    let rel_of = |p: &Path| -> Option<String> {
        normalize(p)
            .strip_prefix(&root)
            .ok()
            .map(|r| r.to_string_lossy().replace('\\', "/"))
    };
    let streams: BTreeMap<Stream, String> = opts
        .streams
        .iter()
        .filter_map(|(s, p)| rel_of(p).filter(|r| !r.is_empty()).map(|r| (*s, r)))
        .collect();
    let resolve_explicit = |v: &str| -> Option<String> {
        let p = Path::new(v);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        };
        rel_of(&abs)
    };
    for out_stream in [Stream::Stdout, Stream::Stderr] {
        if let Some(target) = streams.get(&out_stream)
            && explicit_inputs
                .iter()
                .any(|i| resolve_explicit(&i.value).as_deref() == Some(target.as_str()))
        {
            return Err(Error::Usage(format!(
                "Explicit input file cannot be used as stdout/stderr: {target}"
            )));
        }
    }
    if let Some(target) = streams.get(&Stream::Stdin)
        && explicit_outputs
            .iter()
            .any(|o| resolve_explicit(&o.value).as_deref() == Some(target.as_str()))
    {
        return Err(Error::Usage(format!(
            "Explicit output file cannot be used as stdin: {target}"
        )));
    }

    let (base, args) = split_command(&opts.command, &cwd, &root);
    let out_targets: BTreeSet<&String> = [Stream::Stdout, Stream::Stderr]
        .iter()
        .filter_map(|s| streams.get(s))
        .collect();
    let param_values: BTreeSet<&str> = explicit_params.iter().map(|p| p.value.as_str()).collect();
    let is_excluded = |v: &str| {
        param_values.contains(v)
            || resolve_in_project(v, &cwd, &root).is_some_and(|(rel, _)| out_targets.contains(&rel))
    };
    let classified = classify(&args, &cwd, &root, &is_excluded);

    // Everything that is lying around before the command runs.
    let git = project.git()?;
    let lfs = LfsTracker::new(&root, git.repo(), ctx.external_storage)?;
    let mut tx = ctx.begin_transaction(&root)?;
    let before = fingerprint(&git)?;
    // Staged changes only feed the "left alone" report; skip the comparison with HEAD when the
    // index cannot hold any.
    let staged_before = if crate::repo::status::index_may_have_staged_changes(&git)? {
        crate::repo::status::staged_paths(&git)?
    } else {
        Vec::new()
    };
    // Inputs are hashed before the command runs: it may change or delete them.
    let mut pre_hashes: BTreeMap<String, String> = BTreeMap::new();
    let known_paths = classified
        .iter()
        .filter_map(|a| a.path.clone())
        .chain(
            explicit_inputs
                .iter()
                .filter_map(|i| resolve_explicit(&i.value)),
        )
        .chain(streams.get(&Stream::Stdin).cloned());
    for rel in known_paths {
        if !rel.is_empty() && root.join(&rel).exists() && !pre_hashes.contains_key(&rel) {
            pre_hashes.insert(rel.clone(), git.hash_path(&rel)?.to_string());
        }
    }
    let indirect_dir = indirect_dir(&root)?;
    for f in ["inputs.yml", "outputs.yml", "parameters.yml"] {
        let _ = std::fs::remove_file(indirect_dir.join(f));
    }
    let existing_dirs: BTreeSet<String> = classified
        .iter()
        .filter_map(|a| resolve_in_project(&a.value, &cwd, &root))
        .filter(|(_, d)| *d)
        .map(|(p, _)| p)
        .collect();

    // Execute.
    let started = crate::util::now_precise();
    let argv: Vec<String> = opts.command.clone();
    let status = Command::new(&argv[0]).args(&argv[1..]).current_dir(&cwd).status().map_err(|e| {
        match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => Error::Usage(format!(
                "Cannot execute command '{}': This is likely because the executable doesn't exist or has the wrong permissions set.",
                base.join(" ")
            )),
            _ => Error::Command(format!("Cannot execute command '{}': {e}", argv[0])),
        }
    })?;
    let ended = crate::util::now_precise();
    let success_codes: Vec<i32> = if opts.success_codes.is_empty() {
        vec![0]
    } else {
        opts.success_codes
            .iter()
            .map(|c| c.rem_euclid(256))
            .collect()
    };
    match status.code() {
        Some(code) if success_codes.contains(&code) => {}
        Some(code) if opts.success_codes.is_empty() => {
            return Err(Error::Command(format!(
                "Command returned non-zero exit status {code}."
            )));
        }
        Some(code) => {
            let expected: Vec<String> = success_codes.iter().map(i32::to_string).collect();
            return Err(Error::Command(format!(
                "Command returned {code} exit status, but it expects {}",
                expected.join(", ")
            )));
        }
        None => {
            crate::interrupt::check()?;
            return Err(Error::Command("Command was terminated by a signal.".into()));
        }
    }
    crate::interrupt::check()?;

    // What did it change?
    let after = fingerprint(&git)?;
    let changed: Vec<String> = before
        .changed_paths(&after)
        .into_iter()
        .filter(|p| matches!(after.dirty.get(p), Some(FileState::Present(_))))
        .filter(|p| !p.starts_with(".renku/") && p != ".gitignore" && p != ".gitattributes")
        .collect();
    let stream_targets: BTreeSet<&String> = streams.values().collect();

    // Indirect inputs/outputs/parameters written by the program.
    let indirect_inputs = read_indirect(&indirect_dir.join("inputs.yml"))?;
    let indirect_outputs = read_indirect(&indirect_dir.join("outputs.yml"))?;
    let indirect_params = read_indirect(&indirect_dir.join("parameters.yml"))?;
    for f in ["inputs.yml", "outputs.yml", "parameters.yml"] {
        let _ = std::fs::remove_file(indirect_dir.join(f));
    }

    let plan_id = Plan::new_id();
    let mut params: Vec<CommandParameter> = Vec::new();
    let mut used_names: BTreeSet<String> = BTreeSet::new();
    let mut make = |kind: ParameterKind,
                    name: Option<String>,
                    value: serde_json::Value,
                    position: Option<u32>,
                    prefix: Option<String>,
                    mapped_to: Option<Stream>,
                    is_dir: bool|
     -> Result<CommandParameter> {
        let by_user = name.is_some();
        let name = name.unwrap_or_else(|| parameter_name(kind, prefix.as_deref(), position));
        if !used_names.insert(name.clone()) {
            return Err(Error::Parameter(format!(
                "Duplicate input, output or parameter names found: {name}"
            )));
        }
        let suffix = match (mapped_to, position) {
            (Some(s), _) => s.as_str().to_string(),
            (None, Some(p)) => p.to_string(),
            (None, None) => crate::util::quote_path(&name),
        };
        Ok(CommandParameter {
            id: format!("{plan_id}/{}/{suffix}", kind.id_segment()),
            kind,
            name,
            description: None,
            default_value: value,
            position,
            prefix,
            mapped_to,
            encoding_format: (kind != ParameterKind::Parameter).then(|| {
                if is_dir {
                    "inode/directory".to_string()
                } else {
                    "application/octet-stream".to_string()
                }
            }),
            create_folder: false,
            name_set_by_user: by_user,
        })
    };

    // Output candidates: changed files, folded into directories the command was told about.
    let mut candidates: BTreeSet<String> = BTreeSet::new();
    if !opts.no_output_detection {
        for path in &changed {
            if streams.values().any(|s| s == path) {
                continue;
            }
            let folded = classified.iter().find_map(|a| {
                let (rel, _) = resolve_in_project(&a.value, &cwd, &root)?;
                let abs = root.join(&rel);
                (abs.is_dir() && path.starts_with(&format!("{rel}/"))).then_some(rel)
            });
            candidates.insert(folded.unwrap_or_else(|| path.clone()));
        }
    }
    let mut explicit_out_paths: BTreeMap<String, Option<String>> = BTreeMap::new();
    for o in explicit_outputs
        .iter()
        .map(|o| (o.name.clone(), o.value.clone()))
        .chain(
            indirect_outputs
                .iter()
                .map(|(n, v)| (Some(n.clone()), value_text(v))),
        )
    {
        let rel = resolve_explicit(&o.1)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                Error::Parameter(format!(
                    "Path \"{}\" does not exist inside the current project.",
                    o.1
                ))
            })?;
        if !root.join(&rel).exists() {
            return Err(Error::Parameter(format!(
                "Path \"{}\" does not exist inside the current project.",
                o.1
            )));
        }
        explicit_out_paths.insert(rel.clone(), o.0);
        candidates.insert(rel);
    }
    // Folded directories must not hold files from before the command (unless explicit).
    for c in &candidates {
        if root.join(c).is_dir() && !explicit_out_paths.contains_key(c) && existing_dirs.contains(c)
        {
            let old: Vec<String> = git
                .head_id()?
                .map(|h| git.files_under(h, c))
                .transpose()?
                .unwrap_or_default()
                .into_keys()
                .filter(|p| !p.ends_with("/.gitkeep"))
                .collect();
            if !old.is_empty() {
                return Err(Error::Failed(format!(
                    "The output directory '{c}' is not empty. \n\nDelete existing files before running the command:\n\t{}\nOr use an explicit --output for the directory.",
                    old.join("\n\t")
                )));
            }
        }
    }

    // Arguments: inputs (unless turned into outputs) and parameters.
    let mut input_paths: Vec<String> = Vec::new();
    let mut output_paths: Vec<String> = Vec::new();
    for Argument {
        position,
        prefix,
        value,
        path,
        is_dir,
    } in &classified
    {
        let position = Some(*position);
        match path {
            Some(rel) if candidates.contains(rel) => {
                let name = explicit_out_paths.get(rel).cloned().flatten();
                params.push(make(
                    ParameterKind::Output,
                    name,
                    serde_json::json!(rel),
                    position,
                    prefix.clone(),
                    None,
                    *is_dir,
                )?);
                candidates.remove(rel);
                output_paths.push(rel.clone());
            }
            Some(rel) => {
                if opts.no_input_detection
                    && !explicit_inputs
                        .iter()
                        .any(|i| resolve_explicit(&i.value).as_deref() == Some(rel))
                {
                    continue;
                }
                let name = explicit_inputs
                    .iter()
                    .find(|i| resolve_explicit(&i.value).as_deref() == Some(rel))
                    .and_then(|i| i.name.clone());
                params.push(make(
                    ParameterKind::Input,
                    name,
                    serde_json::json!(rel),
                    position,
                    prefix.clone(),
                    None,
                    *is_dir,
                )?);
                input_paths.push(rel.clone());
            }
            None => {
                // A file or directory the command created, named by this argument.
                if let Some((rel, is_dir)) = resolve_in_project(value, &cwd, &root)
                    && candidates.contains(&rel)
                {
                    let name = explicit_out_paths.get(&rel).cloned().flatten();
                    params.push(make(
                        ParameterKind::Output,
                        name,
                        serde_json::json!(rel),
                        position,
                        prefix.clone(),
                        None,
                        is_dir,
                    )?);
                    candidates.remove(&rel);
                    output_paths.push(rel);
                    continue;
                }
                let explicit = explicit_params.iter().find(|p| p.value == *value);
                if opts.no_parameter_detection && explicit.is_none() {
                    continue;
                }
                let name = explicit.and_then(|p| p.name.clone());
                params.push(make(
                    ParameterKind::Parameter,
                    name,
                    serde_json::json!(value),
                    position,
                    prefix.clone(),
                    None,
                    false,
                )?);
            }
        }
    }
    // Explicit and indirect inputs that are not on the command line.
    for (name, value) in explicit_inputs
        .iter()
        .map(|i| (i.name.clone(), i.value.clone()))
        .chain(
            indirect_inputs
                .iter()
                .map(|(n, v)| (Some(n.clone()), value_text(v))),
        )
    {
        let abs = if Path::new(&value).is_absolute() {
            PathBuf::from(&value)
        } else {
            cwd.join(&value)
        };
        let Some(rel) = rel_of(&abs).filter(|r| !r.is_empty()) else {
            return Err(Error::Usage(format!(
                "The input file or directory is not in the repository.\n\n\t{value}"
            )));
        };
        if !abs.exists() {
            return Err(Error::Usage(format!(
                "The input file or directory does not exist.\n\n\t{value}"
            )));
        }
        if input_paths.contains(&rel) || output_paths.contains(&rel) {
            continue;
        }
        let is_dir = abs.is_dir();
        params.push(make(
            ParameterKind::Input,
            name,
            serde_json::json!(rel),
            None,
            None,
            None,
            is_dir,
        )?);
        input_paths.push(rel);
    }
    // Stream mappings, positioned after the arguments.
    let mut next_position = classified.iter().map(|a| a.position).max().unwrap_or(0) + 1;
    if let Some(rel) = streams.get(&Stream::Stdin)
        && (!opts.no_input_detection
            || explicit_inputs
                .iter()
                .any(|i| resolve_explicit(&i.value).as_deref() == Some(rel)))
    {
        let name = explicit_inputs
            .iter()
            .find(|i| resolve_explicit(&i.value).as_deref() == Some(rel))
            .and_then(|i| i.name.clone());
        params.push(make(
            ParameterKind::Input,
            name,
            serde_json::json!(rel),
            Some(next_position),
            None,
            Some(Stream::Stdin),
            false,
        )?);
        next_position += 1;
        input_paths.push(rel.clone());
    }
    for s in [Stream::Stdout, Stream::Stderr] {
        if let Some(rel) = streams.get(&s) {
            // The shell created or truncated the file before renku started, so it counts as
            // written by the command when it differs from the index now.
            let written = changed.contains(rel)
                || matches!(after.dirty.get(rel), Some(FileState::Present(_)));
            if !written && !explicit_out_paths.contains_key(rel) {
                if opts.no_output_detection {
                    continue;
                }
                return Err(Error::Failed(format!(
                    "There are no detected new outputs or changes.\n\nIf any files are modified or created by the command, they are not in the work tree or are ignored:\n\t{rel}"
                )));
            }
            candidates.remove(rel);
            params.push(make(
                ParameterKind::Output,
                explicit_out_paths.get(rel).cloned().flatten(),
                serde_json::json!(rel),
                Some(next_position),
                None,
                Some(s),
                false,
            )?);
            next_position += 1;
            output_paths.push(rel.clone());
        }
    }
    // Remaining outputs: not on the command line.
    for rel in std::mem::take(&mut candidates) {
        let name = explicit_out_paths.get(&rel).cloned().flatten();
        let is_dir = root.join(&rel).is_dir();
        params.push(make(
            ParameterKind::Output,
            name,
            serde_json::json!(rel),
            None,
            None,
            None,
            is_dir,
        )?);
        output_paths.push(rel);
    }
    // Explicit and indirect parameters not on the command line.
    for (name, value) in explicit_params
        .iter()
        .filter(|p| !classified.iter().any(|a| a.value == p.value))
        .map(|p| (p.name.clone(), serde_json::json!(p.value)))
        .chain(
            indirect_params
                .iter()
                .map(|(n, v)| (Some(n.clone()), v.clone())),
        )
    {
        params.push(make(
            ParameterKind::Parameter,
            name,
            value,
            None,
            None,
            None,
            false,
        )?);
    }
    if output_paths.is_empty() && !opts.no_output {
        return Err(Error::Failed(
            "There are not any detected outputs in the repository. Use the --no-output flag if the command has no outputs.".into(),
        ));
    }
    if let Some(cycle) = query::find_cycle(&index, &input_paths, &output_paths) {
        return Err(Error::Failed(format!(
            "Cycles detected in execution graph: ({})\nCircular workflows are not supported in renku. Please remove the cyclic dependency.",
            cycle.join(" <- ")
        )));
    }
    // `createFolder` as renku-python records it: whether the output's directory (the output
    // itself when it is a directory, else its parent; the project root always) existed before
    // the command ran.
    for p in params
        .iter_mut()
        .filter(|p| p.kind == ParameterKind::Output)
    {
        let value = p.value_text();
        let directory = if root.join(&value).is_dir() {
            Some(value.trim_end_matches('/').to_string())
        } else {
            Path::new(&value)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(|d| d.to_string_lossy().replace('\\', "/"))
        };
        p.create_folder = match directory {
            None => true,
            Some(dir) => {
                git.head_id()?
                    .map(|h| git.files_under(h, &dir))
                    .transpose()?
                    .is_some_and(|f| !f.is_empty())
                    || before
                        .dirty
                        .keys()
                        .any(|d| d.starts_with(&format!("{dir}/")))
            }
        };
    }

    let plan = Plan {
        id: plan_id.clone(),
        name: opts.name.clone().unwrap_or_default(),
        description: opts.description.clone(),
        command: base.join(" "),
        parameters: params,
        success_codes: opts
            .success_codes
            .iter()
            .map(|c| c.rem_euclid(256))
            .collect(),
        keywords: opts.keywords.clone(),
        creators: creators.clone(),
        // The plan exists from the moment its command started: the knowledge graph requires
        // an activity to start no earlier than its plan was created.
        date_created: chrono::SubsecRound::trunc_subsecs(started, 0),
        date_modified: chrono::SubsecRound::trunc_subsecs(started, 0),
        date_removed: None,
        derived_from: None,
        annotations: Vec::new(),
        steps: Vec::new(),
        mappings: Vec::new(),
        links: Vec::new(),
        path: None,
    };

    let mut plan = plan;
    if plan.name.is_empty() {
        plan.name = generate_plan_name(&plan.to_argv());
    }

    // Large outputs go to Git LFS; their recorded checksums are then those of the pointers
    // git commits for them.
    let lfs_tracked = lfs.track(&mut tx, git.repo(), &output_paths)?;

    // The activity: what was used and generated, at which content.
    let entity = |rel: &str, before_run: bool| -> Result<Entity> {
        let checksum = match pre_hashes.get(rel) {
            Some(h) if before_run => h.clone(),
            _ => git.hash_path(rel)?.to_string(),
        };
        Ok(Entity::new(rel, &checksum, root.join(rel).is_dir()))
    };
    // One entity per distinct path; inputs at their content before the command ran.
    let mut used: Vec<Entity> = Vec::new();
    for p in plan.of_kind(ParameterKind::Input) {
        let rel = p.value_text();
        if !used.iter().any(|e| e.path == rel) {
            used.push(entity(&rel, true)?);
        }
    }
    let mut generated: Vec<Entity> = Vec::new();
    for p in plan.of_kind(ParameterKind::Output) {
        let rel = p.value_text();
        if !generated.iter().any(|e| e.path == rel) {
            generated.push(entity(&rel, false)?);
        }
    }
    let (user_name, user_email) = git.identity()?;
    let person = Person::new(user_name, Some(user_email), None);
    let activity = Activity::of_plan(
        Activity::new_id(),
        &plan,
        (started, ended),
        person,
        used,
        generated,
    );

    // Commit: the changed files inside the outputs, inputs whose content git does not have yet
    // (so that the recorded checksums exist in history), and the metadata.
    let mut committed_inputs = Vec::new();
    for (path, state) in &before.dirty {
        let FileState::Present(_) = state else {
            continue;
        };
        if input_paths
            .iter()
            .any(|i| path == i || path.starts_with(&format!("{i}/")))
            && !output_paths
                .iter()
                .any(|o| path == o || path.starts_with(&format!("{o}/")))
            && root.join(path).is_file()
        {
            tx.stage_path(path)?;
            committed_inputs.push(path.clone());
        }
    }
    for path in &changed {
        if output_paths
            .iter()
            .any(|o| path == o || path.starts_with(&format!("{o}/")))
        {
            tx.stage_path(path)?;
        }
    }
    for o in &output_paths {
        if root.join(o).is_file() && !changed.contains(o) {
            tx.stage_path(o)?;
        }
    }
    let left_alone: Vec<String> = before
        .dirty
        .keys()
        .chain(staged_before.iter())
        .filter(|p| {
            !changed.contains(p)
                && !committed_inputs.contains(p)
                && !stream_targets.contains(p)
                && !output_paths
                    .iter()
                    .any(|o| *p == o || p.starts_with(&format!("{o}/")))
        })
        .cloned()
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    let plan_record = Record::new(Kind::Plan, plan.id.clone(), tx.id(), plan.clone());
    store.put(&mut tx, &plan_record)?;
    let activity_record = Record::new(
        Kind::Activity,
        activity.id.clone(),
        tx.id(),
        activity.clone(),
    );
    store.put(&mut tx, &activity_record)?;
    tx.commit(&ctx.argv)?;
    Ok(RunReport {
        plan,
        activity,
        left_alone,
        committed_inputs,
        lfs: lfs_tracked,
    })
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `.renku/tmp[/$RENKU_INDIRECT_PATH]`, which must stay inside `.renku/tmp`.
fn indirect_dir(root: &Path) -> Result<PathBuf> {
    let base = root.join(TMP_DIR);
    let Ok(sub) = std::env::var("RENKU_INDIRECT_PATH") else {
        return Ok(base);
    };
    let dir = normalize(&base.join(&sub));
    if !dir.starts_with(&base) {
        return Err(Error::Usage(format!(
            "Invalid value for RENKU_INDIRECT_PATH env var: {sub}."
        )));
    }
    Ok(dir)
}

fn read_indirect(path: &Path) -> Result<Vec<(String, serde_json::Value)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(_) => return Ok(Vec::new()),
    };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: serde_json::Value = serde_saphyr::from_str(&text).map_err(|_| {
        Error::Failed(
            "Explicit Inputs/Outputs/Parameters files list must be a YAML dictionary.".into(),
        )
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(Error::Failed(
            "Explicit Inputs/Outputs/Parameters files list must be a YAML dictionary.".into(),
        ));
    };
    Ok(map.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_names() {
        assert!(validate_plan_name("my-plan_1").is_ok());
        assert!(validate_plan_name("s").is_err());
        let e = validate_plan_name("invalid name").unwrap_err().to_string();
        assert!(
            e.contains("Invalid name: 'invalid name' (Hint: 'invalid_name' is valid)."),
            "{e}"
        );
        let generated = generate_plan_name(&["echo".into(), "-n".into(), "some value".into()]);
        assert!(generated.starts_with("echo--n-some_value-"), "{generated}");
        assert_eq!(generated.len(), "echo--n-some_value-".len() + 5);
    }

    #[test]
    fn parameter_names_follow_prefix_or_kind() {
        assert_eq!(
            parameter_name(ParameterKind::Input, Some("-l "), Some(1)),
            "l-1"
        );
        assert_eq!(
            parameter_name(ParameterKind::Parameter, Some("--lines="), Some(2)),
            "lines-2"
        );
        assert_eq!(
            parameter_name(ParameterKind::Input, None, Some(3)),
            "input-3"
        );
        assert!(parameter_name(ParameterKind::Output, None, None).starts_with("output-"));
    }
}
