//! Kubernetes versions as a step needs them: a minor version such as `1.29`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Kubernetes minor version, `1.29`: the oldest API server a step can pass on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MinorVersion {
    pub major: u32,
    pub minor: u32,
}

impl MinorVersion {
    pub const fn new(major: u32, minor: u32) -> MinorVersion {
        MinorVersion { major, minor }
    }

    /// The minor version of a version as servers and clients report it: `v1.30.2`,
    /// `v1.29.1-eks-508b6b3`, `v1.28.9+k3s1`, `v1.32.4-dispatcher`, or plainly `1.29`.
    pub fn parse(text: &str) -> Option<MinorVersion> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let mut parts = text.splitn(3, '.');
        let major = parts.next()?.parse().ok()?;
        // `29`, or `29-gke.100` / `29+` when there is no patch number.
        let minor_part = parts.next()?;
        let digits: String = minor_part.chars().take_while(char::is_ascii_digit).collect();
        let minor = digits.parse().ok()?;
        Some(MinorVersion { major, minor })
    }

    /// How many minor versions apart two versions are (of the same major version).
    pub fn minors_apart(self, other: MinorVersion) -> u32 {
        match self.major == other.major {
            true => self.minor.abs_diff(other.minor),
            false => u32::MAX,
        }
    }
}

impl fmt::Display for MinorVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Serialize for MinorVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MinorVersion {
    /// In a spec the version is written exactly `MAJOR.MINOR`, quoted (`"1.29"`): unquoted, YAML
    /// reads `1.30` as the number 1.3.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SpecVersion)
    }
}

struct SpecVersion;

impl serde::de::Visitor<'_> for SpecVersion {
    type Value = MinorVersion;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes minor version such as \"1.29\", quoted")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<MinorVersion, E> {
        let exact = text.split_once('.').is_some_and(|(major, minor)| {
            [major, minor].iter().all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        });
        match (exact, MinorVersion::parse(text)) {
            (true, Some(version)) => Ok(version),
            _ => Err(E::custom(format!("`{text}` is not a Kubernetes minor version such as \"1.29\""))),
        }
    }

    fn visit_f64<E: serde::de::Error>(self, number: f64) -> Result<MinorVersion, E> {
        Err(E::custom(format!(
            "the version {number} is a number: quote it (\"1.30\"), or YAML reads 1.30 as 1.3"
        )))
    }

    fn visit_u64<E: serde::de::Error>(self, number: u64) -> Result<MinorVersion, E> {
        Err(E::custom(format!("`{number}` is not a Kubernetes minor version such as \"1.29\"")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_as_servers_report_them() {
        let v = |major, minor| Some(MinorVersion::new(major, minor));
        assert_eq!(MinorVersion::parse("v1.30.2"), v(1, 30));
        assert_eq!(MinorVersion::parse("v1.29.1-eks-508b6b3"), v(1, 29));
        assert_eq!(MinorVersion::parse("v1.28.9+k3s1"), v(1, 28));
        assert_eq!(MinorVersion::parse("v1.32.4-dispatcher"), v(1, 32));
        assert_eq!(MinorVersion::parse("1.29"), v(1, 29));
        assert_eq!(MinorVersion::parse("1.29+"), v(1, 29));
        assert_eq!(MinorVersion::parse("v1"), None);
        assert_eq!(MinorVersion::parse("garbage"), None);
        assert!(MinorVersion::new(1, 28) < MinorVersion::new(1, 29));
        assert_eq!(MinorVersion::new(1, 31).minors_apart(MinorVersion::new(1, 28)), 3);
        assert_eq!(MinorVersion::new(1, 29).to_string(), "1.29");
    }

    #[test]
    fn a_spec_writes_major_dot_minor() {
        let parse = |yaml: &str| serde_yaml::from_str::<MinorVersion>(yaml);
        assert_eq!(parse("\"1.29\"").unwrap(), MinorVersion::new(1, 29));
        for bad in ["\"v1.29\"", "\"1.29.3\"", "\"1\"", "\"one.two\""] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(err.contains("not a Kubernetes minor version"), "{bad}: {err}");
        }
        let err = parse("1.30").unwrap_err().to_string();
        assert!(err.contains("quote it"), "{err}");
    }
}
