//! Commit messages of mutating commands: `renku <argv>`, wrapped, with a transaction trailer.

/// The trailer key that marks commits made by renku commands; `renku rollback` uses it.
pub const TRANSACTION_TRAILER: &str = "renku-transaction";

const LINE_WIDTH: usize = 100;
const MAX_LEN: usize = 65_000;

/// Builds the message for a command run as `argv` (without the program name): `renku ` and
/// the arguments joined by spaces (credentials removed from URLs), wrapped at 100 characters
/// with a newline and a tab, capped at 65 000 characters, then a blank line and
/// `renku-transaction: <id>`.
pub fn for_command(argv: &[String], transaction_id: &str) -> String {
    let words: Vec<String> = std::iter::once("renku".to_string())
        .chain(argv.iter().flat_map(|a| {
            strip_credentials(a)
                .split(' ')
                .map(str::to_string)
                .collect::<Vec<_>>()
        }))
        .filter(|w| !w.is_empty())
        .collect();
    let mut body = wrap(&words);
    if body.len() > MAX_LEN {
        let mut cut = MAX_LEN - 3;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
        body.push_str("...");
    }
    format!("{body}\n\n{TRANSACTION_TRAILER}: {transaction_id}")
}

/// Reads the transaction id from a commit message, if it has the trailer.
pub fn transaction_of(message: &str) -> Option<&str> {
    message
        .lines()
        .rev()
        .find_map(|l| {
            l.strip_prefix(TRANSACTION_TRAILER)
                .and_then(|r| r.strip_prefix(':'))
        })
        .map(str::trim)
}

fn wrap(words: &[String]) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in words {
        let mut pieces: Vec<String> = Vec::new();
        if word.chars().count() > LINE_WIDTH {
            let chars: Vec<char> = word.chars().collect();
            pieces.extend(chars.chunks(LINE_WIDTH).map(|c| c.iter().collect()));
        } else {
            pieces.push(word.clone());
        }
        for piece in pieces {
            if current.is_empty() {
                current = piece;
            } else if current.chars().count() + 1 + piece.chars().count() <= LINE_WIDTH {
                current.push(' ');
                current.push_str(&piece);
            } else {
                lines.push(std::mem::take(&mut current));
                current = piece;
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines.join("\n\t")
}

/// Removes `user:password@` from URLs so credentials never end up in commit messages.
pub fn strip_credentials(arg: &str) -> String {
    if let Some(scheme_end) = arg.find("://") {
        let rest = &arg[scheme_end + 3..];
        let authority_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            return format!("{}{}", &arg[..scheme_end + 3], &rest[at + 1..]);
        }
    }
    arg.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn message_has_command_and_trailer() {
        let m = for_command(&argv(&["config", "set", "a", "b"]), "abc");
        assert_eq!(m, "renku config set a b\n\nrenku-transaction: abc");
        assert_eq!(transaction_of(&m), Some("abc"));
    }

    #[test]
    fn long_messages_wrap_at_100() {
        let long = "x".repeat(250);
        let m = for_command(&argv(&["run", "echo", &long]), "t");
        let body = m.split("\n\n").next().unwrap();
        for line in body.split("\n\t") {
            assert!(line.chars().count() <= 100, "{line}");
        }
        assert!(body.starts_with("renku run echo\n\t"));
    }

    #[test]
    fn credentials_are_stripped() {
        assert_eq!(
            strip_credentials("https://user:secret@host.org/repo"),
            "https://host.org/repo"
        );
        assert_eq!(
            strip_credentials("https://host.org/a@b"),
            "https://host.org/a@b"
        );
        assert_eq!(strip_credentials("plain"), "plain");
    }
}
