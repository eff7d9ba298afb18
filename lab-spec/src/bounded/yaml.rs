//! A bound on what a YAML text may become before serde_yaml reads it.
//!
//! serde_yaml keeps every event of a document in memory and expands each alias (`*name`) into a
//! copy of the node it names, so a small file of nested aliases ("billion laughs") or a long list
//! of `{}` that each become a 2 KiB `Pod` can take gigabytes. This pre-pass streams the text's
//! events through a second, streaming parser (`saphyr-parser`, which keeps only the nesting and
//! the size of each anchored node) and refuses the text as soon as it, or what its aliases expand
//! to, exceeds the [`YamlLimits`]. A learner's `kubectl get -o yaml` output or `checker snapshot`
//! has no aliases at all, so the limits only ever meet hostile or accidental input.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser};

use crate::Text;

/// What one YAML text may hold, counted with its aliases expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YamlLimits {
    /// Events as written (scalars, starts and ends of collections, aliases): serde_yaml keeps
    /// them all in memory.
    pub events: u64,
    /// Nodes (scalars and collections) once every alias is replaced by what it names.
    pub nodes: u64,
    /// Mappings once expanded: each may become a large typed object (a `Pod` is 2.4 KiB, a
    /// `Volume` 3.3 KiB, however little the mapping says).
    pub mappings: u64,
    /// Bytes of scalar text once expanded.
    pub scalar_bytes: u64,
    /// Collections inside collections.
    pub depth: usize,
}

/// Why a text was refused: a syntax error at a line, or a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not YAML; `line` is 1-based.
    Syntax { line: usize, reason: String },
    /// Too large or too deep once expanded: which limit, and what that means in both languages
    /// ("its aliases (*name) expand to more than 100000 nodes").
    Limit { limit: Limit, why: Text },
}

/// The limit of [`YamlLimits`] a text passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Events,
    Nodes,
    Mappings,
    ScalarBytes,
    Depth,
}

fn refuse(limit: Limit, zh: String, en: String) -> Refusal {
    Refusal::Limit { limit, why: Text { zh, en } }
}

/// The size of a node (or of everything read so far), aliases expanded.
#[derive(Debug, Default, Clone, Copy)]
struct Size {
    nodes: u64,
    mappings: u64,
    bytes: u64,
}

impl Size {
    fn add(&mut self, other: Size) {
        self.nodes = self.nodes.saturating_add(other.nodes);
        self.mappings = self.mappings.saturating_add(other.mappings);
        self.bytes = self.bytes.saturating_add(other.bytes);
    }

    fn since(self, start: Size) -> Size {
        Size {
            nodes: self.nodes.saturating_sub(start.nodes),
            mappings: self.mappings.saturating_sub(start.mappings),
            bytes: self.bytes.saturating_sub(start.bytes),
        }
    }
}

/// Checks `text` against `limits` without building anything: memory in proportion to the
/// nesting depth and the number of anchors, time in proportion to the text (it stops at the
/// first limit passed).
pub fn check_yaml(text: &str, limits: &YamlLimits) -> Result<(), Refusal> {
    let mut total = Size::default();
    let mut events: u64 = 0;
    // Open collections: their anchor (0 for none) and the total when they started.
    let mut open: Vec<(usize, Size)> = Vec::new();
    let mut anchors: HashMap<usize, Size> = HashMap::new();
    for next in Parser::new_from_str(text) {
        let (event, _span) = next.map_err(|e| Refusal::Syntax {
            line: e.marker().line(),
            reason: e.info().lines().next().unwrap_or_default().to_string(),
        })?;
        events += 1;
        match event {
            Event::Scalar(value, _, anchor, _) => {
                let size = Size { nodes: 1, mappings: 0, bytes: value.len() as u64 };
                total.add(size);
                if anchor > 0 {
                    anchors.insert(anchor, size);
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let mapping = matches!(event, Event::MappingStart(..));
                open.push((anchor, total));
                total.add(Size { nodes: 1, mappings: u64::from(mapping), bytes: 0 });
                if open.len() > limits.depth {
                    let depth = limits.depth;
                    return Err(refuse(
                        Limit::Depth,
                        format!("嵌套超过 {depth} 层"),
                        format!("it is nested more than {depth} levels deep"),
                    ));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = open.pop()
                    && anchor > 0
                {
                    anchors.insert(anchor, total.since(start));
                }
            }
            // An alias of a node still open (a recursive alias) is refused by serde_yaml; count
            // it as one node here.
            Event::Alias(id) => {
                total.add(anchors.get(&id).copied().unwrap_or(Size { nodes: 1, ..Size::default() }))
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => {}
        }
        over_limit(events, total, limits)?;
    }
    Ok(())
}

fn over_limit(events: u64, total: Size, limits: &YamlLimits) -> Result<(), Refusal> {
    if events > limits.events {
        let n = limits.events;
        return Err(refuse(
            Limit::Events,
            format!("YAML 节点超过 {n} 个"),
            format!("it has more than {n} YAML nodes"),
        ));
    }
    if total.nodes > limits.nodes {
        let n = limits.nodes;
        return Err(refuse(
            Limit::Nodes,
            format!("别名（*name）展开后超过 {n} 个节点"),
            format!("its aliases (*name) expand to more than {n} nodes"),
        ));
    }
    if total.mappings > limits.mappings {
        let n = limits.mappings;
        return Err(refuse(
            Limit::Mappings,
            format!("映射（对象）超过 {n} 个（别名展开后）"),
            format!("it has more than {n} mappings (objects), aliases expanded"),
        ));
    }
    if total.bytes > limits.scalar_bytes {
        let size = super::format_size(limits.scalar_bytes);
        return Err(refuse(
            Limit::ScalarBytes,
            format!("文本展开后超过 {size}（别名展开后）"),
            format!("its text expands to more than {size}, aliases expanded"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: YamlLimits =
        YamlLimits { events: 1000, nodes: 1000, mappings: 100, scalar_bytes: 10_000, depth: 10 };

    fn refusal(text: &str) -> String {
        match check_yaml(text, &SMALL) {
            Ok(()) => String::new(),
            Err(Refusal::Syntax { line, reason }) => format!("syntax:{line}: {reason}"),
            Err(Refusal::Limit { why, .. }) => why.en,
        }
    }

    #[test]
    fn plain_documents_pass() {
        assert_eq!(refusal("kind: Pod\nmetadata:\n  name: a\nitems: [1, 2, {a: b}]\n"), "");
        assert_eq!(refusal(""), "");
        // Aliases within the limits are fine.
        assert_eq!(refusal("a: &x [1, 2]\nb: *x\nc: *x\n"), "");
    }

    #[test]
    fn alias_bombs_are_refused_early() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = i - 1;
            bomb.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        assert!(
            refusal(&bomb).contains("aliases (*name) expand to more than 1000 nodes"),
            "{}",
            refusal(&bomb)
        );
        let maps = format!("a: &m {{k: v}}\nb: [{}]\n", vec!["*m"; 200].join(", "));
        assert!(refusal(&maps).contains("more than 100 mappings"), "{}", refusal(&maps));
        let text = format!("a: &s {}\nb: [*s, *s, *s]\n", "x".repeat(3000));
        assert!(refusal(&text).contains("expands to more than"), "{}", refusal(&text));
    }

    #[test]
    fn size_and_depth_are_bounded_without_aliases() {
        let list = format!("[{}]", vec!["{}"; 600].join(","));
        assert!(refusal(&list).contains("more than 1000 YAML nodes") || refusal(&list).contains("mappings"));
        let deep = format!("{}{}", "[".repeat(50), "]".repeat(50));
        assert!(refusal(&deep).contains("nested more than 10 levels"), "{}", refusal(&deep));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let r = refusal("kind: Pod\nmetadata: [1, 2\n");
        assert!(r.starts_with("syntax:"), "{r}");
    }
}
