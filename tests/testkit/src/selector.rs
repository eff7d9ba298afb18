//! Label and field selectors, with the API server's syntax and error messages.

use serde_json::Value;

/// What a list or watch selects: a namespace (or all), a field and a label selector.
#[derive(Clone, Debug, Default)]
pub(crate) struct Filter {
    pub namespace: Option<String>,
    pub fields: FieldSelector,
    pub labels: LabelSelector,
}

impl Filter {
    pub(crate) fn matches(&self, object: &Value) -> bool {
        let namespace = object.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("");
        self.namespace.as_deref().is_none_or(|ns| ns == namespace)
            && self.fields.matches(object)
            && self.labels.matches(object)
    }
}

/// One requirement of a label selector.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed `labelSelector`: every requirement must hold (an empty selector matches everything).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    /// Parses equality-based (`a=b`, `a==b`, `a!=b`) and set-based (`a in (x,y)`, `a notin (x)`,
    /// `a`, `!a`) requirements, separated by commas.
    pub(crate) fn parse(raw: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for term in split_top_level(raw) {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(term)?);
        }
        Ok(Self(requirements))
    }

    pub(crate) fn matches(&self, object: &Value) -> bool {
        let labels = object.pointer("/metadata/labels");
        let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
        self.0.iter().all(|requirement| match requirement {
            Requirement::Equals(k, v) => label(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => label(k) != Some(v.as_str()),
            Requirement::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::NotIn(k, vs) => !label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::Exists(k) => label(k).is_some(),
            Requirement::NotExists(k) => label(k).is_none(),
        })
    }
}

/// Splits on commas outside parentheses.
fn split_top_level(raw: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in raw.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&raw[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&raw[start..]);
    parts
}

fn parse_requirement(term: &str) -> Result<Requirement, String> {
    let invalid = |why: &str| format!("unable to parse requirement: {why}: {term:?}");
    if let Some(key) = term.strip_prefix('!') {
        return Ok(Requirement::NotExists(valid_key(key.trim()).map_err(|e| invalid(&e))?));
    }
    if let Some(open) = term.find('(') {
        let close = term
            .rfind(')')
            .filter(|&c| c > open && term[c + 1..].trim().is_empty())
            .ok_or_else(|| invalid("expected ')'"))?;
        let mut words = term[..open].split_whitespace();
        let (Some(key), Some(op), None) = (words.next(), words.next(), words.next()) else {
            return Err(invalid("expected a key and an operator before '('"));
        };
        let key = valid_key(key).map_err(|e| invalid(&e))?;
        let values: Vec<String> =
            term[open + 1..close].split(',').map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).collect();
        for value in &values {
            valid_value(value).map_err(|e| invalid(&e))?;
        }
        return match op {
            "in" => Ok(Requirement::In(key, values)),
            "notin" => Ok(Requirement::NotIn(key, values)),
            other => Err(invalid(&format!("unknown operator {other:?}"))),
        };
    }
    for (op, negated) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((key, value)) = term.split_once(op) {
            let key = valid_key(key.trim()).map_err(|e| invalid(&e))?;
            let value = valid_value(value.trim()).map_err(|e| invalid(&e))?;
            return Ok(if negated {
                Requirement::NotEquals(key, value)
            } else {
                Requirement::Equals(key, value)
            });
        }
    }
    if term.contains(['<', '>']) {
        return Err(invalid("the fake API server does not support '<' and '>'"));
    }
    Ok(Requirement::Exists(valid_key(term).map_err(|e| invalid(&e))?))
}

fn valid_key(key: &str) -> Result<String, String> {
    let ok = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok { Ok(key.to_owned()) } else { Err(format!("invalid label key {key:?}")) }
}

/// A label value as kube-apiserver validates one in a selector: empty, or at most 63 characters
/// of alphanumerics, `-`, `_` and `.`, starting and ending with an alphanumeric.
fn valid_value(value: &str) -> Result<String, String> {
    let edges = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let ok = value.is_empty()
        || (value.len() <= 63
            && edges(value.chars().next())
            && edges(value.chars().last())
            && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "invalid label value: {value:?}: a valid label must be an empty string or consist of alphanumeric \
             characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        ))
    }
}

/// A parsed `fieldSelector`: `field=value`, `field==value` and `field!=value`, comma-separated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    /// Parses a field selector, accepting only the fields in `supported` (others fail with the
    /// API server's `field label not supported: X`).
    pub(crate) fn parse(raw: &str, supported: &[&str]) -> Result<Self, String> {
        let mut terms = Vec::new();
        for term in split_unescaped(raw, ',') {
            if term.trim().is_empty() {
                continue;
            }
            let (field, equal, value) = if let Some((f, v)) = split_once_unescaped(&term, "!=") {
                (f, false, v)
            } else if let Some((f, v)) = split_once_unescaped(&term, "==") {
                (f, true, v)
            } else if let Some((f, v)) = split_once_unescaped(&term, "=") {
                (f, true, v)
            } else {
                return Err(format!("invalid selector: '{raw}'; can't understand '{term}'"));
            };
            let field = field.trim().to_owned();
            if !supported.contains(&field.as_str()) {
                return Err(format!("field label not supported: {field}"));
            }
            terms.push((field, equal, unescape(&value)));
        }
        Ok(Self(terms))
    }

    pub(crate) fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|(field, equal, value)| (field_value(object, field) == *value) == *equal)
    }

    /// The value required for `field` by an equality term, e.g. `metadata.name`.
    #[cfg(test)]
    fn required(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, equal, _)| f == field && *equal).map(|(_, _, v)| v.as_str())
    }
}

/// The string form of a field of `object` (`""` when absent), as field selectors compare it.
fn field_value(object: &Value, field: &str) -> String {
    let path = match field {
        // Events' `source` selects on the reporting component.
        "source" => "source.component",
        other => other,
    };
    let mut current = object;
    for part in path.split('.') {
        match current.get(part) {
            Some(next) => current = next,
            None => return String::new(),
        }
    }
    match current {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn split_unescaped(raw: &str, separator: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        let part = parts.last_mut().expect("never empty");
        if c == '\\' {
            part.push(c);
            if let Some(next) = chars.next() {
                part.push(next);
            }
        } else if c == separator {
            parts.push(String::new());
        } else {
            part.push(c);
        }
    }
    parts
}

fn split_once_unescaped(term: &str, op: &str) -> Option<(String, String)> {
    let bytes = term.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if term[i..].starts_with(op) {
            return Some((term[..i].to_owned(), term[i + op.len()..].to_owned()));
        }
        i += 1;
    }
    None
}

fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors() {
        let pod = json!({"metadata": {"labels": {"app.kubernetes.io/part-of": "init-container-lab", "tier": "web"}}});
        let yes = [
            "",
            "app.kubernetes.io/part-of=init-container-lab",
            "app.kubernetes.io/part-of==init-container-lab,tier",
            "tier in (web, db),!missing",
            "tier notin (db),missing!=x",
        ];
        for s in yes {
            assert!(LabelSelector::parse(s).unwrap().matches(&pod), "{s}");
        }
        let no = ["tier=db", "missing", "!tier", "tier notin (web)", "tier in (db)"];
        for s in no {
            assert!(!LabelSelector::parse(s).unwrap().matches(&pod), "{s}");
        }
        assert!(LabelSelector::parse("a b").is_err());
        assert!(LabelSelector::parse("a in (x").is_err());
        // Values are validated as kube-apiserver validates them.
        for bad in ["x=1&watch=true?", "x!=-a", "x in (a, b c)", &format!("x={}", "a".repeat(64))] {
            assert!(LabelSelector::parse(bad).unwrap_err().contains("invalid label value"), "{bad}");
        }
        assert!(LabelSelector::parse("x=,y in (a.b, c_d)").is_ok());
    }

    #[test]
    fn field_selectors() {
        let pod = json!({"metadata": {"name": "init-demo", "namespace": "experiments"}, "status": {"phase": "Running"}});
        let fields = ["metadata.name", "metadata.namespace", "status.phase"];
        let sel = FieldSelector::parse("metadata.name=init-demo,status.phase!=Pending", &fields).unwrap();
        assert!(sel.matches(&pod));
        assert_eq!(sel.required("metadata.name"), Some("init-demo"));
        let sel = FieldSelector::parse("metadata.name==other", &fields).unwrap();
        assert!(!sel.matches(&pod));
        assert_eq!(
            FieldSelector::parse("spec.foo=1", &fields).unwrap_err(),
            "field label not supported: spec.foo"
        );
        let sel = FieldSelector::parse(r"metadata.name=a\,b", &fields).unwrap();
        assert_eq!(sel.required("metadata.name"), Some("a,b"));
    }
}
