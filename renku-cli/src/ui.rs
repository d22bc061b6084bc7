//! Terminal output helpers: messages, prompts, tables.

use std::io::{BufRead, IsTerminal, Write};

/// Writes to stdout; a closed pipe (`renku … | head`) ends the process quietly instead of
/// panicking like `println!` would.
pub fn write_stdout(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut out = std::io::stdout().lock();
    let result = out.write_fmt(args).and_then(|_| {
        if newline {
            out.write_all(b"\n")
        } else {
            Ok(())
        }
    });
    if let Err(e) = result.and_then(|_| out.flush())
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Like `println!`, but quiet on a closed pipe.
#[macro_export]
macro_rules! outln {
    () => { $crate::ui::write_stdout(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::ui::write_stdout(format_args!($($arg)*), true) };
}

/// Like `print!`, but quiet on a closed pipe.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::ui::write_stdout(format_args!($($arg)*), false) };
}

/// Prints `Error: <message>` on stderr.
pub fn error(message: &str) {
    eprintln!("Error: {message}");
}

/// Prints `Warning: <message>` on stderr.
pub fn warning(message: &str) {
    eprintln!("Warning: {message}");
}

/// Prints `Info: <message>` on stderr.
pub fn info(message: &str) {
    eprintln!("Info: {message}");
}

/// Tells which files went to Git LFS, unless `renku.show_lfs_message` is `false`.
pub fn lfs_message(tracked: &renku_lib::repo::lfs::Tracked) {
    if tracked.patterns.is_empty() || !tracked.show_message {
        return;
    }
    info(&format!(
        "Adding these files to Git LFS:\n\t{}\nTo disable this message in the future, run:\n\trenku config set show_lfs_message false",
        tracked.patterns.join("\n\t")
    ));
}

/// Whether standard input is an interactive terminal.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks a question on stderr and reads one line from stdin; `None` at end of input.
pub fn ask(prompt: &str) -> Option<String> {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => {
            eprintln!();
            None
        }
        Ok(_) => Some(line.trim().to_string()),
    }
}

/// Asks a yes/no question (default no).
pub fn confirm(prompt: &str) -> bool {
    matches!(
        ask(&format!("{prompt} [y/N]: "))
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("y" | "yes")
    )
}

/// Renders a table in "simple" style: upper-case headers, a dashed rule, columns separated
/// by two spaces and at least two characters wider than their header (as renku-python's
/// tables are); columns flagged in `right` are right-aligned.
pub fn table(headers: &[&str], rows: &[Vec<String>], right: &[bool]) -> String {
    let upper: Vec<String> = headers.iter().map(|h| h.to_uppercase()).collect();
    let upper: Vec<&str> = upper.iter().map(String::as_str).collect();
    table_as_is(&upper, rows, right)
}

/// Renders a table like [`table`], with the headers as given.
pub fn table_as_is(headers: &[&str], rows: &[Vec<String>], right: &[bool]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count() + 2).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    // Cells are padded to their column's width (in characters), right-aligned where asked,
    // separated by two spaces; trailing blanks are trimmed from each line.
    let push_row = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        let start = out.len();
        for (i, c) in cells.enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(c.chars().count());
            if right.get(i).copied().unwrap_or(false) {
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(c);
            } else {
                out.push_str(c);
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        let trimmed = out[start..].trim_end().len();
        out.truncate(start + trimmed);
        out.push('\n');
    };
    let line_len: usize = widths.iter().sum::<usize>() + 2 * widths.len() + 1;
    let mut out = String::with_capacity(line_len * (rows.len() + 2));
    push_row(&mut out, &mut headers.iter().copied());
    let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&dashes.join("  "));
    out.push('\n');
    for row in rows {
        push_row(&mut out, &mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_table_layout() {
        let t = table(
            &["index", "id"],
            &[
                vec!["1".into(), "python-minimal".into()],
                vec!["10".into(), "x".into()],
            ],
            &[true, false],
        );
        assert_eq!(
            t,
            "  INDEX  ID\n-------  --------------\n      1  python-minimal\n     10  x\n"
        );
    }
}
