//! Partial matching of a live object against an expected part of it, in the manner of
//! chainsaw's `assert`: the expected YAML is a subset that must be found in the object.
//!
//! No I/O: a [`serde_json::Value`] from the cluster and the spec's `match:` in, the mismatches
//! out, each with the JSON path where it was found.
//!
//! # Rules
//!
//! - **Maps** match when every expected key is present in the live map and its value matches;
//!   keys the expectation does not name are ignored. A missing key is a mismatch at its path,
//!   except that an expected `null` matches a missing key (and a `null` value): `deletionTimestamp:
//!   null` reads "not being deleted".
//! - **Scalars** match when equal: strings to strings, booleans to booleans, numbers by value
//!   (`2` matches `2.0`). A number also matches a string that spells the same number and the
//!   other way round (`cpu: 1` matches `"1"`, `targetPort: "80"` matches `80`), because the API
//!   server writes quantities and int-or-string fields in either form. Nothing else converts:
//!   `true` does not match `"true"`, and `0` does not match `null`.
//! - **Lists** match as an ordered subset: each expected element must match a live element, and
//!   the live elements matched must come in the same order as the expected ones; live elements
//!   in between, before or after are allowed. So `containers: [{name: app}]` holds when one of
//!   the containers is `app`, also on a cluster whose admission webhooks inject sidecars, and
//!   `initContainers: [{name: a}, {name: b}]` holds when `a` runs before `b`. An empty expected
//!   list matches any list. (Chainsaw compares lists element by element with equal lengths; a
//!   learner's cluster that is not ours may add elements, so the subset reading is the one that
//!   does not fail them for it. A check that needs an exact list of containers has the pod kind
//!   `containers`.) Elements are matched greedily, each to the first live element after the
//!   previous match that matches it, which finds an ordered match whenever one exists.
//! - **Comparisons**: a map of operators in place of a scalar, `restartCount: {">=": 2}` or
//!   `{">": 0, "<": 10}` ([`lab_spec::comparison`]), matches a number (or a string spelling one)
//!   for which every comparison holds. A missing key is a mismatch, as for a scalar.
//! - A **type mismatch** (a map expected, a string found) is a mismatch at that path.
//!
//! When a list element matches no live element, the mismatches reported are those of the
//! closest live candidate (the fewest mismatches; on a tie, the one that differs deepest, i.e.
//! agrees on the keys that tell elements apart, such as `name`; then the same index), so that
//! the learner
//! reads `.spec.template.spec.initContainers[0].image: expected "busybox:1.36.1", found
//! "busybox:latest"` rather than "no element matches".

use std::cmp::Ordering;
use std::fmt;

use lab_spec::CompareOp;
use serde_json::Value;

/// One step of a path into an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Where in the object a mismatch is: `.spec.template.spec.initContainers[0].image`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path(pub Vec<Segment>);

impl Path {
    fn key(&self, key: &str) -> Path {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_string()));
        Path(segments)
    }

    fn index(&self, index: usize) -> Path {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        Path(segments)
    }

    /// Whether the path lies under the object's `status`, which controllers write.
    pub fn under_status(&self) -> bool {
        self.0.first() == Some(&Segment::Key("status".into()))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return write!(f, ".");
        }
        for segment in &self.0 {
            match segment {
                Segment::Key(key) if is_plain_key(key) => write!(f, ".{key}")?,
                Segment::Key(key) => write!(f, "[{}]", Value::String(key.clone()))?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// A key that reads unambiguously after a dot: `initContainers`, not `app.kubernetes.io/name`.
fn is_plain_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// What was found where the expectation did not hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// The key is not in the live map.
    Missing,
    /// A different value (or a value of another type).
    Value(Value),
    /// No live element is left to match an expected list element; the list has this length.
    NoElement { len: usize },
}

/// One place where the live object differs from the expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub path: Path,
    pub expected: Value,
    pub found: Found,
}

/// Every mismatch of `live` against `expected`, in document order (empty when it matches).
pub fn mismatches(expected: &Value, live: &Value) -> Vec<Mismatch> {
    let mut out = Vec::new();
    compare(expected, live, &Path::default(), &mut out);
    out
}

/// Whether `live` contains `expected`.
pub fn matches(expected: &Value, live: &Value) -> bool {
    mismatches(expected, live).is_empty()
}

fn compare(expected: &Value, live: &Value, path: &Path, out: &mut Vec<Mismatch>) {
    let differ = |out: &mut Vec<Mismatch>| {
        out.push(Mismatch {
            path: path.clone(),
            expected: expected.clone(),
            found: Found::Value(live.clone()),
        })
    };
    if let Some(Ok(bounds)) = lab_spec::comparison(expected) {
        if !compares(&bounds, live) {
            differ(out);
        }
        return;
    }
    match (expected, live) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, want) in want {
                match have.get(key) {
                    Some(have) => compare(want, have, &path.key(key), out),
                    None if want.is_null() => {}
                    None => out.push(Mismatch {
                        path: path.key(key),
                        expected: want.clone(),
                        found: Found::Missing,
                    }),
                }
            }
        }
        (Value::Array(want), Value::Array(have)) => compare_lists(want, have, path, out),
        (Value::Object(_) | Value::Array(_), _) => differ(out),
        (_, _) if scalars_equal(expected, live) => {}
        _ => differ(out),
    }
}

/// Ordered-subset matching of a list: see the module docs.
fn compare_lists(want: &[Value], have: &[Value], path: &Path, out: &mut Vec<Mismatch>) {
    let mut next = 0;
    for (i, element) in want.iter().enumerate() {
        if let Some(found) = (next..have.len()).find(|&j| matches(element, &have[j])) {
            next = found + 1;
            continue;
        }
        // The closest candidate among those still free: fewest mismatches, then the one whose
        // shallowest mismatch lies deepest (it agrees on the outer keys that tell elements
        // apart, a `name` or a `hostname`), then the same index.
        let closest = (next..have.len())
            .map(|j| {
                let mut found = Vec::new();
                compare(element, &have[j], &path.index(j), &mut found);
                let shallowest = found.iter().map(|m| m.path.0.len()).min().unwrap_or(0);
                (found.len(), std::cmp::Reverse(shallowest), usize::from(j != i), j, found)
            })
            .min_by_key(|(count, depth, other_index, j, _)| (*count, *depth, *other_index, *j));
        match closest {
            Some((_, _, _, _, found)) => out.extend(found),
            None => out.push(Mismatch {
                path: path.index(i),
                expected: element.clone(),
                found: Found::NoElement { len: have.len() },
            }),
        }
    }
}

/// Scalar equality with the number/string rule of the module docs.
fn scalars_equal(expected: &Value, live: &Value) -> bool {
    match (expected, live) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Number(a), Value::Number(b)) => numbers_equal(a, b),
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            spelled_number(s).is_some_and(|parsed| numbers_equal(n, &parsed))
        }
        _ => false,
    }
}

fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    order(a, b) == Some(Ordering::Equal)
}

/// How two numbers compare: exactly for integers, as floats otherwise.
fn order(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
        (Some(x), Some(y), _, _) => Some(x.cmp(&y)),
        (_, _, Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// Whether a live value is a number (or spells one) for which every comparison holds.
fn compares(bounds: &[(CompareOp, serde_json::Number)], live: &Value) -> bool {
    let number = match live {
        Value::Number(n) => n.clone(),
        Value::String(s) => match spelled_number(s) {
            Some(n) => n,
            None => return false,
        },
        _ => return false,
    };
    bounds.iter().all(|(op, bound)| order(&number, bound).is_some_and(|o| op.holds(o)))
}

/// A string that is a plain decimal number (`80`, `-1`, `0.5`), as a JSON number.
fn spelled_number(text: &str) -> Option<serde_json::Number> {
    let plain = !text.is_empty()
        && text.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'))
        && text.chars().any(|c| c.is_ascii_digit());
    if !plain {
        return None;
    }
    match serde_json::from_str::<Value>(text).ok()? {
        Value::Number(n) => Some(n),
        _ => None,
    }
}

/// A value as a report shows it: compact JSON, cut after `max` characters; a comparison as
/// `≥ 2` (`> 0, < 10`).
pub fn show(value: &Value, max: usize) -> String {
    let text = match lab_spec::comparison(value) {
        Some(Ok(bounds)) => {
            bounds.iter().map(|(op, n)| format!("{} {n}", op.symbol())).collect::<Vec<_>>().join(", ")
        }
        _ => value.to_string(),
    };
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests;
