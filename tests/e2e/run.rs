//! `renku run`, `renku log` and `renku workflow ls|show`.
//!
//! Shell redirections (`< in`, `> out`, `2> err`) are reproduced the way a shell does it: the
//! target file is opened (created/truncated) before renku starts and handed to it as its
//! standard stream.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Initialises project `p`, writes `files` (path, content) and commits them as `setup`.
fn project(env: &TestEnv, files: &[(&str, &str)]) -> PathBuf {
    let root = env.init_project("p");
    for (path, content) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    env.git(&root, &["add", "-A"]);
    env.git(&root, &["commit", "-qm", "setup", "--allow-empty"]);
    assert_eq!(env.status(&root), "");
    root
}

/// Runs `renku ARGS` in `cwd` with standard streams redirected like a shell would: `stdin`
/// opened for reading, `stdout`/`stderr` created (truncated) before renku starts. Paths are
/// relative to `cwd`.
fn run_io(
    env: &TestEnv,
    cwd: &Path,
    args: &[&str],
    stdin: Option<&str>,
    stdout: Option<&str>,
    stderr: Option<&str>,
) -> Output {
    let mut cmd = env.renku_in(cwd);
    cmd.args(args);
    if let Some(p) = stdin {
        cmd.stdin(File::open(cwd.join(p)).unwrap());
    }
    if let Some(p) = stdout {
        cmd.stdout(File::create(cwd.join(p)).unwrap());
    }
    if let Some(p) = stderr {
        cmd.stderr(File::create(cwd.join(p)).unwrap());
    }
    cmd.output().unwrap()
}

/// `renku ARGS > stdout` in `cwd`.
fn run_to(env: &TestEnv, cwd: &Path, args: &[&str], stdout: &str) -> Output {
    run_io(env, cwd, args, None, Some(stdout), None)
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// `renku workflow show NAME_OR_ID` (must succeed).
fn show(env: &TestEnv, root: &Path, name_or_id: &str) -> String {
    let out = env.run_in(root, &["workflow", "show", name_or_id]);
    assert_success(&out);
    stdout(&out)
}

/// `renku workflow ls --format json`.
fn plans_json(env: &TestEnv, root: &Path) -> Vec<serde_json::Value> {
    let out = env.run_in(root, &["workflow", "ls", "--format", "json"]);
    assert_success(&out);
    serde_json::from_str::<serde_json::Value>(&stdout(&out))
        .unwrap_or_else(|e| panic!("workflow ls json: {e}\n{}", stdout(&out)))
        .as_array()
        .unwrap()
        .clone()
}

/// The plan named `name` from `workflow ls --format json`.
fn plan_json(env: &TestEnv, root: &Path, name: &str) -> serde_json::Value {
    let plans = plans_json(env, root);
    plans
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no plan {name} in {plans:#?}"))
        .clone()
}

/// `renku log --format json`.
fn log_json(env: &TestEnv, root: &Path) -> Vec<serde_json::Value> {
    let out = env.run_in(root, &["log", "--format", "json"]);
    assert_success(&out);
    serde_json::from_str::<serde_json::Value>(&stdout(&out))
        .unwrap_or_else(|e| panic!("log json: {e}\n{}", stdout(&out)))
        .as_array()
        .unwrap()
        .clone()
}

/// The full message of HEAD.
fn head_message(env: &TestEnv, root: &Path) -> String {
    env.git(root, &["log", "-1", "--format=%B"])
}

/// Asserts that HEAD is a renku commit with subject `subject` and a transaction trailer.
#[track_caller]
fn assert_run_commit(env: &TestEnv, root: &Path, subject: &str) {
    let message = head_message(env, root);
    let lines: Vec<&str> = message.trim_end().lines().collect();
    assert_eq!(lines.len(), 3, "unexpected commit message:\n{message}");
    assert_eq!(lines[0], subject, "commit message:\n{message}");
    assert_eq!(lines[1], "", "commit message:\n{message}");
    let trailer = lines[2]
        .strip_prefix("renku-transaction: ")
        .unwrap_or_else(|| panic!("no trailer in:\n{message}"));
    assert!(
        trailer.len() == 32 && trailer.chars().all(|c| c.is_ascii_hexdigit()),
        "bad trailer in:\n{message}"
    );
}

/// Files of commit `rev` outside `.renku/`.
fn user_files(env: &TestEnv, root: &Path, rev: &str) -> Vec<String> {
    env.changed_files(root, rev)
        .into_iter()
        .filter(|f| !f.starts_with(".renku/"))
        .collect()
}

/// Asserts that commit `rev` holds exactly one new plan and one new activity record besides
/// `files` (sorted).
#[track_caller]
fn assert_commit_files(env: &TestEnv, root: &Path, rev: &str, files: &[&str]) {
    let all = env.changed_files(root, rev);
    let meta: Vec<&String> = all.iter().filter(|f| f.starts_with(".renku/")).collect();
    assert_eq!(meta.len(), 2, "metadata files of {rev}: {all:?}");
    assert!(
        meta.iter().any(|f| f.starts_with(".renku/store/plan/"))
            && meta.iter().any(|f| f.starts_with(".renku/store/activity/")),
        "metadata files of {rev}: {all:?}"
    );
    let mut expected: Vec<String> = files.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(user_files(env, root, rev), expected, "files of {rev}");
}

/// Asserts that a failed `renku run` committed nothing and wrote no activity.
#[track_caller]
fn assert_nothing_recorded(env: &TestEnv, root: &Path, commits_before: usize, activities: usize) {
    assert_eq!(env.commit_count(root), commits_before, "a commit was made");
    assert_eq!(
        record_files(root, "activity").len(),
        activities,
        "an activity was written"
    );
}

/// One input, output or parameter of the `workflow show` view.
#[derive(Debug, Clone)]
struct Shown {
    section: String,
    name: String,
    value: String,
    position: Option<u32>,
    prefix: Option<String>,
}

/// Parses the `Inputs:`/`Outputs:`/`Parameters:` sections of `workflow show`.
fn shown_params(text: &str) -> Vec<Shown> {
    let mut out: Vec<Shown> = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        if let Some(s) = line.strip_suffix(':')
            && ["Inputs", "Outputs", "Parameters"].contains(&s)
        {
            section = s.to_string();
        } else if !line.starts_with('\t') {
            section.clear();
        } else if section.is_empty() {
            continue;
        } else if let Some(name) = line.strip_prefix("\t- ").and_then(|l| l.strip_suffix(':')) {
            out.push(Shown {
                section: section.clone(),
                name: name.to_string(),
                value: String::new(),
                position: None,
                prefix: None,
            });
        } else if let Some(last) = out.last_mut() {
            if let Some(v) = line.strip_prefix("\t\tDefault Value: ") {
                last.value = v.to_string();
            } else if let Some(v) = line.strip_prefix("\t\tPosition: ") {
                last.position = Some(v.trim().parse().unwrap());
            } else if let Some(v) = line.strip_prefix("\t\tPrefix: ") {
                last.prefix = Some(v.to_string());
            }
        }
    }
    out
}

/// The shown entry of `section` whose value is `value`.
#[track_caller]
fn shown<'a>(params: &'a [Shown], section: &str, value: &str) -> &'a Shown {
    params
        .iter()
        .find(|p| p.section == section && p.value == value)
        .unwrap_or_else(|| panic!("no {section} entry with value {value:?} in {params:#?}"))
}

/// Asserts a positioned entry: name, position and prefix.
#[track_caller]
fn assert_positioned(
    params: &[Shown],
    section: &str,
    name: &str,
    value: &str,
    position: u32,
    prefix: Option<&str>,
) {
    let p = shown(params, section, value);
    assert_eq!(p.name, name, "{p:?}");
    assert_eq!(p.position, Some(position), "{p:?}");
    assert_eq!(p.prefix.as_deref(), prefix, "{p:?}");
}

/// Asserts an entry without position and without prefix, named `<kind>-<4 hex>` unless
/// `name` is given.
#[track_caller]
fn assert_unpositioned(params: &[Shown], section: &str, value: &str, name: Option<&str>) {
    let p = shown(params, section, value);
    assert_eq!(p.position, None, "{p:?}");
    assert_eq!(p.prefix, None, "{p:?}");
    match name {
        Some(n) => assert_eq!(p.name, n, "{p:?}"),
        None => {
            let kind = match section {
                "Inputs" => "input-",
                "Outputs" => "output-",
                _ => "parameter-",
            };
            let suffix = p
                .name
                .strip_prefix(kind)
                .unwrap_or_else(|| panic!("{p:?} is not named {kind}…"));
            assert!(
                suffix.len() == 4 && suffix.chars().all(|c| c.is_ascii_hexdigit()),
                "{p:?}"
            );
        }
    }
}

fn section_values(params: &[Shown], section: &str) -> BTreeSet<String> {
    params
        .iter()
        .filter(|p| p.section == section)
        .map(|p| p.value.clone())
        .collect()
}

/// The `Command: ` line of a `workflow show` view.
fn command_line(text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("Command: "))
        .unwrap_or_else(|| panic!("no Command line in:\n{text}"))
        .to_string()
}

/// The paths listed under the `Info: These changes existed before …` message.
fn left_alone(stderr_text: &str) -> Vec<String> {
    let header = "Info: These changes existed before the command and were not recorded:";
    let Some(pos) = stderr_text.find(header) else {
        return Vec::new();
    };
    stderr_text[pos + header.len()..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with('\t'))
        .map(|l| l.trim().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Argument classification (spec §4.4, §4.5)
// ---------------------------------------------------------------------------------------------

#[test]
fn wc_with_stdout_redirect_records_input_and_stream_output() {
    let env = TestEnv::new();
    let root = project(&env, &[("data/in.txt", "a\nb\nc\n")]);
    let before = env.commit_count(&root);

    let out = run_to(&env, &root, &["run", "wc", "-l", "data/in.txt"], "out");
    assert_success(&out);
    assert_eq!(read(&root, "out"), "3 data/in.txt\n");
    assert_eq!(env.commit_count(&root), before + 1);
    // Redirections are not part of argv.
    assert_run_commit(&env, &root, "renku run wc -l data/in.txt");
    assert_commit_files(&env, &root, "HEAD", &["out"]);
    assert_eq!(env.status(&root), "", "work tree must be clean");
    assert_eq!(record_files(&root, "plan").len(), 1);
    assert_eq!(record_files(&root, "activity").len(), 1);

    let plans = plans_json(&env, &root);
    assert_eq!(plans.len(), 1, "{plans:#?}");
    let name = plans[0]["name"].as_str().unwrap().to_string();
    assert_eq!(plans[0]["command"], "wc -l data/in.txt > out");
    // Generated name: `wc--l-data_in_txt` cut to 19 characters, `-`, 5 hex.
    let (stem, hex) = name.rsplit_once('-').unwrap();
    assert_eq!(stem, "wc--l-data_in_txt");
    assert!(
        hex.len() == 5 && hex.chars().all(|c| c.is_ascii_hexdigit()),
        "{name}"
    );

    let text = show(&env, &root, &name);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!("Id: {}", plans[0]["id"].as_str().unwrap())
    );
    assert_eq!(lines[1], format!("Name: {name}"));
    assert_eq!(lines[2], "Creators: Jane Doe <jane.doe@example.org>");
    assert_eq!(command_line(&text), "wc -l data/in.txt > out");
    assert!(text.contains("\nSuccess Codes: \n"), "{text}");
    let params = shown_params(&text);
    assert_positioned(&params, "Inputs", "l-1", "data/in.txt", 1, Some("-l "));
    assert_eq!(
        section_values(&params, "Outputs"),
        BTreeSet::from(["out".to_string()])
    );
    assert!(section_values(&params, "Parameters").is_empty(), "{text}");

    let log = log_json(&env, &root);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["type"], "Run");
    assert_eq!(log[0]["plan"]["name"], name.as_str());
}

#[test]
fn head_n_is_a_parameter_and_the_file_an_input() {
    let env = TestEnv::new();
    let root = project(&env, &[("f", "1\n2\n3\n")]);
    let out = run_to(
        &env,
        &root,
        &["run", "--name", "head10", "head", "-n", "10", "f"],
        "out",
    );
    assert_success(&out);
    assert_run_commit(&env, &root, "renku run --name head10 head -n 10 f");
    assert_commit_files(&env, &root, "HEAD", &["out"]);
    let text = show(&env, &root, "head10");
    assert_eq!(command_line(&text), "head -n 10 f > out");
    let params = shown_params(&text);
    assert_positioned(&params, "Parameters", "n-1", "10", 1, Some("-n "));
    assert_positioned(&params, "Inputs", "input-2", "f", 2, None);
    assert_eq!(section_values(&params, "Outputs").len(), 1);
}

#[test]
fn python_c_writing_a_file() {
    let env = TestEnv::new();
    let root = project(&env, &[]);
    let code = r#"open("o.txt","w").write("x")"#;
    let out = env.run_in(&root, &["run", "--name", "py", "python3", "-c", code]);
    assert_success(&out);
    assert_eq!(read(&root, "o.txt"), "x");
    assert_run_commit(
        &env,
        &root,
        &format!("renku run --name py python3 -c {code}"),
    );
    assert_commit_files(&env, &root, "HEAD", &["o.txt"]);
    let params = shown_params(&show(&env, &root, "py"));
    assert_positioned(&params, "Parameters", "c-1", code, 1, Some("-c "));
    assert_unpositioned(&params, "Outputs", "o.txt", None);
    assert!(section_values(&params, "Inputs").is_empty(), "{params:#?}");
    assert_eq!(
        plan_json(&env, &root, "py")["command"]
            .as_str()
            .unwrap()
            .split(' ')
            .next(),
        Some("python3")
    );
}

#[test]
fn git_log_keeps_the_subcommand_in_the_base_command() {
    let env = TestEnv::new();
    let root = project(&env, &[("a.txt", "hello\n")]);
    let out = run_to(
        &env,
        &root,
        &[
            "run",
            "--name",
            "gl",
            "git",
            "log",
            "--oneline",
            "-n",
            "1",
            "a.txt",
        ],
        "out",
    );
    assert_success(&out);
    assert!(
        read(&root, "out").contains("setup"),
        "{}",
        read(&root, "out")
    );
    let text = show(&env, &root, "gl");
    assert_eq!(command_line(&text), "git log --oneline -n 1 a.txt > out");
    let params = shown_params(&text);
    assert_positioned(&params, "Parameters", "parameter-1", "--oneline", 1, None);
    assert_positioned(&params, "Parameters", "n-2", "1", 2, Some("-n "));
    assert_positioned(&params, "Inputs", "input-3", "a.txt", 3, None);
    // `log` is part of the command, not a parameter.
    assert!(params.iter().all(|p| p.value != "log"), "{params:#?}");
}

#[test]
fn option_prefixes_and_positions() {
    let env = TestEnv::new();
    let root = project(&env, &[("a.txt", "hello\n")]);
    // `--opt=value`: glued prefix.
    let code = "import sys; open('res.txt','w').write(open(sys.argv[1].split('=')[1]).read())";
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "glued",
            "python3",
            "-c",
            code,
            "--src=a.txt",
        ],
    );
    assert_success(&out);
    assert_eq!(read(&root, "res.txt"), "hello\n");
    let text = show(&env, &root, "glued");
    let params = shown_params(&text);
    assert_positioned(&params, "Parameters", "c-1", code, 1, Some("-c "));
    assert_positioned(&params, "Inputs", "src-2", "a.txt", 2, Some("--src="));
    assert_unpositioned(&params, "Outputs", "res.txt", None);
    assert!(command_line(&text).ends_with(" --src=a.txt"), "{text}");

    // `--opt value`, a plain word, `-xVALUE`, and an output named by an argument.
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "spaced",
            "sh",
            "-c",
            r#"head -n1 "$2" > "$4""#,
            "x",
            "--in",
            "a.txt",
            "--out",
            "copy.txt",
            "-kVALUE",
        ],
    );
    assert_success(&out);
    assert_eq!(read(&root, "copy.txt"), "hello\n");
    assert_commit_files(&env, &root, "HEAD", &["copy.txt"]);
    let text = show(&env, &root, "spaced");
    let params = shown_params(&text);
    assert_positioned(
        &params,
        "Parameters",
        "c-1",
        r#"head -n1 "$2" > "$4""#,
        1,
        Some("-c "),
    );
    assert_positioned(&params, "Parameters", "parameter-2", "x", 2, None);
    assert_positioned(&params, "Inputs", "in-3", "a.txt", 3, Some("--in "));
    assert_positioned(&params, "Outputs", "out-4", "copy.txt", 4, Some("--out "));
    assert_positioned(&params, "Parameters", "k-5", "VALUE", 5, Some("-k"));
    assert!(
        command_line(&text).ends_with(" x --in a.txt --out copy.txt -kVALUE"),
        "{text}"
    );
}

#[test]
fn script_in_the_project_has_an_empty_base_command() {
    let env = TestEnv::new();
    let root = project(
        &env,
        &[("a", "hello\n"), ("s.sh", "#!/bin/sh\ncp \"$1\" \"$2\"\n")],
    );
    std::fs::set_permissions(
        root.join("s.sh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    env.git(&root, &["commit", "-qam", "exec"]);
    assert_eq!(env.status(&root), "");
    let out = env.run_in(&root, &["run", "--name", "scr", "--", "./s.sh", "a", "b"]);
    assert_success(&out);
    assert_run_commit(&env, &root, "renku run --name scr -- ./s.sh a b");
    assert_commit_files(&env, &root, "HEAD", &["b"]);
    let text = show(&env, &root, "scr");
    assert_eq!(command_line(&text), "s.sh a b");
    let params = shown_params(&text);
    assert_positioned(&params, "Inputs", "input-1", "s.sh", 1, None);
    assert_positioned(&params, "Inputs", "input-2", "a", 2, None);
    assert_positioned(&params, "Outputs", "output-3", "b", 3, None);
}

// ---------------------------------------------------------------------------------------------
// Standard streams (spec §4.3)
// ---------------------------------------------------------------------------------------------

#[test]
fn stdin_stdout_and_stderr_files_become_stream_inputs_and_outputs() {
    let env = TestEnv::new();
    let root = project(&env, &[("in", "b\na\n")]);
    let before = env.commit_count(&root);
    let out = run_io(
        &env,
        &root,
        &["run", "--name", "srt", "sh", "-c", "sort; echo oops >&2"],
        Some("in"),
        Some("out"),
        Some("err"),
    );
    assert_success(&out);
    assert_eq!(read(&root, "out"), "a\nb\n");
    // renku's own messages do not end up in the recorded stderr file.
    assert_eq!(read(&root, "err"), "oops\n");
    assert_eq!(env.commit_count(&root), before + 1);
    assert_run_commit(
        &env,
        &root,
        "renku run --name srt sh -c sort; echo oops >&2",
    );
    assert_commit_files(&env, &root, "HEAD", &["err", "out"]);
    assert_eq!(env.status(&root), "");

    let text = show(&env, &root, "srt");
    let command = command_line(&text);
    assert!(
        command.starts_with("sh -c 'sort; echo oops >&2'"),
        "{command}"
    );
    assert!(command.contains(" < in"), "{command}");
    assert!(command.contains("> out"), "{command}");
    assert!(command.contains("2> err"), "{command}");
    let params = shown_params(&text);
    assert_eq!(
        section_values(&params, "Inputs"),
        BTreeSet::from(["in".to_string()])
    );
    assert_eq!(
        section_values(&params, "Outputs"),
        BTreeSet::from(["out".to_string(), "err".to_string()])
    );
    assert_positioned(
        &params,
        "Parameters",
        "c-1",
        "sort; echo oops >&2",
        1,
        Some("-c "),
    );
    assert_eq!(plan_json(&env, &root, "srt")["command"], command.as_str());

    // The log describes the command without its redirections, as the reference does.
    let log = log_json(&env, &root);
    assert_eq!(log[0]["description"], "sh -c 'sort; echo oops >&2'");
    let detailed = stdout(&env.run_in(&root, &["log"]));
    assert!(detailed.contains("Inputs:\n\t"), "{detailed}");
    assert!(detailed.contains(": in\n"), "{detailed}");
    assert!(
        detailed.contains(": out\n") && detailed.contains(": err\n"),
        "{detailed}"
    );
}

#[test]
fn stream_parameters_are_positioned_and_named_after_their_position() {
    let env = TestEnv::new();
    let root = project(&env, &[("in", "b\na\n"), ("data/in.txt", "x\n")]);
    let out = run_to(
        &env,
        &root,
        &["run", "--name", "wc", "wc", "-l", "data/in.txt"],
        "out",
    );
    assert_success(&out);
    let params = shown_params(&show(&env, &root, "wc"));
    assert_positioned(&params, "Outputs", "output-2", "out", 2, None);

    let out = run_io(
        &env,
        &root,
        &["run", "--name", "srt", "sh", "-c", "sort; echo oops >&2"],
        Some("in"),
        Some("sorted"),
        Some("err"),
    );
    assert_success(&out);
    let params = shown_params(&show(&env, &root, "srt"));
    assert_positioned(&params, "Inputs", "input-2", "in", 2, None);
    assert_positioned(&params, "Outputs", "output-3", "sorted", 3, None);
    assert_positioned(&params, "Outputs", "output-4", "err", 4, None);
}

#[test]
fn empty_stdout_redirect_target_is_still_an_output() {
    let env = TestEnv::new();
    let root = project(&env, &[]);
    let before = env.commit_count(&root);
    let out = run_to(
        &env,
        &root,
        &["run", "--name", "quiet", "sh", "-c", "echo hi > o2"],
        "log.txt",
    );
    assert_success(&out);
    assert_eq!(env.commit_count(&root), before + 1);
    assert_commit_files(&env, &root, "HEAD", &["log.txt", "o2"]);
    let params = shown_params(&show(&env, &root, "quiet"));
    assert_eq!(
        section_values(&params, "Outputs"),
        BTreeSet::from(["log.txt".to_string(), "o2".to_string()])
    );
    assert_eq!(env.status(&root), "");
}

#[test]
fn explicit_input_or_output_clashing_with_a_stream_is_refused() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n"), ("in", "x\n")]);
    let before = env.commit_count(&root);
    let out = run_to(&env, &root, &["run", "--input", "out", "wc", "a"], "out");
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Explicit input file cannot be used as stdout/stderr",
    );
    let out = run_io(
        &env,
        &root,
        &["run", "--output", "in", "cat"],
        Some("in"),
        None,
        None,
    );
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Explicit output file cannot be used as stdin",
    );
    assert_nothing_recorded(&env, &root, before, 0);
}

// ---------------------------------------------------------------------------------------------
// Output detection (spec §4.7)
// ---------------------------------------------------------------------------------------------

#[test]
fn new_files_and_modified_tracked_files_are_outputs() {
    let env = TestEnv::new();
    let root = project(&env, &[("tracked.txt", "t\n")]);
    let gitignore = format!("{}ignored/\n", read(&root, ".gitignore"));
    std::fs::write(root.join(".gitignore"), gitignore).unwrap();
    env.git(&root, &["commit", "-qam", "ignore"]);
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "two",
            "sh",
            "-c",
            "echo new > new.txt; echo more >> tracked.txt; mkdir ignored; echo junk > ignored/x",
        ],
    );
    assert_success(&out);
    assert_commit_files(&env, &root, "HEAD", &["new.txt", "tracked.txt"]);
    assert_eq!(env.git(&root, &["show", "HEAD:tracked.txt"]), "t\nmore\n");
    let params = shown_params(&show(&env, &root, "two"));
    assert_unpositioned(&params, "Outputs", "new.txt", None);
    assert_unpositioned(&params, "Outputs", "tracked.txt", None);
    // Git-ignored files are never outputs.
    assert_eq!(section_values(&params, "Outputs").len(), 2, "{params:#?}");
    assert_eq!(env.status(&root), "");
}

#[test]
fn in_place_modification_turns_the_input_into_an_output() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let out = env.run_in(
        &root,
        &["run", "--name", "inplace", "sed", "-i", "s/hello/bye/", "a"],
    );
    assert_success(&out);
    assert_commit_files(&env, &root, "HEAD", &["a"]);
    assert_eq!(env.git(&root, &["show", "HEAD:a"]), "bye\n");
    let text = show(&env, &root, "inplace");
    assert_eq!(command_line(&text), "sed -i s/hello/bye/ a");
    let params = shown_params(&text);
    assert_positioned(&params, "Outputs", "output-2", "a", 2, None);
    assert_positioned(&params, "Parameters", "i-1", "s/hello/bye/", 1, Some("-i "));
    assert!(section_values(&params, "Inputs").is_empty(), "{text}");
}

#[test]
fn file_named_by_an_argument_becomes_an_output_at_its_position() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let out = env.run_in(&root, &["run", "--name", "cp", "cp", "a", "b"]);
    assert_success(&out);
    assert_run_commit(&env, &root, "renku run --name cp cp a b");
    assert_commit_files(&env, &root, "HEAD", &["b"]);
    let text = show(&env, &root, "cp");
    assert_eq!(command_line(&text), "cp a b");
    let params = shown_params(&text);
    assert_positioned(&params, "Inputs", "input-1", "a", 1, None);
    assert_positioned(&params, "Outputs", "output-2", "b", 2, None);
    assert_eq!(params.len(), 2, "{params:#?}");
}

#[test]
fn directory_created_by_the_command_is_one_output() {
    let env = TestEnv::new();
    let root = project(&env, &[]);
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "mk",
            "sh",
            "-c",
            r#"mkdir -p "$1" && echo x > "$1/f" && echo y > "$1/g""#,
            "sh",
            "outdir",
        ],
    );
    assert_success(&out);
    // With Git LFS set up (git-lfs installed), a directory output is tracked as a whole.
    let lfs = std::fs::read_to_string(root.join(".git/config"))
        .unwrap()
        .contains("[filter \"lfs\"]");
    let with_attributes = |files: &[&'static str]| -> Vec<&'static str> {
        let mut v = files.to_vec();
        if lfs {
            v.push(".gitattributes");
        }
        v
    };
    assert_commit_files(
        &env,
        &root,
        "HEAD",
        &with_attributes(&["outdir/f", "outdir/g"]),
    );
    let params = shown_params(&show(&env, &root, "mk"));
    assert_positioned(&params, "Outputs", "output-3", "outdir", 3, None);
    assert_positioned(&params, "Parameters", "parameter-2", "sh", 2, None);
    assert_eq!(section_values(&params, "Outputs").len(), 1, "{params:#?}");

    // The same with a python one-liner and an explicit `--output` for the directory.
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "pydir",
            "--output",
            "res=pyout",
            "python3",
            "-c",
            "import os; os.makedirs('pyout'); open('pyout/r.txt','w').write('1')",
        ],
    );
    assert_success(&out);
    assert_commit_files(&env, &root, "HEAD", &with_attributes(&["pyout/r.txt"]));
    let params = shown_params(&show(&env, &root, "pydir"));
    assert_unpositioned(&params, "Outputs", "pyout", Some("res"));
    assert_eq!(env.status(&root), "");
}

#[test]
fn directory_input_and_file_names_with_spaces() {
    let env = TestEnv::new();
    let root = project(
        &env,
        &[("data/one", "1\n"), ("data/two", "2\n"), ("a b", "x\n")],
    );
    let out = run_to(&env, &root, &["run", "--name", "lsd", "ls", "data"], "out");
    assert_success(&out);
    assert_eq!(read(&root, "out"), "one\ntwo\n");
    assert_commit_files(&env, &root, "HEAD", &["out"]);
    let params = shown_params(&show(&env, &root, "lsd"));
    assert_positioned(&params, "Inputs", "input-1", "data", 1, None);

    let out = env.run_in(&root, &["run", "--name", "sp", "cp", "a b", "c d"]);
    assert_success(&out);
    assert_commit_files(&env, &root, "HEAD", &["c d"]);
    let text = show(&env, &root, "sp");
    assert_eq!(command_line(&text), "cp 'a b' 'c d'");
    let params = shown_params(&text);
    assert_positioned(&params, "Inputs", "input-1", "a b", 1, None);
    assert_positioned(&params, "Outputs", "output-2", "c d", 2, None);
}

#[test]
fn directory_input_with_untracked_files() {
    let env = TestEnv::new();
    let root = project(&env, &[("data/one", "1\n")]);
    std::fs::write(root.join("data/new"), "new\n").unwrap();
    let out = run_to(&env, &root, &["run", "--name", "lsd", "ls", "data"], "out");
    assert_success(&out);
    // The command read data/new: it is committed with the run so that the recorded content
    // of the input directory exists in git, and the user is told so.
    assert_commit_files(&env, &root, "HEAD", &["out", "data/new"]);
    assert!(left_alone(&stderr(&out)).is_empty(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "These inputs were not committed yet and were committed with the run:\n\tdata/new"
        ),
        "{}",
        stderr(&out)
    );
    let params = shown_params(&show(&env, &root, "lsd"));
    assert_positioned(&params, "Inputs", "input-1", "data", 1, None);
    assert_eq!(env.status(&root), "");
}

#[test]
fn input_removed_by_the_command() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let before = env.commit_count(&root);
    let out = env.run_in(&root, &["run", "--name", "mv", "mv", "a", "b"]);
    assert_success(&out);
    assert_eq!(env.commit_count(&root), before + 1);
    assert!(user_files(&env, &root, "HEAD").contains(&"b".to_string()));
    let params = shown_params(&show(&env, &root, "mv"));
    assert_positioned(&params, "Inputs", "input-1", "a", 1, None);
    assert_positioned(&params, "Outputs", "output-2", "b", 2, None);
}

#[test]
fn output_directory_with_pre_existing_files_is_refused() {
    let env = TestEnv::new();
    let root = project(&env, &[("dd/old", "old\n")]);
    let before = env.commit_count(&root);
    let out = env.run_in(
        &root,
        &["run", "sh", "-c", r#"echo x > "$1/new""#, "sh", "dd"],
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "The output directory 'dd' is not empty.");
    assert_contains(&stderr(&out), "dd/old");
    assert_nothing_recorded(&env, &root, before, 0);
    // The created file stays in the work tree, untracked.
    assert_eq!(env.status(&root), "?? dd/new\n");
}

// ---------------------------------------------------------------------------------------------
// Explicit inputs, outputs, parameters and detection switches
// ---------------------------------------------------------------------------------------------

#[test]
fn explicit_inputs_outputs_and_params() {
    let env = TestEnv::new();
    let root = project(
        &env,
        &[("a", "hello\n"), ("extra", "x\n"), ("keep.txt", "k\n")],
    );
    let out = env.run_in(
        &root,
        &[
            "run", "--name", "ex", "--input", "src=a", "--input", "extra", "--output", "dst=b",
            "--param", "mode=10", "cp", "a", "b",
        ],
    );
    assert_success(&out);
    assert_commit_files(&env, &root, "HEAD", &["b"]);
    let text = show(&env, &root, "ex");
    assert_eq!(command_line(&text), "cp a b");
    let params = shown_params(&text);
    assert_positioned(&params, "Inputs", "src", "a", 1, None);
    assert_unpositioned(&params, "Inputs", "extra", None);
    assert_positioned(&params, "Outputs", "dst", "b", 2, None);
    assert_unpositioned(&params, "Parameters", "10", Some("mode"));

    // An explicit output may be an unchanged existing file; `--param NAME=VALUE` equal to a
    // detected parameter renames it in place.
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "ex2",
            "--output",
            "keep.txt",
            "--output",
            "made=c",
            "--param",
            "num=7",
            "sh",
            "-c",
            r#"echo "$0" > c"#,
            "7",
        ],
    );
    assert_success(&out);
    assert_eq!(read(&root, "c"), "7\n");
    assert_commit_files(&env, &root, "HEAD", &["c"]);
    let params = shown_params(&show(&env, &root, "ex2"));
    assert_unpositioned(&params, "Outputs", "keep.txt", None);
    assert_unpositioned(&params, "Outputs", "c", Some("made"));
    assert_positioned(&params, "Parameters", "num", "7", 2, None);
    assert_eq!(
        params.iter().filter(|p| p.section == "Parameters").count(),
        2,
        "{params:#?}"
    );
}

#[test]
fn duplicate_explicit_values_or_names_are_usage_errors() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n"), ("b0", "b\n")]);
    let snap = snapshot(&env, &root);
    for (args, message) in [
        (
            vec!["--input", "a", "--input", "a"],
            "Cannot specify the same explicit input value twice.",
        ),
        (
            vec!["--input", "x=a", "--input", "x=b0"],
            "Cannot specify the same explicit input name twice.",
        ),
        (
            vec!["--output", "o=b", "--output", "o=c"],
            "Cannot specify the same explicit output name twice.",
        ),
        (
            vec!["--output", "b", "--output", "b"],
            "Cannot specify the same explicit output value twice.",
        ),
        (
            vec!["--param", "1", "--param", "1"],
            "Cannot specify the same explicit param value twice.",
        ),
        (
            vec!["--param", "p=1", "--param", "p=2"],
            "Cannot specify the same explicit param name twice.",
        ),
    ] {
        let mut full = vec!["run"];
        full.extend(args.iter().copied());
        full.extend(["cp", "a", "b"]);
        let out = env.run_in(&root, &full);
        assert_code(&out, 2);
        assert_contains(&stderr(&out), message);
        // Checked before the command runs.
        assert_unchanged(&env, &root, &snap, &format!("{args:?}"));
    }
}

#[test]
fn explicit_input_outside_the_repository_or_missing_is_refused() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let outside = env.work().join("outside.txt");
    std::fs::write(&outside, "o\n").unwrap();
    let before = env.commit_count(&root);

    let out = env.run_in(
        &root,
        &["run", "--input", outside.to_str().unwrap(), "cp", "a", "b"],
    );
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "The input file or directory is not in the repository.",
    );
    assert_contains(&stderr(&out), outside.to_str().unwrap());
    assert_nothing_recorded(&env, &root, before, 0);

    let out = env.run_in(&root, &["run", "--input", "../outside.txt", "cp", "a", "c"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "The input file or directory is not in the repository.",
    );
    assert_nothing_recorded(&env, &root, before, 0);

    let out = env.run_in(&root, &["run", "--input", "nonexistent", "cp", "a", "d"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "The input file or directory does not exist.");
    assert_nothing_recorded(&env, &root, before, 0);

    let out = env.run_in(&root, &["run", "--output", "nothere", "cp", "a", "e"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Path \"nothere\" does not exist inside the current project.",
    );
    assert_nothing_recorded(&env, &root, before, 0);
}

#[test]
fn no_outputs_needs_no_output_flag() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let before = env.commit_count(&root);
    let out = env.run_in(&root, &["run", "cat", "a"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "There are not any detected outputs in the repository.",
    );
    assert_nothing_recorded(&env, &root, before, 0);
    assert_eq!(env.status(&root), "");

    let out = env.run_in(
        &root,
        &["run", "--name", "noout", "--no-output", "cat", "a"],
    );
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "hello\n",
        "the command's output reaches our stdout"
    );
    assert_eq!(env.commit_count(&root), before + 1);
    assert_run_commit(&env, &root, "renku run --name noout --no-output cat a");
    assert_commit_files(&env, &root, "HEAD", &[]);
    let text = show(&env, &root, "noout");
    assert!(!text.contains("Outputs:"), "{text}");
    assert_positioned(&shown_params(&text), "Inputs", "input-1", "a", 1, None);
}

#[test]
fn no_input_detection_drops_detected_inputs() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "nid",
            "--no-input-detection",
            "cp",
            "a",
            "b",
        ],
    );
    assert_success(&out);
    assert_commit_files(&env, &root, "HEAD", &["b"]);
    let text = show(&env, &root, "nid");
    assert!(!text.contains("Inputs:"), "{text}");
    assert_positioned(&shown_params(&text), "Outputs", "output-2", "b", 2, None);

    // An explicit input survives.
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "nid2",
            "--no-input-detection",
            "--input",
            "a",
            "cp",
            "a",
            "c",
        ],
    );
    assert_success(&out);
    let text = show(&env, &root, "nid2");
    assert_eq!(command_line(&text), "cp a c");
    let params = shown_params(&text);
    assert_positioned(&params, "Inputs", "input-1", "a", 1, None);
    assert_positioned(&params, "Outputs", "output-2", "c", 2, None);
}

#[test]
fn no_output_detection_records_only_explicit_outputs() {
    let env = TestEnv::new();
    let root = project(&env, &[]);
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "nod",
            "--no-output-detection",
            "--output",
            "c",
            "sh",
            "-c",
            "echo 1 > c; echo 2 > d",
        ],
    );
    assert_success(&out);
    let params = shown_params(&show(&env, &root, "nod"));
    assert_eq!(
        section_values(&params, "Outputs"),
        BTreeSet::from(["c".to_string()])
    );
    assert_commit_files(&env, &root, "HEAD", &["c"]);
    // `d` is not an output: it is left in the work tree.
    assert_eq!(env.status(&root), "?? d\n");
}

#[test]
fn no_parameter_detection_drops_non_path_arguments() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "1\n2\n3\n")]);
    let out = run_to(
        &env,
        &root,
        &[
            "run",
            "--name",
            "npd",
            "--no-parameter-detection",
            "head",
            "-n",
            "1",
            "a",
        ],
        "e",
    );
    assert_success(&out);
    let text = show(&env, &root, "npd");
    assert!(!text.contains("Parameters:"), "{text}");
    assert_eq!(command_line(&text), "head a > e");
    assert_positioned(&shown_params(&text), "Inputs", "input-2", "a", 2, None);

    // Unless the value is an explicit parameter.
    let out = run_to(
        &env,
        &root,
        &[
            "run",
            "--name",
            "npd2",
            "--no-parameter-detection",
            "--param",
            "n=2",
            "head",
            "-n",
            "2",
            "a",
        ],
        "f",
    );
    assert_success(&out);
    assert_eq!(read(&root, "f"), "1\n2\n");
    let text = show(&env, &root, "npd2");
    assert_eq!(command_line(&text), "head -n 2 a > f");
    assert_positioned(&shown_params(&text), "Parameters", "n", "2", 1, Some("-n "));
}

#[test]
fn success_codes() {
    let env = TestEnv::new();
    let root = project(&env, &[]);
    let before = env.commit_count(&root);

    let out = env.run_in(&root, &["run", "sh", "-c", "echo x > h; exit 3"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Command returned non-zero exit status 3.");
    assert_nothing_recorded(&env, &root, before, 0);
    assert!(!root.join(".renku/store/activity").exists());
    assert!(!root.join(".renku/store/plan").exists());
    // What the command wrote stays in the work tree.
    assert_eq!(env.status(&root), "?? h\n");
    std::fs::remove_file(root.join("h")).unwrap();

    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "sc",
            "--success-code",
            "3",
            "sh",
            "-c",
            "echo x > g; exit 3",
        ],
    );
    assert_success(&out);
    assert_eq!(env.commit_count(&root), before + 1);
    assert_commit_files(&env, &root, "HEAD", &["g"]);
    assert!(show(&env, &root, "sc").contains("\nSuccess Codes: 3\n"));

    // Codes are taken modulo 256.
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "sc2",
            "--success-code",
            "259",
            "sh",
            "-c",
            "echo y > i; exit 3",
        ],
    );
    assert_success(&out);
    assert!(show(&env, &root, "sc2").contains("\nSuccess Codes: 3\n"));
}

#[test]
fn unexpected_exit_status_names_the_expected_codes() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let out = env.run_in(&root, &["run", "--success-code", "3", "cp", "a", "b"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Command returned 0 exit status, but it expects 3",
    );
    let out = env.run_in(
        &root,
        &[
            "run",
            "--success-code",
            "3",
            "--success-code",
            "5",
            "sh",
            "-c",
            "exit 4",
        ],
    );
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Command returned 4 exit status, but it expects 3, 5",
    );
}

#[test]
fn missing_executable_is_a_usage_error() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["run", "no-such-program-xyz", "a", "b"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Cannot execute command 'no-such-program-xyz': This is likely because the executable doesn't exist or has the wrong permissions set.",
    );
    assert_unchanged(&env, &root, &snap, "missing executable");
}

// ---------------------------------------------------------------------------------------------
// Plan metadata
// ---------------------------------------------------------------------------------------------

#[test]
fn plan_names_are_validated_before_running() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let snap = snapshot(&env, &root);

    let out = env.run_in(&root, &["run", "--name", "invalid name", "cp", "a", "b"]);
    assert_code(&out, 2);
    assert_contains(
        &stderr(&out),
        "Invalid name: 'invalid name' (Hint: 'invalid_name' is valid).",
    );
    assert_unchanged(&env, &root, &snap, "invalid name");

    // One letter is too short: refused before the command runs (renku-python runs it first).
    let out = env.run_in(&root, &["run", "--name", "s", "cp", "a", "b"]);
    assert_code(&out, 2);
    assert_unchanged(&env, &root, &snap, "one-letter name");

    let out = env.run_in(&root, &["run", "--name", "a.b", "cp", "a", "b"]);
    assert_code(&out, 2);
    assert_unchanged(&env, &root, &snap, "dotted name");

    let out = env.run_in(&root, &["run", "--name", "good_name-1", "cp", "a", "b"]);
    assert_success(&out);
    assert_eq!(plans_json(&env, &root)[0]["name"], "good_name-1");

    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["run", "--name", "good_name-1", "cp", "a", "c"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Duplicate workflow name: Workflow 'good_name-1' already exists.",
    );
    assert_unchanged(&env, &root, &snap, "duplicate name");
    assert!(!root.join("c").exists(), "the command must not run");
}

#[test]
fn one_letter_name_error_does_not_call_it_valid() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let out = env.run_in(&root, &["run", "--name", "s", "cp", "a", "b"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert_contains(&err, "'s'");
    assert!(!err.contains("'s' is valid"), "{err}");
}

#[test]
fn description_keywords_and_creators() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "meta",
            "--description",
            "A plain description",
            "--keyword",
            "k1",
            "--keyword",
            "k2",
            "--creator",
            "John Doe <john@x.org>",
            "--creator",
            "Ann Lee <ann@x.org> [Uni]",
            "cp",
            "a",
            "b",
        ],
    );
    assert_success(&out);
    let text = show(&env, &root, "meta");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[1], "Name: meta");
    assert_eq!(lines[2], "A plain description");
    assert_eq!(
        lines[3],
        "Creators: John Doe <john@x.org>, Ann Lee <ann@x.org> [Uni]"
    );
    assert_eq!(lines[4], "Keywords: k1, k2");
    assert_eq!(lines[5], "Command: cp a b");

    let plan = plan_json(&env, &root, "meta");
    assert_eq!(plan["description"], "A plain description");
    assert_eq!(plan["keywords"], serde_json::json!(["k1", "k2"]));

    let out = env.run_in(
        &root,
        &["workflow", "ls", "-c", "name,description,keywords"],
    );
    assert_success(&out);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "DESCRIPTION", "KEYWORDS"]
    );
    assert!(lines[1].starts_with("----"), "{text}");
    assert!(lines[2].starts_with("meta  "), "{text}");
    assert!(lines[2].contains("A plain description"), "{text}");
    assert!(lines[2].trim_end().ends_with("k1, k2"), "{text}");

    // A creator without an e-mail is refused before running.
    let snap = snapshot(&env, &root);
    let out = env.run_in(&root, &["run", "--creator", "John Doe", "cp", "a", "d"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Email is invalid: \"John Doe\".");
    assert_unchanged(&env, &root, &snap, "bad creator");
}

#[test]
fn cycles_are_refused() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let out = env.run_in(&root, &["run", "cp", "a", "b"]);
    assert_success(&out);
    let before = env.commit_count(&root);

    // b (generated from a) is used to rewrite a.
    let out = env.run_in(
        &root,
        &["run", "sh", "-c", r#"tr a-z A-Z < "$1" > a"#, "sh", "b"],
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Cycles detected in execution graph");
    assert_eq!(read(&root, "a"), "HELLO\n", "the command really changed a");
    assert_nothing_recorded(&env, &root, before, 1);
    assert_eq!(record_files(&root, "plan").len(), 1);
    assert_eq!(env.status(&root), " M a\n");

    // The same through redirections: `renku run tr a-z A-Z < b > a`.
    env.git(&root, &["checkout", "a"]);
    let out = run_io(
        &env,
        &root,
        &["run", "tr", "a-z", "A-Z"],
        Some("b"),
        Some("a"),
        None,
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Cycles detected in execution graph");
    assert_eq!(read(&root, "a"), "HELLO\n");
    assert_nothing_recorded(&env, &root, before, 1);
}

// ---------------------------------------------------------------------------------------------
// Dirty work tree (DESIGN.md §3)
// ---------------------------------------------------------------------------------------------

#[test]
fn pre_existing_changes_are_left_alone_and_reported() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n"), ("t", "t\n")]);
    std::fs::write(root.join("junk.txt"), "junk\n").unwrap();
    std::fs::write(root.join("t"), "t\nchanged\n").unwrap();
    let before = env.commit_count(&root);

    let out = env.run_in(&root, &["run", "cp", "a", "b"]);
    assert_success(&out);
    assert_eq!(env.commit_count(&root), before + 1);
    assert_commit_files(&env, &root, "HEAD", &["b"]);
    assert_eq!(
        left_alone(&stderr(&out)),
        ["junk.txt", "t"],
        "{}",
        stderr(&out)
    );
    assert_eq!(env.status(&root), " M t\n?? junk.txt\n");

    // A command that modifies an already-dirty file records it.
    let out = env.run_in(
        &root,
        &["run", "--name", "more", "sh", "-c", "echo more >> t"],
    );
    assert_success(&out);
    assert_commit_files(&env, &root, "HEAD", &["t"]);
    assert_eq!(env.git(&root, &["show", "HEAD:t"]), "t\nchanged\nmore\n");
    assert_eq!(left_alone(&stderr(&out)), ["junk.txt"], "{}", stderr(&out));
    assert_unpositioned(
        &shown_params(&show(&env, &root, "more")),
        "Outputs",
        "t",
        None,
    );
    assert_eq!(env.status(&root), "?? junk.txt\n");

    // A clean run says nothing about pre-existing changes.
    std::fs::remove_file(root.join("junk.txt")).unwrap();
    let out = env.run_in(&root, &["run", "cp", "a", "c"]);
    assert_success(&out);
    assert!(!stderr(&out).contains("Info:"), "{}", stderr(&out));
}

#[test]
fn staged_changes_stay_staged_and_uncommitted() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n"), ("t", "t\n")]);
    std::fs::write(root.join("staged.txt"), "s\n").unwrap();
    std::fs::write(root.join("t"), "t\nstaged\n").unwrap();
    env.git(&root, &["add", "staged.txt", "t"]);
    let out = env.run_in(&root, &["run", "cp", "a", "b"]);
    assert_success(&out);
    assert_commit_files(&env, &root, "HEAD", &["b"]);
    assert_eq!(env.status(&root), "A  staged.txt\nM  t\n");
    assert_eq!(env.git(&root, &["show", "HEAD:t"]), "t\n");
}

#[test]
fn changes_staged_by_moving_head_are_reported() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    env.ok(&root, &["run", "cp", "a", "b"]);
    // HEAD moves back, the index stays: the run's files are now staged.
    env.git(&root, &["reset", "--soft", "HEAD~1"]);
    let out = env.run_in(&root, &["run", "cp", "a", "c"]);
    assert_success(&out);
    let left = left_alone(&stderr(&out));
    assert!(left.iter().any(|p| p == "b"), "{left:?}");
}

#[test]
fn staged_changes_are_reported() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n"), ("t", "t\n")]);
    std::fs::write(root.join("staged.txt"), "s\n").unwrap();
    std::fs::write(root.join("t"), "t\nstaged\n").unwrap();
    env.git(&root, &["add", "staged.txt", "t"]);
    let out = env.run_in(&root, &["run", "cp", "a", "b"]);
    assert_success(&out);
    assert_eq!(
        left_alone(&stderr(&out)),
        ["staged.txt", "t"],
        "{}",
        stderr(&out)
    );
}

// ---------------------------------------------------------------------------------------------
// Indirect inputs/outputs/parameters (spec §4.6)
// ---------------------------------------------------------------------------------------------

const INDIRECT_SCRIPT: &str = r#"#!/bin/sh
d=.renku/tmp/${RENKU_INDIRECT_PATH:-}
mkdir -p "$d"
echo result > res.txt
printf 'my-out: res.txt\n' > "$d/outputs.yml"
printf 'my-in: a\n' > "$d/inputs.yml"
printf 'my-param: 42\n' > "$d/parameters.yml"
"#;

fn assert_indirect_plan(env: &TestEnv, root: &Path, name: &str) {
    let params = shown_params(&show(env, root, name));
    assert_positioned(&params, "Inputs", "input-1", "ind.sh", 1, None);
    assert_unpositioned(&params, "Inputs", "a", Some("my-in"));
    assert_unpositioned(&params, "Outputs", "res.txt", Some("my-out"));
    assert_unpositioned(&params, "Parameters", "42", Some("my-param"));
}

#[test]
fn indirect_files_declare_inputs_outputs_and_parameters() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n"), ("ind.sh", INDIRECT_SCRIPT)]);
    let out = env.run_in(&root, &["run", "--name", "ind", "sh", "ind.sh"]);
    assert_success(&out);
    assert_commit_files(&env, &root, "HEAD", &["res.txt"]);
    assert_indirect_plan(&env, &root, "ind");
    for f in ["inputs.yml", "outputs.yml", "parameters.yml"] {
        assert!(!root.join(".renku/tmp").join(f).exists(), "{f} not deleted");
    }
    let detailed = stdout(&env.run_in(&root, &["log"]));
    assert_contains(&detailed, "\tmy-in: a\n");
    assert_contains(&detailed, "\tmy-out: res.txt\n");
    assert_contains(&detailed, "\tmy-param: 42\n");
    assert_eq!(env.status(&root), "");
}

#[test]
fn indirect_file_that_is_not_a_mapping_is_refused() {
    let env = TestEnv::new();
    let root = project(&env, &[]);
    let before = env.commit_count(&root);
    let out = env.run_in(
        &root,
        &[
            "run",
            "sh",
            "-c",
            "mkdir -p .renku/tmp; echo x > r1; echo '- a' > .renku/tmp/outputs.yml",
        ],
    );
    // renku-python exits 1 here too.
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "Error: Explicit Inputs/Outputs/Parameters files list must be a YAML dictionary.",
    );
    assert_nothing_recorded(&env, &root, before, 0);
}

#[test]
fn renku_indirect_path_selects_a_sub_directory() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n"), ("ind.sh", INDIRECT_SCRIPT)]);
    let out = env
        .renku_in(&root)
        .env("RENKU_INDIRECT_PATH", "sub")
        .args(["run", "--name", "ind", "sh", "ind.sh"])
        .output()
        .unwrap();
    assert_success(&out);
    assert_indirect_plan(&env, &root, "ind");
    for f in ["inputs.yml", "outputs.yml", "parameters.yml"] {
        assert!(
            !root.join(".renku/tmp/sub").join(f).exists(),
            "{f} not deleted"
        );
    }
    assert_eq!(env.status(&root), "");
}

#[test]
fn renku_indirect_path_must_stay_inside_renku_tmp() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n"), ("ind.sh", INDIRECT_SCRIPT)]);
    let before = env.commit_count(&root);
    let out = env
        .renku_in(&root)
        .env("RENKU_INDIRECT_PATH", "../../x")
        .args(["run", "sh", "ind.sh"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", stderr(&out));
    assert_contains(
        &stderr(&out),
        "Invalid value for RENKU_INDIRECT_PATH env var: ../../x",
    );
    assert_nothing_recorded(&env, &root, before, 0);
}

// ---------------------------------------------------------------------------------------------
// renku log
// ---------------------------------------------------------------------------------------------

#[test]
fn log_formats() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let out = env.run_in(&root, &["log"]);
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), "", "no activities yet");

    assert_success(&env.run_in(&root, &["run", "--name", "r1", "cp", "a", "b"]));
    assert_success(&run_to(
        &env,
        &root,
        &["run", "--name", "r2", "wc", "-c", "a"],
        "c",
    ));
    let plan1 = plan_json(&env, &root, "r1");
    let plan2 = plan_json(&env, &root, "r2");

    // Detailed.
    let out = env.run_in(&root, &["log"]);
    assert_success(&out);
    let text = stdout(&out);
    assert_eq!(text.matches("Activity /activities/").count(), 2, "{text}");
    assert_contains(&text, "User: Jane Doe <jane.doe@example.org>\n");
    assert_contains(&text, "Renku Version: renku ");
    assert_contains(
        &text,
        &format!(
            "Plan:\n\tId: {}\n\tName: r1\nCommand: cp a b\nInputs:\n\tinput-1: a\nOutputs:\n\toutput-2: b\n",
            plan1["id"].as_str().unwrap()
        ),
    );
    assert_contains(
        &text,
        &format!(
            "Plan:\n\tId: {}\n\tName: r2\nCommand: wc -c a",
            plan2["id"].as_str().unwrap()
        ),
    );
    assert_contains(&text, "\tc-1: a\n");
    for block in text.split("Activity ").skip(1) {
        let id = block.lines().next().unwrap();
        assert!(
            id.starts_with("/activities/") && id.len() == "/activities/".len() + 32,
            "{id}"
        );
        assert!(
            block.contains("\nStart Time: ") && block.contains("\nEnd Time: "),
            "{block}"
        );
    }

    // JSON.
    let log = log_json(&env, &root);
    assert_eq!(log.len(), 2);
    for e in &log {
        assert_eq!(e["type"], "Run");
        assert!(e.get("id").is_none(), "no id field: {e}");
        assert!(e["date"].is_string() && e["details"].is_object(), "{e}");
        let agents: Vec<&str> = e["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(agents.len(), 2, "{e}");
        assert!(agents[0].starts_with("renku "), "{e}");
        assert_eq!(agents[1], "Jane Doe <jane.doe@example.org>");
    }
    let by_name = |n: &str| log.iter().find(|e| e["plan"]["name"] == n).unwrap().clone();
    assert_eq!(by_name("r1")["description"], "cp a b");
    let details = &by_name("r1")["details"];
    assert_eq!(
        details["inputs"],
        serde_json::json!([["input-1", "a"]]),
        "{details}"
    );
    assert_eq!(
        details["outputs"],
        serde_json::json!([["output-2", "b"]]),
        "{details}"
    );
    assert!(details["parameters"].is_null(), "{details}");
    assert_eq!(details["user"], "Jane Doe <jane.doe@example.org>");
    assert!(
        details["start_time"].is_string() && details["renku_version"].is_string(),
        "{details}"
    );
    assert_eq!(by_name("r1")["plan"]["id"], plan1["id"]);
    // Like the reference's, the description is the command without its streams.
    assert_eq!(by_name("r2")["description"], "wc -c a");
    assert_eq!(by_name("r2")["plan"]["id"], plan2["id"]);

    // Tabular.
    let out = env.run_in(
        &root,
        &["log", "--format", "tabular", "--columns", "id,date"],
    );
    assert_success(&out);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["ID", "DATE"]
    );
    assert_eq!(lines.len(), 4, "{text}");
    for row in &lines[2..] {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert!(cells[0].starts_with("/activities/"), "{text}");
        // YYYY-MM-DD HH:MM:SS
        assert_eq!(cells.len(), 3, "{text}");
        assert_eq!(cells[1].len(), 10, "{text}");
        assert_eq!(cells[2].len(), 8, "{text}");
    }
    let out = env.run_in(&root, &["log", "--format", "tabular"]);
    assert_success(&out);
    let text = stdout(&out);
    assert_eq!(
        text.lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["DATE", "TYPE", "DESCRIPTION"]
    );
    assert_contains(&text, "  Run  ");
    assert_contains(&text, "cp a b");

    let out = env.run_in(
        &root,
        &["log", "--format", "tabular", "--columns", "id,bogus"],
    );
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Invalid column name: \"bogus\".");
    let out = env.run_in(&root, &["log", "--format", "xml"]);
    assert_code(&out, 2);

    // -w: workflow executions only (all of them here).
    let out = env.run_in(&root, &["log", "-w", "--format", "json"]);
    assert_success(&out);
    let w: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(w.as_array().unwrap().len(), 2);
    let out = env.run_in(&root, &["log", "-w"]);
    assert_success(&out);
    assert_eq!(stdout(&out).matches("Activity /activities/").count(), 2);
}

#[test]
fn log_lists_newest_first() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    for i in 1..=8 {
        let name = format!("r{i}");
        let output = format!("b{i}");
        assert_success(&env.run_in(&root, &["run", "--name", &name, "cp", "a", &output]));
    }
    let text = stdout(&env.run_in(&root, &["log"]));
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("\tName: "))
        .collect();
    assert_eq!(
        names,
        ["r8", "r7", "r6", "r5", "r4", "r3", "r2", "r1"],
        "{text}"
    );
    let out = env.run_in(
        &root,
        &["log", "--format", "tabular", "--columns", "description"],
    );
    let rows: Vec<String> = stdout(&out)
        .lines()
        .skip(2)
        .map(|l| l.trim().to_string())
        .collect();
    let expected: Vec<String> = (1..=8).rev().map(|i| format!("cp a b{i}")).collect();
    assert_eq!(rows, expected);
}

// ---------------------------------------------------------------------------------------------
// renku workflow ls / show
// ---------------------------------------------------------------------------------------------

#[test]
fn workflow_ls_and_show() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let out = env.run_in(&root, &["workflow", "ls"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out)
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["ID", "NAME", "COMMAND"]
    );
    assert!(plans_json(&env, &root).is_empty());

    assert_success(&env.run_in(&root, &["run", "--name", "first", "cp", "a", "b"]));
    assert_success(&run_to(
        &env,
        &root,
        &[
            "run",
            "--name",
            "second",
            "--description",
            "counts",
            "wc",
            "-l",
            "a",
        ],
        "c",
    ));

    let plans = plans_json(&env, &root);
    assert_eq!(plans.len(), 2, "{plans:#?}");
    for p in &plans {
        let id = p["id"].as_str().unwrap();
        let hex = id.strip_prefix("/plans/").unwrap();
        assert!(
            hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
    }
    let first = plan_json(&env, &root, "first");
    let second = plan_json(&env, &root, "second");
    assert_eq!(first["command"], "cp a b");
    assert_eq!(first["description"], serde_json::Value::Null);
    assert_eq!(first["keywords"], serde_json::json!([]));
    assert_eq!(second["command"], "wc -l a > c");
    assert_eq!(second["description"], "counts");

    // Default columns: ID, NAME, COMMAND; rows sorted by the first column.
    let out = env.run_in(&root, &["workflow", "ls"]);
    assert_success(&out);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[1].starts_with("--") && lines[1].contains("  --"),
        "{text}"
    );
    let mut ids: Vec<&str> = Vec::new();
    for row in &lines[2..] {
        let cells: Vec<&str> = row.splitn(3, "  ").map(str::trim).collect();
        let plan = plans
            .iter()
            .find(|p| p["id"] == cells[0])
            .unwrap_or_else(|| panic!("{text}"));
        assert!(row.contains(plan["name"].as_str().unwrap()), "{text}");
        assert!(
            row.trim_end().ends_with(plan["command"].as_str().unwrap()),
            "{text}"
        );
        ids.push(cells[0]);
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "{text}");

    let out = env.run_in(&root, &["workflow", "ls", "-c", "name,command"]);
    assert_success(&out);
    assert_eq!(
        stdout(&out)
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["NAME", "COMMAND"]
    );
    assert!(!stdout(&out).contains("/plans/"));

    let out = env.run_in(&root, &["workflow", "ls", "-c", "name,bogus"]);
    assert_code(&out, 2);
    assert_contains(&stderr(&out), "Invalid column name: \"bogus\".");
    assert_contains(&stderr(&out), "id, name, keywords, description, command");

    // show by name and by id give the same view.
    let by_name = show(&env, &root, "second");
    let by_id = show(&env, &root, second["id"].as_str().unwrap());
    assert_eq!(by_name, by_id);
    assert!(
        by_name.starts_with(&format!(
            "Id: {}\nName: second\ncounts\n",
            second["id"].as_str().unwrap()
        )),
        "{by_name}"
    );

    let out = env.run_in(&root, &["workflow", "show", "nope"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "The specified workflow 'nope' cannot be found.",
    );
    let out = env.run_in(
        &root,
        &[
            "workflow",
            "show",
            "/plans/00000000000000000000000000000000",
        ],
    );
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "cannot be found");
}

// ---------------------------------------------------------------------------------------------
// Merging branches, sub-directories, commit messages
// ---------------------------------------------------------------------------------------------

#[test]
fn branches_with_runs_merge_without_conflicts() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let attributes = read(&root, ".gitattributes");
    assert!(
        !attributes.contains("merge="),
        "no merge driver: {attributes}"
    );
    env.git(&root, &["branch", "branch-a"]);
    env.git(&root, &["branch", "branch-b"]);

    env.git(&root, &["checkout", "-q", "branch-a"]);
    assert_success(&env.run_in(&root, &["run", "--name", "on-a", "cp", "a", "from_a"]));
    assert_success(&env.run_in(
        &root,
        &["run", "--name", "on-a2", "sed", "-i", "s/o/0/", "from_a"],
    ));
    env.git(&root, &["checkout", "-q", "branch-b"]);
    assert_success(&run_to(
        &env,
        &root,
        &["run", "--name", "on-b", "wc", "a"],
        "from_b",
    ));

    env.git(&root, &["checkout", "-q", "branch-a"]);
    // Plain git, no merge driver.
    env.git(&root, &["merge", "--no-edit", "branch-b"]);
    assert_eq!(env.git(&root, &["ls-files", "-u"]), "", "no conflicts");
    assert_eq!(
        env.git(&root, &["rev-list", "--count", "--merges", "HEAD"])
            .trim(),
        "1"
    );
    assert_eq!(env.status(&root), "");

    let names: BTreeSet<String> = plans_json(&env, &root)
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["on-a".to_string(), "on-a2".to_string(), "on-b".to_string()])
    );
    let out = env.run_in(&root, &["workflow", "ls"]);
    assert_success(&out);
    for n in ["on-a", "on-a2", "on-b"] {
        assert_contains(&stdout(&out), n);
    }
    let log = log_json(&env, &root);
    let logged: BTreeSet<String> = log
        .iter()
        .map(|e| e["plan"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(logged, names);
    let detailed = stdout(&env.run_in(&root, &["log"]));
    assert_eq!(
        detailed.matches("Activity /activities/").count(),
        3,
        "{detailed}"
    );
    for n in ["on-a", "on-a2", "on-b"] {
        assert_contains(&detailed, &format!("\tName: {n}\n"));
    }
    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 0);

    // Recording keeps working on the merged history.
    assert_success(&run_to(
        &env,
        &root,
        &["run", "--name", "after", "cat", "from_a", "from_b"],
        "both",
    ));
    assert_eq!(log_json(&env, &root).len(), 4);
    let params = shown_params(&show(&env, &root, "after"));
    assert_positioned(&params, "Inputs", "input-1", "from_a", 1, None);
    assert_positioned(&params, "Inputs", "input-2", "from_b", 2, None);
}

#[test]
fn run_from_a_sub_directory() {
    let env = TestEnv::new();
    let root = project(&env, &[("sub/in.txt", "hello\n"), ("top.txt", "top\n")]);
    let sub = root.join("sub");

    let out = env.run_in(&sub, &["run", "--name", "sd", "cp", "in.txt", "out.txt"]);
    assert_success(&out);
    assert_eq!(read(&sub, "out.txt"), "hello\n");
    assert_run_commit(&env, &root, "renku run --name sd cp in.txt out.txt");
    assert_commit_files(&env, &root, "HEAD", &["sub/out.txt"]);
    let text = show(&env, &root, "sd");
    assert_eq!(command_line(&text), "cp sub/in.txt sub/out.txt");
    let params = shown_params(&text);
    assert_positioned(&params, "Inputs", "input-1", "sub/in.txt", 1, None);
    assert_positioned(&params, "Outputs", "output-2", "sub/out.txt", 2, None);

    // `..` paths and redirections relative to the sub-directory.
    let out = run_to(
        &env,
        &sub,
        &["run", "--name", "sd2", "wc", "-c", "../top.txt"],
        "cnt",
    );
    assert_success(&out);
    assert_eq!(read(&sub, "cnt"), "4 ../top.txt\n");
    assert_commit_files(&env, &root, "HEAD", &["sub/cnt"]);
    let text = show(&env, &root, "sd2");
    assert_eq!(command_line(&text), "wc -c top.txt > sub/cnt");
    let params = shown_params(&text);
    assert_positioned(&params, "Inputs", "c-1", "top.txt", 1, Some("-c "));
    assert_eq!(
        section_values(&params, "Outputs"),
        BTreeSet::from(["sub/cnt".to_string()])
    );

    // Explicit paths are resolved from the sub-directory too.
    let out = env.run_in(
        &sub,
        &[
            "run",
            "--name",
            "sd3",
            "--input",
            "../top.txt",
            "--output",
            "x=out2.txt",
            "sh",
            "-c",
            "cat ../top.txt > out2.txt",
        ],
    );
    assert_success(&out);
    assert_eq!(read(&sub, "out2.txt"), "top\n");
    let params = shown_params(&show(&env, &root, "sd3"));
    assert_unpositioned(&params, "Inputs", "top.txt", None);
    assert_unpositioned(&params, "Outputs", "sub/out2.txt", Some("x"));
    assert_eq!(env.status(&root), "");
}

#[test]
fn long_run_commit_messages_wrap_on_words() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    let description = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn \
                       oooo pppp qqqq rrrr ssss tttt uuuu";
    let out = env.run_in(
        &root,
        &[
            "run",
            "--name",
            "long",
            "--description",
            description,
            "cp",
            "a",
            "b",
        ],
    );
    assert_success(&out);
    let message = head_message(&env, &root);
    let body: Vec<&str> = message.split("\n\n").next().unwrap().lines().collect();
    assert_eq!(
        body,
        [
            "renku run --name long --description aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm",
            "\tnnnn oooo pppp qqqq rrrr ssss tttt uuuu cp a b",
        ],
        "{message}"
    );
}

#[test]
fn workflow_inputs_and_outputs_list_recorded_paths() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n"), ("data/x", "x\n")]);
    assert_success(&env.run_in(&root, &["run", "--name", "c1", "cp", "a", "b"]));
    assert_success(&env.run_in(&root, &["run", "--name", "c2", "cp", "data/x", "out.txt"]));

    let out = env.run_in(&root, &["workflow", "inputs"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "a\ndata/x\n");
    let out = env.run_in(&root, &["workflow", "outputs"]);
    assert_success(&out);
    assert_eq!(stdout(&out), "b\nout.txt\n");

    // With paths: exit 0 when all are recorded, 1 when one is not.
    let out = env.run_in(&root, &["workflow", "inputs", "a"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "a\n");
    let out = env.run_in(&root, &["workflow", "inputs", "a", "b"]);
    assert_code(&out, 1);
    assert_eq!(stdout(&out), "a\n");
    let out = env.run_in(&root, &["workflow", "outputs", "b"]);
    assert_code(&out, 0);
    // A directory holding recorded inputs lists them.
    let out = env.run_in(&root, &["workflow", "inputs", "data"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "data/x\n");
    // Paths are relative to the current directory.
    let out = env.run_in(&root.join("data"), &["workflow", "inputs", "x"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "data/x\n");
}

#[test]
fn workflow_remove_marks_the_plan_removed() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    assert_success(&env.run_in(&root, &["run", "--name", "c1", "cp", "a", "b"]));
    let before = env.commit_count(&root);

    // Without --force and without a terminal: aborted, nothing changes.
    let out = env.run_in(&root, &["workflow", "remove", "c1"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "Aborted!");
    assert_eq!(env.commit_count(&root), before);

    let out = env.run_in(&root, &["workflow", "remove", "--force", "c1"]);
    assert_success(&out);
    assert_eq!(env.commit_count(&root), before + 1);
    let msg = env.git(&root, &["log", "-1", "--format=%s"]);
    assert_eq!(msg.trim(), "renku workflow remove --force c1");
    // A new plan record marked removed, derived from the old version.
    let added = env.git(&root, &["show", "--name-status", "--format=", "HEAD"]);
    let record = added
        .lines()
        .find_map(|l| {
            l.strip_prefix("A\t")
                .filter(|p| p.starts_with(".renku/store/plan/"))
        })
        .unwrap()
        .to_string();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join(&record)).unwrap()).unwrap();
    assert_eq!(json["removed"], true);
    assert!(json["data"]["date_removed"].is_string());
    assert!(
        json["data"]["derived_from"]
            .as_str()
            .unwrap()
            .starts_with("/plans/")
    );

    let out = env.run_in(&root, &["workflow", "ls", "--format", "json"]);
    assert_eq!(stdout(&out).trim(), "[]");
    assert_code(&env.run_in(&root, &["workflow", "show", "c1"]), 1);
    // Unknown or already removed: exit 2.
    assert_code(
        &env.run_in(&root, &["workflow", "remove", "--force", "c1"]),
        2,
    );
    assert_code(
        &env.run_in(&root, &["workflow", "remove", "--force", "nope"]),
        2,
    );
    // Checked before asking.
    let out = env.run_in(&root, &["workflow", "remove", "nope"]);
    assert_code(&out, 2);
    assert!(!stderr(&out).contains("Aborted"), "{}", stderr(&out));
    // As in renku-python: a removed plan is a bad parameter (2), an unknown one fails (1).
    for (args, expected) in [
        (&["workflow", "edit", "c1", "--name", "x"][..], 2),
        (&["workflow", "execute", "c1"][..], 2),
        (&["workflow", "export", "c1"][..], 2),
        (&["workflow", "iterate", "c1", "--map", "a=[1]"][..], 2),
        (&["workflow", "edit", "nope", "--name", "x"][..], 1),
        (&["workflow", "execute", "nope"][..], 1),
        (&["workflow", "export", "nope"][..], 1),
        (&["workflow", "iterate", "nope", "--map", "a=[1]"][..], 1),
    ] {
        let out = env.run_in(&root, args);
        assert_eq!(code(&out), expected, "{args:?}: {}", stderr(&out));
        assert_contains(&stderr(&out), "cannot be found");
    }
    assert_eq!(env.commit_count(&root), before + 1);
    // The name is free again; the removed run stays in the log.
    assert_success(&env.run_in(&root, &["run", "--name", "c1", "cp", "a", "c"]));
    let out = env.run_in(&root, &["log", "--format", "json"]);
    let log: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(log.len(), 2);
    assert_code(&env.run_in(&root, &["doctor"]), 0);
}

#[test]
fn workflow_edit_records_a_derived_plan() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    assert_success(&env.run_in(
        &root,
        &["run", "--no-output", "--name", "hd", "head", "-n", "1", "a"],
    ));
    let first = show(&env, &root, "hd");
    let first_id = first
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("Id: ")
        .to_string();
    let before = env.commit_count(&root);

    // Without options: prints the plan, commits nothing.
    let out = env.run_in(&root, &["workflow", "edit", "hd"]);
    assert_success(&out);
    assert_eq!(stdout(&out), first);
    assert_eq!(env.commit_count(&root), before);

    let out = env.run_in(
        &root,
        &[
            "workflow",
            "edit",
            "hd",
            "--name",
            "head-one",
            "-d",
            "first line",
            "--set",
            "n-1=2",
            "--rename-param",
            "input-2=source",
            "--describe-param",
            "source=\"the file\"",
            "--set",
            "extra=x",
            "--keyword",
            "k1",
        ],
    );
    assert_success(&out);
    assert_eq!(env.commit_count(&root), before + 1);
    let text = stdout(&out);
    assert_contains(&text, "Name: head-one\nfirst line\n");
    assert_contains(&text, "Keywords: k1\n");
    assert_contains(&text, "Command: head -n 2 a\n");
    assert_contains(&text, "\t- source:\n\t\tthe file\n\t\tDefault Value: a\n");
    assert_contains(&text, "\t- extra:\n\t\tDefault Value: x\n");
    let new_id = text
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("Id: ")
        .to_string();
    assert_ne!(new_id, first_id);

    // The old name no longer resolves; the new one and the old id do.
    assert_code(&env.run_in(&root, &["workflow", "show", "hd"]), 1);
    assert_success(&env.run_in(&root, &["workflow", "show", "head-one"]));
    let old = env.run_in(&root, &["workflow", "show", &first_id]);
    assert_success(&old);
    assert_contains(&stdout(&old), "Name: hd\n");
    let out = env.run_in(&root, &["workflow", "ls", "--format", "json"]);
    let plans: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0]["id"], new_id.as_str());

    // Errors: unknown plan exit 1 (a removed one: 2), unknown parameter exit 1, nothing
    // committed.
    let count = env.commit_count(&root);
    assert_code(
        &env.run_in(&root, &["workflow", "edit", "nope", "-d", "x"]),
        1,
    );
    assert_code(
        &env.run_in(
            &root,
            &["workflow", "edit", "head-one", "--rename-param", "zzz=y"],
        ),
        1,
    );
    assert_code(
        &env.run_in(
            &root,
            &["workflow", "edit", "head-one", "--name", "bad name"],
        ),
        2,
    );
    assert_eq!(env.commit_count(&root), count);
    assert_eq!(env.status(&root), "");
}

#[test]
fn an_executable_yml_file_is_a_command() {
    let env = TestEnv::new();
    let root = project(&env, &[]);
    // An executable script that happens to end in .yml is a command, not a workflow file.
    std::fs::write(
        root.join("gen.yml"),
        "#!/bin/sh\necho generated > gen.txt\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root.join("gen.yml"), std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_success(&env.run_in(&root, &["run", "./gen.yml"]));
    assert_eq!(
        std::fs::read_to_string(root.join("gen.txt")).unwrap(),
        "generated\n"
    );
}

#[test]
fn ctrl_c_during_run_records_nothing() {
    let env = TestEnv::new();
    let root = project(&env, &[]);
    let before = env.commit_count(&root);
    let child = env
        .renku_in(&root)
        .args(["run", "sh", "-c", "sleep 1; echo late > out.txt"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Give renku time to start the command, then interrupt renku itself (as a terminal's
    // Ctrl-C would, minus the signal to the child).
    std::thread::sleep(std::time::Duration::from_millis(400));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_contains(&String::from_utf8_lossy(&out.stderr), "Interrupted");
    assert_eq!(env.commit_count(&root), before);
    assert!(!root.join(".renku/store/activity").exists());
    assert!(!root.join(".git/renku/transaction").exists());
    // The command's own output stays, unrecorded, as after a failed command.
    assert_eq!(env.status(&root), "?? out.txt\n");
    assert_code(&env.run_in(&root, &["doctor"]), 0);
}

#[test]
fn doctor_reports_activities_of_missing_plans() {
    let env = TestEnv::new();
    let root = project(&env, &[("a", "hello\n")]);
    assert_success(&env.run_in(&root, &["run", "--name", "c1", "cp", "a", "b"]));
    assert_code(&env.run_in(&root, &["doctor"]), 0);
    let files = env.git(&root, &["show", "--name-only", "--format=", "HEAD"]);
    let plan = files
        .lines()
        .find(|f| f.starts_with(".renku/store/plan/"))
        .unwrap()
        .to_string();
    env.git(&root, &["rm", "-q", &plan]);
    env.git(&root, &["commit", "-q", "-m", "lose the plan"]);
    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "which does not exist");
    // A record that is not a valid activity is reported too.
    let activity = files
        .lines()
        .find(|f| f.starts_with(".renku/store/activity/"))
        .unwrap()
        .to_string();
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join(&activity)).unwrap()).unwrap();
    json["data"]["usages"] = serde_json::json!("not a list");
    std::fs::write(
        root.join(&activity),
        format!("{}\n", serde_json::to_string_pretty(&json).unwrap()),
    )
    .unwrap();
    let out = env.run_in(&root, &["doctor"]);
    assert_code(&out, 1);
    assert_contains(&stderr(&out), "invalid activity metadata");
}

#[test]
fn workflow_show_describes_a_workflow_file() {
    let env = TestEnv::new();
    let root = project(&env, &[]);
    std::fs::copy(
        shared_data().join("workflow-file-simple.yml"),
        root.join("wf.yml"),
    )
    .unwrap();
    let out = env.run_in(&root, &["workflow", "show", "wf.yml"]);
    assert_success(&out);
    let text = stdout(&out);
    assert!(text.starts_with("Name: workflow-file\nPath: wf.yml\nKeywords: workflow file, v1\nDescription: A sample workflow file used for testing\nSteps:\n    head:\n        Command: head $parameters $inputs > $outputs\n        Processed command: head\n"), "{text}");
    assert_contains(
        &text,
        "        Inputs:\n            input-3:\n                Path: data/collection/models.csv\n                Position: 3\n",
    );
    assert_contains(
        &text,
        "        Outputs:\n            output-5:\n                Path: intermediate\n                Position: 5\n                Persist: True\n                Mapped to: stdout\n",
    );
    assert_contains(
        &text,
        "            parameter-1:\n                Value: -n\n                Position: 1\n",
    );
    // From a sub-directory, the path is relative to it.
    std::fs::create_dir_all(root.join("sub")).unwrap();
    let out = env.run_in(&root.join("sub"), &["workflow", "show", "../wf.yml"]);
    assert_success(&out);
    assert_contains(&stdout(&out), "Path: wf.yml\n");

    // A malformed file: the error names file, line and problem; exit 2.
    std::fs::write(
        root.join("bad.yml"),
        "name: bad\nsteps:\n  s1:\n    command: echo hi\n    colour: red\n",
    )
    .unwrap();
    let out = env.run_in(&root, &["workflow", "show", "bad.yml"]);
    assert_code(&out, 1);
    assert_contains(
        &stderr(&out),
        "bad.yml:5: Invalid attributes for step 's1': colour",
    );
}

#[test]
fn create_folder_records_whether_the_output_directory_existed_before() {
    let env = TestEnv::new();
    let root = project(&env, &[("a.txt", "1\n"), ("sub/keep", "x\n")]);
    for args in [
        &["run", "--name", "top", "cp", "a.txt", "b.txt"][..],
        &["run", "--name", "old-dir", "cp", "a.txt", "sub/c.txt"][..],
        &[
            "run",
            "--name",
            "new-dir",
            "--",
            "sh",
            "-c",
            "mkdir nd && cp a.txt nd/d.txt",
        ][..],
    ] {
        assert_success(&env.run_in(&root, args));
    }
    let nt = env.ok(&root, &["graph", "export", "--full", "--format", "nt"]);
    // Output node → its default value and its createFolder, as renku-python 2.9.4 records
    // them: true when the directory holding the output existed before the command (the
    // project root always), false for a directory the command made.
    let mut defaults = std::collections::BTreeMap::new();
    let mut folders = std::collections::BTreeMap::new();
    for line in nt.lines().filter(|l| l.contains("/outputs/")) {
        let subject = line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        if line.contains("<http://schema.org/defaultValue>") {
            let value = line.split('"').nth(1).unwrap_or_default().to_string();
            defaults.insert(subject, value);
        } else if line.contains("#createFolder>") {
            folders.insert(subject, line.contains("\"true\""));
        }
    }
    let by_value: std::collections::BTreeMap<String, bool> = defaults
        .iter()
        .map(|(s, v)| (v.clone(), folders[s]))
        .collect();
    assert_eq!(
        by_value,
        [("b.txt", true), ("nd/d.txt", false), ("sub/c.txt", true)]
            .into_iter()
            .map(|(v, b)| (v.to_string(), b))
            .collect()
    );
}
