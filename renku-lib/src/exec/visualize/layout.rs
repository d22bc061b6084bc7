//! A layered layout of a directed graph of boxes on a character grid, drawn top-down.
//!
//! The classic steps of a layered (Sugiyama-style) drawing, kept small:
//! 1. weakly connected components are laid out one below the other;
//! 2. edges that close a cycle are left out;
//! 3. each node goes into the layer after its deepest predecessor, and a node without
//!    predecessors moves down to just above its first successor;
//! 4. an edge across several layers gets a one-column waypoint in each layer it crosses;
//! 5. barycentre sweeps order each layer to reduce crossings (the best order seen wins);
//! 6. columns: each node is pulled towards the mean of its neighbours in the adjacent layer,
//!    as close as the order and the minimum gaps allow (a least-squares fit, solved exactly by
//!    pooling adjacent violators), alternating downward and upward passes and ending with a
//!    downward one, so that a chain stays one straight column.
//!
//! Boxes of a layer share their top row; the rows between two layers carry the edges, more of
//! them where an edge has far to go sideways.

use std::collections::BTreeMap;
use std::ops::Range;

/// Rows between two layers, where edges run from one to the next (at least).
pub const LAYER_GAP: usize = 3;
/// Rows between two layers at most.
pub const MAX_LAYER_GAP: usize = 8;
/// Columns an edge moves sideways per row, at most, unless the gap is already at its largest.
const MAX_STEP: usize = 6;
/// Blank rows between two components.
pub const COMPONENT_GAP: usize = 3;
/// Columns between two boxes of a layer.
const BOX_GAP: f64 = 4.0;
/// Columns between a box and an edge passing through its layer.
const WAYPOINT_BOX_GAP: f64 = 2.0;
/// Columns between two edges passing through a layer.
const WAYPOINT_GAP: f64 = 1.0;
/// Ordering sweeps.
const ORDER_SWEEPS: usize = 12;
/// Pairs of downward and upward placement passes.
const PLACEMENT_PASSES: usize = 8;

/// The size of a box, borders included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
}

/// Where a box goes: its top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Placed {
    /// Left column.
    pub x: usize,
    /// Top row.
    pub y: usize,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
}

impl Placed {
    /// The column edges attach to: the middle of the box.
    pub fn center(&self) -> usize {
        self.x + self.width / 2
    }

    /// The row below the box.
    pub fn bottom(&self) -> usize {
        self.y + self.height
    }
}

/// A vertical stretch of an edge: column `x`, rows `rows` (possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Column.
    pub x: usize,
    /// Rows, top first.
    pub rows: Range<usize>,
}

/// How an edge is drawn: vertical runs, top to bottom; between two consecutive runs the edge
/// crosses the gap rows from the first run's column to the second's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Index of the edge in the input.
    pub edge: usize,
    /// The runs: below the source box, through each layer crossed, above the target box.
    pub runs: Vec<Run>,
}

/// A finished layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Each box's place, in input order.
    pub boxes: Vec<Placed>,
    /// The route of every edge that is drawn (edges closing a cycle and self-loops are not).
    pub routes: Vec<Route>,
    /// Columns used.
    pub width: usize,
    /// Rows used.
    pub height: usize,
}

/// Lays out boxes of `sizes` joined by `edges` (source index, target index). Components are
/// stacked in ascending order of the largest `rank` of their nodes (the input order breaks
/// ties); `rank` has one entry per box (missing entries count as 0).
pub fn layout(sizes: &[Size], edges: &[(usize, usize)], rank: &[usize]) -> Layout {
    let n = sizes.len();
    let mut out = Layout {
        boxes: vec![Placed::default(); n],
        ..Layout::default()
    };
    let valid: Vec<(usize, (usize, usize))> = edges
        .iter()
        .copied()
        .enumerate()
        .filter(|&(_, (s, t))| s < n && t < n && s != t)
        .collect();
    let mut y = 0;
    for (i, component) in components(n, &valid, rank).into_iter().enumerate() {
        if i > 0 {
            y += COMPONENT_GAP;
        }
        let part = layout_component(sizes, &valid, &component);
        for (&node, placed) in component.iter().zip(&part.boxes) {
            out.boxes[node] = Placed {
                y: placed.y + y,
                ..*placed
            };
        }
        for mut route in part.routes {
            for run in &mut route.runs {
                run.rows = run.rows.start + y..run.rows.end + y;
            }
            out.routes.push(route);
        }
        out.width = out.width.max(part.width);
        y += part.height;
    }
    out.height = y;
    out.routes.sort_by_key(|r| r.edge);
    out
}

/// Weakly connected components, each sorted by node index, in drawing order.
fn components(n: usize, edges: &[(usize, (usize, usize))], rank: &[usize]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for &(_, (s, t)) in edges {
        let (a, b) = (find(&mut parent, s), find(&mut parent, t));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for node in 0..n {
        let root = find(&mut parent, node);
        groups.entry(root).or_default().push(node);
    }
    let mut list: Vec<Vec<usize>> = groups.into_values().collect();
    list.sort_by_key(|c| {
        let key = c
            .iter()
            .map(|&i| rank.get(i).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        (key, c[0])
    });
    list
}

/// A vertex of the layered graph: a box, or a waypoint of a long edge.
#[derive(Debug, Clone)]
struct Vertex {
    width: f64,
    height: usize,
    layer: usize,
    is_box: bool,
    up: Vec<usize>,
    down: Vec<usize>,
}

/// Lays out one component (`nodes`, sorted); boxes are returned in the order of `nodes`,
/// at y relative to the component's top, x from 0.
fn layout_component(sizes: &[Size], edges: &[(usize, (usize, usize))], nodes: &[usize]) -> Layout {
    let local: BTreeMap<usize, usize> = nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let m = nodes.len();
    // Edges of this component in local indices, duplicates dropped.
    let mut kept: Vec<(usize, usize, usize)> = Vec::new();
    for &(e, (s, t)) in edges {
        if let (Some(&a), Some(&b)) = (local.get(&s), local.get(&t))
            && !kept.iter().any(|&(_, x, y)| x == a && y == b)
        {
            kept.push((e, a, b));
        }
    }
    let kept = drop_cycle_edges(m, kept);
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); m];
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); m];
    for &(_, a, b) in &kept {
        succs[a].push(b);
        preds[b].push(a);
    }
    let layer = assign_layers(m, &preds, &succs);

    // The layered graph: boxes first (vertex i = local node i), then waypoints.
    let mut vertices: Vec<Vertex> = (0..m)
        .map(|i| Vertex {
            width: sizes[nodes[i]].width.max(1) as f64,
            height: sizes[nodes[i]].height,
            layer: layer[i],
            is_box: true,
            up: Vec::new(),
            down: Vec::new(),
        })
        .collect();
    let mut chains: Vec<(usize, Vec<usize>)> = Vec::with_capacity(kept.len());
    for &(e, a, b) in &kept {
        let mut chain = vec![a];
        for l in layer[a] + 1..layer[b] {
            vertices.push(Vertex {
                width: 1.0,
                height: 0,
                layer: l,
                is_box: false,
                up: Vec::new(),
                down: Vec::new(),
            });
            chain.push(vertices.len() - 1);
        }
        chain.push(b);
        for pair in chain.windows(2) {
            vertices[pair[0]].down.push(pair[1]);
            vertices[pair[1]].up.push(pair[0]);
        }
        chains.push((e, chain));
    }
    let depth = layer.iter().copied().max().map_or(0, |d| d + 1);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (v, vertex) in vertices.iter().enumerate() {
        layers[vertex.layer].push(v);
    }
    order_layers(&vertices, &mut layers);
    let centers = place_columns(&vertices, &layers);

    // Integer columns: boxes keep their gaps after rounding.
    let mut left: Vec<i64> = vec![0; vertices.len()];
    for row in &layers {
        let mut next_free: Option<i64> = None;
        let mut prev: Option<usize> = None;
        for &v in row {
            let w = vertices[v].width;
            // Round the centre, not the left edge: boxes centred on one column stay aligned.
            let mut x = centers[v].round() as i64 - (w as i64) / 2;
            if let (Some(free), Some(p)) = (next_free, prev) {
                let gap = gap_between(&vertices[p], &vertices[v]) as i64;
                x = x.max(free + gap);
            }
            left[v] = x;
            next_free = Some(x + w as i64);
            prev = Some(v);
        }
    }
    let min_left = left.iter().copied().min().unwrap_or(0);
    let column = |v: usize| (left[v] - min_left).max(0) as usize;

    // Rows: boxes of a layer share their top row.
    let heights: Vec<usize> = layers
        .iter()
        .map(|row| {
            row.iter()
                .map(|&v| vertices[v].height)
                .max()
                .unwrap_or(0)
                .max(1)
        })
        .collect();
    // Where an edge leaves or enters a vertex: a box's middle, a waypoint's column.
    let attach = |v: usize| {
        if v < m {
            column(v) + sizes[nodes[v]].width / 2
        } else {
            column(v)
        }
    };
    // The gap below each layer grows with the widest step an edge takes across it, so that
    // edges stay steep enough to follow.
    let mut gaps = vec![LAYER_GAP; depth];
    for (_, chain) in &chains {
        for pair in chain.windows(2) {
            let dx = attach(pair[0]).abs_diff(attach(pair[1]));
            let rows = dx.div_ceil(MAX_STEP).clamp(LAYER_GAP, MAX_LAYER_GAP);
            let g = &mut gaps[vertices[pair[0]].layer];
            *g = (*g).max(rows);
        }
    }
    let mut tops = Vec::with_capacity(depth);
    let mut y = 0;
    for (h, g) in heights.iter().zip(&gaps) {
        tops.push(y);
        y += h + g;
    }
    let height = tops.last().map_or(0, |t| t + heights[depth - 1]);

    let mut out = Layout {
        height,
        ..Layout::default()
    };
    for (i, &node) in nodes.iter().enumerate() {
        let size = sizes[node];
        out.boxes.push(Placed {
            x: column(i),
            y: tops[layer[i]],
            width: size.width,
            height: size.height,
        });
        out.width = out.width.max(column(i) + size.width);
    }
    for (e, chain) in chains {
        let mut runs = Vec::with_capacity(chain.len());
        for (k, &v) in chain.iter().enumerate() {
            let l = vertices[v].layer;
            let layer_rows = tops[l]..tops[l] + heights[l];
            let run = if k == 0 {
                let b = out.boxes[v];
                Run {
                    x: b.center(),
                    rows: b.bottom()..layer_rows.end,
                }
            } else if k + 1 == chain.len() {
                let b = out.boxes[v];
                Run {
                    x: b.center(),
                    rows: layer_rows.start..b.y,
                }
            } else {
                out.width = out.width.max(column(v) + 1);
                Run {
                    x: column(v),
                    rows: layer_rows,
                }
            };
            runs.push(run);
        }
        out.routes.push(Route { edge: e, runs });
    }
    out
}

/// Leaves out every edge that closes a cycle (found by depth-first search in node order).
fn drop_cycle_edges(m: usize, edges: Vec<(usize, usize, usize)>) -> Vec<(usize, usize, usize)> {
    let mut succs: Vec<Vec<(usize, usize)>> = vec![Vec::new(); m];
    for (i, &(_, a, b)) in edges.iter().enumerate() {
        succs[a].push((b, i));
    }
    // 0 = unseen, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; m];
    let mut back = vec![false; edges.len()];
    for start in 0..m {
        if state[start] != 0 {
            continue;
        }
        state[start] = 1;
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some(top) = stack.last_mut() {
            let (v, next) = *top;
            if let Some(&(w, e)) = succs[v].get(next) {
                top.1 += 1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    edges
        .into_iter()
        .zip(back)
        .filter(|(_, b)| !b)
        .map(|(e, _)| e)
        .collect()
}

/// Layer of each node in an acyclic graph: one below its deepest predecessor; a node without
/// predecessors sits just above its highest successor.
fn assign_layers(m: usize, preds: &[Vec<usize>], succs: &[Vec<usize>]) -> Vec<usize> {
    let mut indegree: Vec<usize> = preds.iter().map(Vec::len).collect();
    let mut ready: std::collections::BTreeSet<usize> =
        (0..m).filter(|&v| indegree[v] == 0).collect();
    let mut layer = vec![0usize; m];
    while let Some(v) = ready.pop_first() {
        for &w in &succs[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indegree[w] -= 1;
            if indegree[w] == 0 {
                ready.insert(w);
            }
        }
    }
    for v in 0..m {
        if preds[v].is_empty()
            && let Some(first) = succs[v].iter().map(|&w| layer[w]).min()
        {
            layer[v] = first.saturating_sub(1).max(layer[v]);
        }
    }
    layer
}

/// Orders each layer by barycentre sweeps, keeping the order with the fewest crossings.
fn order_layers(vertices: &[Vertex], layers: &mut [Vec<usize>]) {
    let mut best = layers.to_vec();
    let mut best_crossings = crossings(vertices, layers);
    for sweep in 0..ORDER_SWEEPS {
        if best_crossings == 0 {
            break;
        }
        let downward = sweep % 2 == 0;
        let order: Vec<usize> = if downward {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for l in order {
            let reference = if downward { l - 1 } else { l + 1 };
            let position: BTreeMap<usize, usize> = layers[reference]
                .iter()
                .enumerate()
                .map(|(i, &v)| (v, i))
                .collect();
            let mut keyed: Vec<(f64, usize)> = layers[l]
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let neighbours = if downward {
                        &vertices[v].up
                    } else {
                        &vertices[v].down
                    };
                    let at: Vec<f64> = neighbours
                        .iter()
                        .filter_map(|w| position.get(w))
                        .map(|&p| p as f64)
                        .collect();
                    let key = if at.is_empty() {
                        i as f64
                    } else {
                        at.iter().sum::<f64>() / at.len() as f64
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            layers[l] = keyed.into_iter().map(|(_, v)| v).collect();
        }
        let c = crossings(vertices, layers);
        if c < best_crossings {
            best_crossings = c;
            best = layers.to_vec();
        }
    }
    layers.clone_from_slice(&best);
}

/// Number of edge crossings between adjacent layers.
fn crossings(vertices: &[Vertex], layers: &[Vec<usize>]) -> usize {
    let mut total = 0;
    for pair in layers.windows(2) {
        let below: BTreeMap<usize, usize> =
            pair[1].iter().enumerate().map(|(i, &v)| (v, i)).collect();
        let mut segments: Vec<(usize, usize)> = Vec::new();
        for (i, &v) in pair[0].iter().enumerate() {
            for w in &vertices[v].down {
                if let Some(&j) = below.get(w) {
                    segments.push((i, j));
                }
            }
        }
        for (k, a) in segments.iter().enumerate() {
            for b in &segments[k + 1..] {
                if (a.0 < b.0 && a.1 > b.1) || (a.0 > b.0 && a.1 < b.1) {
                    total += 1;
                }
            }
        }
    }
    total
}

/// Minimum columns between two neighbours of a layer.
fn gap_between(a: &Vertex, b: &Vertex) -> f64 {
    match (a.is_box, b.is_box) {
        (true, true) => BOX_GAP,
        (false, false) => WAYPOINT_GAP,
        _ => WAYPOINT_BOX_GAP,
    }
}

/// The centre column of every vertex (fractional; any origin).
fn place_columns(vertices: &[Vertex], layers: &[Vec<usize>]) -> Vec<f64> {
    let mut center = vec![0.0f64; vertices.len()];
    for row in layers {
        let offsets = offsets(vertices, row);
        for (&v, o) in row.iter().zip(offsets) {
            center[v] = o;
        }
    }
    let mean_of = |center: &[f64], list: &[usize]| -> Option<f64> {
        (!list.is_empty()).then(|| list.iter().map(|&w| center[w]).sum::<f64>() / list.len() as f64)
    };
    for pass in 0..PLACEMENT_PASSES * 2 + 1 {
        let downward = pass % 2 == 0;
        let order: Vec<usize> = if downward {
            (0..layers.len()).collect()
        } else {
            (0..layers.len()).rev().collect()
        };
        for l in order {
            let row = &layers[l];
            let desired: Vec<f64> = row
                .iter()
                .map(|&v| {
                    let list = if downward {
                        &vertices[v].up
                    } else {
                        &vertices[v].down
                    };
                    mean_of(&center, list).unwrap_or(center[v])
                })
                .collect();
            let placed = fit(&offsets(vertices, row), &desired);
            for (&v, c) in row.iter().zip(placed) {
                center[v] = c;
            }
        }
    }
    center
}

/// Centre of each vertex of `row` when packed from 0 with the minimum gaps.
fn offsets(vertices: &[Vertex], row: &[usize]) -> Vec<f64> {
    let mut out = Vec::with_capacity(row.len());
    let mut at = 0.0;
    for (i, &v) in row.iter().enumerate() {
        if i > 0 {
            let p = row[i - 1];
            at += vertices[p].width / 2.0
                + gap_between(&vertices[p], &vertices[v])
                + vertices[v].width / 2.0;
        }
        out.push(at);
    }
    out
}

/// Centres as close as possible (least squares) to `desired` with each centre at least
/// `offsets[i] - offsets[i - 1]` right of the previous one: with `y = c - offset` the
/// constraint is `y` non-decreasing, an isotonic regression of `desired - offset`, solved by
/// pooling adjacent violators.
fn fit(offsets: &[f64], desired: &[f64]) -> Vec<f64> {
    // Blocks of (sum, count).
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(desired.len());
    for (d, o) in desired.iter().zip(offsets) {
        blocks.push((d - o, 1));
        while blocks.len() > 1 {
            let (s2, n2) = blocks[blocks.len() - 1];
            let (s1, n1) = blocks[blocks.len() - 2];
            if s1 / n1 as f64 <= s2 / n2 as f64 {
                break;
            }
            blocks.pop();
            if let Some(last) = blocks.last_mut() {
                *last = (s1 + s2, n1 + n2);
            }
        }
    }
    let mut out = Vec::with_capacity(desired.len());
    for (s, n) in blocks {
        for _ in 0..n {
            out.push(s / n as f64 + offsets[out.len()]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxes(widths: &[usize]) -> Vec<Size> {
        widths
            .iter()
            .map(|&width| Size { width, height: 3 })
            .collect()
    }

    #[test]
    fn a_chain_is_one_straight_column() {
        let l = layout(&boxes(&[8, 19, 9]), &[(0, 1), (1, 2)], &[]);
        let centers: Vec<usize> = l.boxes.iter().map(Placed::center).collect();
        assert!(centers.iter().all(|&c| c == centers[0]), "{centers:?}");
        assert_eq!(l.boxes.iter().map(|b| b.y).collect::<Vec<_>>(), [0, 6, 12]);
        assert_eq!(l.height, 15);
        assert_eq!(l.width, 19);
        // Each edge leaves the bottom of its source and arrives at the top of its target.
        assert_eq!(l.routes.len(), 2);
        let r = &l.routes[0];
        assert_eq!(r.runs.first().map(|x| x.x), Some(l.boxes[0].center()));
        assert_eq!(r.runs.last().map(|x| x.rows.end), Some(l.boxes[1].y));
    }

    #[test]
    fn fan_out_children_share_a_layer_and_do_not_overlap() {
        let l = layout(&boxes(&[6, 10, 10, 10]), &[(0, 1), (0, 2), (0, 3)], &[]);
        let kids = &l.boxes[1..];
        assert!(kids.iter().all(|b| b.y == kids[0].y));
        let mut xs: Vec<(usize, usize)> = kids.iter().map(|b| (b.x, b.x + b.width)).collect();
        xs.sort();
        for w in xs.windows(2) {
            assert!(w[0].1 + BOX_GAP as usize <= w[1].0, "{xs:?}");
        }
        // The parent sits above the middle child.
        let mid = (kids.iter().map(Placed::center).sum::<usize>()) / 3;
        assert!(l.boxes[0].center().abs_diff(mid) <= 1);
    }

    #[test]
    fn long_edges_get_waypoints_and_sources_move_down() {
        // 0 -> 1 -> 2 -> 3, and 4 -> 3 (4 has no predecessor: drawn just above 3), 0 -> 3.
        let l = layout(
            &boxes(&[5, 5, 5, 5, 5]),
            &[(0, 1), (1, 2), (2, 3), (4, 3), (0, 3)],
            &[],
        );
        assert_eq!(l.boxes[4].y, l.boxes[2].y);
        let long = l.routes.iter().find(|r| r.edge == 4).expect("routed");
        // Source run, a waypoint in each of the two layers crossed, target run.
        assert_eq!(long.runs.len(), 4);
        for run in &long.runs[1..3] {
            assert!(!run.rows.is_empty());
            // The waypoint does not cross a box.
            for b in &l.boxes {
                let inside_cols = run.x >= b.x && run.x < b.x + b.width;
                let inside_rows = run.rows.start < b.y + b.height && b.y < run.rows.end;
                assert!(!(inside_cols && inside_rows), "{run:?} crosses {b:?}");
            }
        }
    }

    #[test]
    fn components_stack_by_rank_and_cycles_are_broken() {
        // Component {0, 1} has rank 5, component {2, 3} rank 1: the second is drawn first.
        let l = layout(
            &boxes(&[4, 4, 4, 4]),
            &[(0, 1), (1, 0), (2, 3)],
            &[5, 0, 1, 0],
        );
        assert_eq!(l.boxes[2].y, 0);
        assert_eq!(l.boxes[0].y, 6 + 3 + COMPONENT_GAP);
        // The edge closing the cycle is not drawn.
        assert_eq!(l.routes.iter().map(|r| r.edge).collect::<Vec<_>>(), [0, 2]);
    }

    #[test]
    fn barycentre_ordering_removes_avoidable_crossings() {
        // 4 -> 0, 4 -> 1, 0 -> 3, 1 -> 2: in input order 0 -> 3 and 1 -> 2 cross; ordering
        // the bottom layer uncrosses them.
        let l = layout(
            &boxes(&[4, 4, 4, 4, 4]),
            &[(0, 3), (1, 2), (4, 0), (4, 1)],
            &[],
        );
        let (a, b) = (l.boxes[0].center(), l.boxes[1].center());
        let (c, d) = (l.boxes[3].center(), l.boxes[2].center());
        assert_eq!(l.boxes[2].y, l.boxes[3].y);
        assert_eq!(a < b, c < d, "edges 0->3 and 1->2 cross");
    }

    #[test]
    fn gaps_grow_with_how_far_edges_go_sideways() {
        let narrow = layout(&boxes(&[4, 6, 6]), &[(0, 1), (0, 2)], &[]);
        assert_eq!(narrow.boxes[1].y - narrow.boxes[0].bottom(), LAYER_GAP);
        let wide = layout(&boxes(&[4, 40, 40]), &[(0, 1), (0, 2)], &[]);
        let dx = wide.boxes[0].center().abs_diff(wide.boxes[1].center());
        assert!(dx > 3 * MAX_STEP, "{dx}");
        assert_eq!(
            wide.boxes[1].y - wide.boxes[0].bottom(),
            dx.div_ceil(MAX_STEP)
        );
        let far = layout(&boxes(&[4, 200, 200]), &[(0, 1), (0, 2)], &[]);
        assert_eq!(far.boxes[1].y - far.boxes[0].bottom(), MAX_LAYER_GAP);
    }

    #[test]
    fn fit_respects_gaps_and_pools_violators() {
        // Both want 10 but must be 6 apart: they straddle 10.
        let c = fit(&[0.0, 6.0], &[10.0, 10.0]);
        assert_eq!(c, vec![7.0, 13.0]);
        // Enough room: each gets what it wants.
        let c = fit(&[0.0, 6.0], &[0.0, 20.0]);
        assert_eq!(c, vec![0.0, 20.0]);
    }
}
