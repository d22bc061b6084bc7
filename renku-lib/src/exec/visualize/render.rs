//! Rendering a [`Lineage`]: a drawing for the terminal, Graphviz dot, Mermaid.

use std::collections::BTreeMap;

use super::layout::{self, Placed, Route, Size};
use crate::exec::lineage::{Lineage, LineageNode, NodeKind};
use crate::{Error, Result};

/// Longest line inside a box of the terminal drawing (longer text is wrapped or shortened).
pub const MAX_LINE: usize = 40;
/// Most lines a command takes inside a box of the terminal drawing.
pub const MAX_COMMAND_LINES: usize = 3;

/// A line of text shown for each activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The command line it ran.
    Command,
    /// The activity id.
    Id,
    /// When it ended (ISO 8601).
    Date,
    /// The name of its plan.
    Plan,
}

impl Column {
    /// Every column, in the order their names are listed.
    pub const ALL: [Column; 4] = [Column::Command, Column::Id, Column::Date, Column::Plan];

    /// The column's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Column::Command => "command",
            Column::Id => "id",
            Column::Date => "date",
            Column::Plan => "plan",
        }
    }

    /// Parses a comma-separated list of column names (`command,id,date,plan`).
    pub fn parse_list(spec: &str) -> Result<Vec<Column>> {
        let mut out = Vec::new();
        for name in spec.split(',').map(str::trim) {
            match Column::ALL.iter().find(|c| c.name() == name) {
                Some(&c) => out.push(c),
                None => {
                    return Err(Error::Usage(format!(
                        "Invalid parameter value for columns '{name}': you can use any of '{}'",
                        Column::ALL.map(Column::name).join(",")
                    )));
                }
            }
        }
        Ok(out)
    }
}

/// The full text of `column` for an activity node (empty for other nodes).
fn column_text(node: &LineageNode, column: Column) -> String {
    let Some(a) = &node.activity else {
        return String::new();
    };
    match column {
        Column::Command => a.command.clone(),
        Column::Id => node.id.clone(),
        Column::Date => a.ended.to_rfc3339(),
        Column::Plan => a.plan_name.clone(),
    }
}

/// The label of a node in dot or Mermaid output: the columns' full text, one per line, for
/// an activity; the path for a file.
fn full_label(node: &LineageNode, columns: &[Column]) -> String {
    if node.kind != NodeKind::Activity {
        return node.label.clone();
    }
    columns
        .iter()
        .map(|&c| column_text(node, c))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The lines inside a node's box in the terminal drawing: commands wrapped to at most
/// [`MAX_COMMAND_LINES`] lines of [`MAX_LINE`] characters, plan names shortened to one.
fn box_lines(node: &LineageNode, columns: &[Column]) -> Vec<String> {
    if node.kind != NodeKind::Activity {
        return vec![node.label.clone()];
    }
    let mut lines = Vec::new();
    for &c in columns {
        let text = column_text(node, c);
        match c {
            Column::Command => lines.extend(wrap(&text, MAX_LINE, MAX_COMMAND_LINES)),
            Column::Plan => lines.extend(wrap(&text, MAX_LINE, 1)),
            Column::Id | Column::Date => lines.push(text),
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// `text` wrapped at spaces into lines of at most `width` characters (longer words are cut),
/// at most `max_lines` of them; when text is left over, the last line ends in `...`.
pub fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(4);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let room = if current_len == 0 {
                width
            } else {
                width.saturating_sub(current_len + 1)
            };
            if word.len() <= room {
                if current_len > 0 {
                    current.push(' ');
                    current_len += 1;
                }
                current.extend(word.iter());
                current_len += word.len();
                break;
            }
            if current_len > 0 {
                lines.push(std::mem::take(&mut current));
                current_len = 0;
                continue;
            }
            // A word longer than a line: cut it.
            let rest = word.split_off(width);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if current_len > 0 || lines.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            let keep: String = last.chars().take(width - 3).collect();
            *last = format!("{}...", keep.trim_end());
        }
    }
    lines
}

/// How to draw for the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleOptions {
    /// The lines shown in activity boxes.
    pub columns: Vec<Column>,
    /// Only ASCII characters (`+-=|`).
    pub ascii: bool,
    /// ANSI colours and bold activity text.
    pub color: bool,
}

/// A drawing for the terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drawing {
    /// The text, one line per row, each ending in a newline (empty for an empty graph).
    pub text: String,
    /// The widest row, in characters.
    pub width: usize,
}

/// Colours given to activities in turn; an activity's edges share its colour.
const PALETTE: [u8; 6] = [32, 33, 34, 35, 36, 31];

/// Style of one character cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Style {
    /// ANSI foreground colour code.
    color: Option<u8>,
    bold: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    ch: char,
    style: Style,
}

const BLANK: Cell = Cell {
    ch: ' ',
    style: Style {
        color: None,
        bold: false,
    },
};

/// A grid of styled characters that grows as it is drawn on.
#[derive(Debug, Default)]
struct Canvas {
    rows: Vec<Vec<Cell>>,
}

impl Canvas {
    fn put(&mut self, x: usize, y: usize, ch: char, style: Style) {
        if self.rows.len() <= y {
            self.rows.resize_with(y + 1, Vec::new);
        }
        let row = &mut self.rows[y];
        if row.len() <= x {
            row.resize(x + 1, BLANK);
        }
        row[x] = Cell { ch, style };
    }

    /// The text (trailing blanks of each row dropped) and the widest row.
    fn render(&self, color: bool) -> (String, usize) {
        let mut out = String::new();
        let mut width = 0;
        for row in &self.rows {
            let end = row
                .iter()
                .rposition(|c| *c != BLANK && !(c.ch == ' ' && c.style.color.is_none()))
                .map_or(0, |i| i + 1);
            width = width.max(end);
            let mut current = Style::default();
            for cell in &row[..end] {
                if color && cell.style != current {
                    if current != Style::default() {
                        out.push_str("\x1b[0m");
                    }
                    if cell.style.bold {
                        out.push_str("\x1b[1m");
                    }
                    if let Some(c) = cell.style.color {
                        out.push_str(&format!("\x1b[{c}m"));
                    }
                    current = cell.style;
                }
                out.push(cell.ch);
            }
            if color && current != Style::default() {
                out.push_str("\x1b[0m");
            }
            out.push('\n');
        }
        (out, width)
    }
}

/// Border characters: corners (top-left, top-right, bottom-left, bottom-right), horizontal,
/// vertical.
struct Border {
    corners: [char; 4],
    horizontal: char,
    vertical: char,
}

const DOUBLE: Border = Border {
    corners: ['╔', '╗', '╚', '╝'],
    horizontal: '═',
    vertical: '║',
};
const SINGLE: Border = Border {
    corners: ['┌', '┐', '└', '┘'],
    horizontal: '─',
    vertical: '│',
};
const ASCII_DOUBLE: Border = Border {
    corners: ['+', '+', '+', '+'],
    horizontal: '=',
    vertical: '|',
};
const ASCII_SINGLE: Border = Border {
    corners: ['+', '+', '+', '+'],
    horizontal: '-',
    vertical: '|',
};

fn draw_box(
    canvas: &mut Canvas,
    at: &Placed,
    lines: &[String],
    border: &Border,
    border_style: Style,
    text_style: Style,
) {
    let (x0, y0) = (at.x, at.y);
    let (x1, y1) = (at.x + at.width - 1, at.y + at.height - 1);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (ch, style) = match (x == x0 || x == x1, y == y0 || y == y1) {
                (true, true) => {
                    let i = usize::from(x == x1) + 2 * usize::from(y == y1);
                    (border.corners[i], border_style)
                }
                (false, true) => (border.horizontal, border_style),
                (true, false) => (border.vertical, border_style),
                (false, false) => match lines
                    .get(y - y0 - 1)
                    .and_then(|l| l.chars().nth(x - x0 - 1))
                {
                    Some(ch) => (ch, text_style),
                    None => (' ', Style::default()),
                },
            };
            canvas.put(x, y, ch, style);
        }
    }
}

/// Draws an edge with `*`: each run straight down, and from one run to the next a staircase
/// across the gap rows.
fn draw_route(canvas: &mut Canvas, route: &Route, style: Style) {
    for run in &route.runs {
        for y in run.rows.clone() {
            canvas.put(run.x, y, '*', style);
        }
    }
    for pair in route.runs.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let top = a.rows.end;
        let rows = b.rows.start.saturating_sub(top);
        if rows == 0 {
            continue;
        }
        let (x0, dx) = (a.x as i64, b.x as i64 - a.x as i64);
        let step = |k: usize| x0 + (dx as f64 * k as f64 / rows as f64).round() as i64;
        for k in 0..rows {
            let start = step(k);
            let mut end = step(k + 1) - dx.signum();
            if (end - start) * dx.signum() < 0 {
                end = start;
            }
            for x in start.min(end)..=start.max(end) {
                if let Ok(x) = usize::try_from(x) {
                    canvas.put(x, top + k, '*', style);
                }
            }
        }
    }
}

/// Draws `graph` top-down for the terminal: activities in double-line boxes, files in
/// single-line boxes, edges as lines of `*`; unconnected parts one below the other, the one
/// with the most recent activity last.
pub fn console(graph: &Lineage, opts: &ConsoleOptions) -> Drawing {
    if graph.is_empty() {
        return Drawing::default();
    }
    let texts: Vec<Vec<String>> = graph
        .nodes
        .iter()
        .map(|n| box_lines(n, &opts.columns))
        .collect();
    let sizes: Vec<Size> = texts
        .iter()
        .map(|lines| Size {
            width: lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 2,
            height: lines.len() + 2,
        })
        .collect();
    let index: BTreeMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let edges: Vec<(usize, usize)> = graph
        .edges
        .iter()
        .filter_map(|e| {
            Some((
                *index.get(e.source.as_str())?,
                *index.get(e.target.as_str())?,
            ))
        })
        .collect();
    let mut activity_color: BTreeMap<usize, u8> = BTreeMap::new();
    let mut rank = vec![0; graph.nodes.len()];
    for (k, (i, _)) in graph
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == NodeKind::Activity)
        .enumerate()
    {
        activity_color.insert(i, PALETTE[k % PALETTE.len()]);
        rank[i] = k + 1;
    }
    let placed = layout::layout(&sizes, &edges, &rank);
    let mut canvas = Canvas::default();
    for route in &placed.routes {
        let (s, t) = edges[route.edge];
        let color = activity_color
            .get(&t)
            .or_else(|| activity_color.get(&s))
            .copied();
        draw_route(&mut canvas, route, Style { color, bold: false });
    }
    for (i, node) in graph.nodes.iter().enumerate() {
        let is_activity = node.kind == NodeKind::Activity;
        let border = match (is_activity, opts.ascii) {
            (true, false) => &DOUBLE,
            (true, true) => &ASCII_DOUBLE,
            (false, false) => &SINGLE,
            (false, true) => &ASCII_SINGLE,
        };
        let color = activity_color.get(&i).copied();
        draw_box(
            &mut canvas,
            &placed.boxes[i],
            &texts[i],
            border,
            Style { color, bold: false },
            Style {
                color,
                bold: is_activity,
            },
        );
    }
    let (text, width) = canvas.render(opts.color);
    Drawing { text, width }
}

/// A double-quoted string for dot.
fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `graph` in Graphviz dot: one statement per node (its label, a box; activities with a
/// double border, directories as folders) and one `"<source>" -> "<target>";` per edge.
/// Nodes are named by id (the path of a file, the id of an activity).
pub fn dot(graph: &Lineage, columns: &[Column]) -> String {
    let mut out = String::from("digraph {\n");
    for n in &graph.nodes {
        let shape = match n.kind {
            NodeKind::Activity => "box, peripheries=2",
            NodeKind::File => "box",
            NodeKind::Directory => "folder",
        };
        out.push_str(&format!(
            "{} [label={}, shape={shape}];\n",
            dot_quote(&n.id),
            dot_quote(&full_label(n, columns))
        ));
    }
    for e in &graph.edges {
        out.push_str(&format!(
            "{} -> {};\n",
            dot_quote(&e.source),
            dot_quote(&e.target)
        ));
    }
    out.push_str("}\n");
    out
}

/// Text for a quoted Mermaid label: characters Mermaid would read as syntax become entity
/// codes; line breaks become `<br>`.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#34;"),
            '<' => out.push_str("#60;"),
            '>' => out.push_str("#62;"),
            '&' => out.push_str("#38;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// `graph` as a Mermaid `flowchart TD`: nodes `n0`, `n1`, … (activities as subroutine boxes
/// `[[…]]`, files as boxes `[…]`, directories as parallelograms `[/…/]`), then the edges.
pub fn mermaid(graph: &Lineage, columns: &[Column]) -> String {
    let mut out = String::from("flowchart TD\n");
    let mut names: BTreeMap<&str, String> = BTreeMap::new();
    for (i, n) in graph.nodes.iter().enumerate() {
        let name = format!("n{i}");
        let label = mermaid_text(&full_label(n, columns));
        let (open, close) = match n.kind {
            NodeKind::Activity => ("[[", "]]"),
            NodeKind::File => ("[", "]"),
            NodeKind::Directory => ("[/", "/]"),
        };
        out.push_str(&format!("    {name}{open}\"{label}\"{close}\n"));
        names.insert(n.id.as_str(), name);
    }
    for e in &graph.edges {
        if let (Some(s), Some(t)) = (names.get(e.source.as_str()), names.get(e.target.as_str())) {
            out.push_str(&format!("    {s} --> {t}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::lineage::{ActivityDetails, LineageEdge};

    fn file(path: &str) -> LineageNode {
        LineageNode {
            id: path.into(),
            kind: NodeKind::File,
            label: path.into(),
            activity: None,
        }
    }

    fn activity(id: &str, command: &str) -> LineageNode {
        LineageNode {
            id: format!("/activities/{id}"),
            kind: NodeKind::Activity,
            label: command.into(),
            activity: Some(ActivityDetails {
                plan_id: format!("/plans/{id}"),
                plan_name: format!("plan-{id}"),
                command: command.into(),
                ended: chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05+00:00")
                    .expect("date"),
            }),
        }
    }

    fn edge(s: &str, t: &str) -> LineageEdge {
        LineageEdge {
            source: s.into(),
            target: t.into(),
        }
    }

    fn chain() -> Lineage {
        Lineage {
            nodes: vec![
                file("in.txt"),
                activity("a", "cp in.txt out.txt"),
                file("out.txt"),
            ],
            edges: vec![
                edge("in.txt", "/activities/a"),
                edge("/activities/a", "out.txt"),
            ],
        }
    }

    fn plain(columns: Vec<Column>, ascii: bool) -> ConsoleOptions {
        ConsoleOptions {
            columns,
            ascii,
            color: false,
        }
    }

    #[test]
    fn chain_is_drawn_top_down_with_boxes_and_star_edges() {
        let d = console(&chain(), &plain(vec![Column::Command], false));
        let expected = [
            "     ┌──────┐",
            "     │in.txt│",
            "     └──────┘",
            "         *",
            "         *",
            "         *",
            "╔═════════════════╗",
            "║cp in.txt out.txt║",
            "╚═════════════════╝",
            "         *",
            "         *",
            "         *",
            "     ┌───────┐",
            "     │out.txt│",
            "     └───────┘",
        ];
        assert_eq!(d.text, format!("{}\n", expected.join("\n")), "{}", d.text);
        assert_eq!(d.width, 19);
    }

    #[test]
    fn ascii_boxes_and_columns() {
        let d = console(&chain(), &plain(vec![Column::Id, Column::Plan], true));
        assert!(d.text.is_ascii(), "{}", d.text);
        assert!(d.text.contains("|/activities/a|"), "{}", d.text);
        assert!(d.text.contains("|plan-a       |"), "{}", d.text);
        assert!(d.text.contains("+=============+"), "{}", d.text);
        assert!(d.text.contains("+------+"), "{}", d.text);
        assert!(!d.text.contains("cp in.txt"), "{}", d.text);
    }

    #[test]
    fn colour_marks_activity_boxes_and_their_edges() {
        let d = console(
            &chain(),
            &ConsoleOptions {
                color: true,
                ..plain(vec![Column::Command], false)
            },
        );
        assert!(d.text.contains("\x1b[32m*\x1b[0m"), "{}", d.text);
        assert!(d.text.contains("\x1b[1m\x1b[32mcp"), "{}", d.text);
        // Width counts characters, not escape codes.
        assert_eq!(d.width, 19);
        let plain_text = console(&chain(), &plain(vec![Column::Command], false)).text;
        assert!(!plain_text.contains('\x1b'));
    }

    #[test]
    fn a_diamond_joins_at_the_bottom() {
        let g = Lineage {
            nodes: vec![
                file("in.txt"),
                activity("l", "cp in.txt l.txt"),
                file("l.txt"),
                activity("r", "cp in.txt r.txt"),
                file("r.txt"),
                activity("j", "cat l.txt r.txt"),
            ],
            edges: vec![
                edge("in.txt", "/activities/l"),
                edge("/activities/l", "l.txt"),
                edge("in.txt", "/activities/r"),
                edge("/activities/r", "r.txt"),
                edge("l.txt", "/activities/j"),
                edge("r.txt", "/activities/j"),
            ],
        };
        let d = console(&g, &plain(vec![Column::Command], false));
        let lines: Vec<&str> = d.text.lines().collect();
        let row_of = |needle: &str| lines.iter().position(|l| l.contains(needle)).expect(needle);
        assert_eq!(row_of("cp in.txt l.txt"), row_of("cp in.txt r.txt"));
        assert!(row_of("in.txt│") < row_of("cp in.txt l.txt"));
        assert!(row_of("cat l.txt r.txt") > row_of("│l.txt│"));
        // Both branches are side by side.
        let row = lines[row_of("cp in.txt l.txt")];
        assert!(row.find("cp in.txt l.txt") < row.find("cp in.txt r.txt"));
        // Edges run between the layers.
        assert!(lines[row_of("in.txt│") + 2].contains('*'));
    }

    #[test]
    fn long_commands_wrap_to_three_lines() {
        let cmd = "python scripts/train.py --learning-rate 0.001 --epochs 10 \
                   --first-option value --second-option another-value --third x --fourth y";
        let lines = wrap(cmd, MAX_LINE, MAX_COMMAND_LINES);
        assert_eq!(lines.len(), 3);
        assert!(
            lines.iter().all(|l| l.chars().count() <= MAX_LINE),
            "{lines:?}"
        );
        assert!(lines[2].ends_with("..."), "{lines:?}");
        assert_eq!(lines[0], "python scripts/train.py --learning-rate");
        assert_eq!(lines[1], "0.001 --epochs 10 --first-option value");
        assert_eq!(wrap("ls", 40, 3), ["ls"]);
        let long = "x".repeat(90);
        assert_eq!(
            wrap(&long, 40, 3),
            ["x".repeat(40), "x".repeat(40), "x".repeat(10)]
        );
    }

    #[test]
    fn dot_and_mermaid_name_every_node_and_edge() {
        let g = chain();
        let d = dot(&g, &[Column::Command, Column::Plan]);
        assert!(d.starts_with("digraph {\n") && d.ends_with("}\n"), "{d}");
        assert!(d.contains("\"in.txt\" -> \"/activities/a\";\n"), "{d}");
        assert!(d.contains("\"/activities/a\" -> \"out.txt\";\n"), "{d}");
        assert!(
            d.contains("\"/activities/a\" [label=\"cp in.txt out.txt\\nplan-a\", shape=box, peripheries=2];"),
            "{d}"
        );
        let m = mermaid(&g, &[Column::Command]);
        assert_eq!(
            m,
            "flowchart TD\n    n0[\"in.txt\"]\n    n1[[\"cp in.txt out.txt\"]]\n    n2[\"out.txt\"]\n    n0 --> n1\n    n1 --> n2\n"
        );
        let tricky = Lineage {
            nodes: vec![activity("q", "echo \"a<b>\" # c")],
            edges: vec![],
        };
        assert!(
            mermaid(&tricky, &[Column::Command]).contains("[[\"echo #34;a#60;b#62;#34; #35; c\"]]")
        );
        assert!(dot(&tricky, &[Column::Command]).contains("label=\"echo \\\"a<b>\\\" # c\""));
    }

    #[test]
    fn column_names_are_checked() {
        assert_eq!(
            Column::parse_list("id,plan").expect("valid"),
            [Column::Id, Column::Plan]
        );
        let err = Column::parse_list("command,bogus").expect_err("invalid");
        assert_eq!(
            err.to_string(),
            "Invalid parameter value for columns 'bogus': you can use any of 'command,id,date,plan'"
        );
    }
}
