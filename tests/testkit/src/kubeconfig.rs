//! The kubeconfig that points `kubectl` and the checker at the fake server.

use serde_json::json;

/// The bearer token of the kubeconfig's user.
pub const TOKEN: &str = "fake-token";

/// A kubeconfig: cluster `fake` at `server` (trusting `ca_pem`, if any), user `learner` with
/// bearer token [`TOKEN`], current context `fake` with namespace `experiments`.
pub(crate) fn render(server: &str, ca_pem: Option<&str>) -> String {
    let mut cluster = json!({"server": server});
    if let Some(pem) = ca_pem {
        cluster["certificate-authority-data"] = base64(pem.as_bytes()).into();
    }
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": cluster}],
        "users": [{"name": crate::status::USER, "user": {"token": TOKEN}}],
        "contexts": [{
            "name": "fake",
            "context": {"cluster": "fake", "user": crate::status::USER, "namespace": crate::DEFAULT_NAMESPACE},
        }],
        "current-context": "fake",
        "preferences": {},
    });
    serde_yaml::to_string(&config).expect("a kubeconfig serializes")
}

/// Standard base64 with padding (RFC 4648 §4).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 0x3f) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn kubeconfig_shape() {
        let yaml = render("https://127.0.0.1:1", Some("PEM"));
        let v: serde_json::Value = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(v["current-context"], "fake");
        assert_eq!(v["clusters"][0]["cluster"]["certificate-authority-data"], "UEVN");
        assert_eq!(v["users"][0]["user"]["token"], TOKEN);
        assert_eq!(v["contexts"][0]["context"]["namespace"], "experiments");
    }
}
