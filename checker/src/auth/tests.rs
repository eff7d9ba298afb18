use std::collections::HashMap;

use super::*;
use crate::i18n::Lang;

const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

fn en(error: Error) -> String {
    error.text(Lang::En).to_string()
}

fn parsed(stdout: &str) -> Result<Credential, String> {
    parse_exec_credential(stdout.as_bytes(), V1BETA1).map_err(|(_, en)| en)
}

#[test]
fn an_exec_credential_with_a_token_and_an_expiry() {
    let credential = parsed(
        r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1",
            "status":{"token":"t0k3n","expirationTimestamp":"2030-01-02T03:04:05Z"}}"#,
    )
    .unwrap();
    assert_eq!(credential.token.as_deref(), Some("t0k3n"));
    assert_eq!(credential.expires, Some("2030-01-02T03:04:05Z".parse().unwrap()));
    assert!(credential.is_fresh("2030-01-02T03:03:59Z".parse().unwrap()));
    // Run for again shortly before it expires.
    assert!(!credential.is_fresh("2030-01-02T03:04:01Z".parse().unwrap()));
}

#[test]
fn an_exec_credential_in_yaml_with_a_certificate() {
    let credential = parsed(
        "kind: ExecCredential\napiVersion: client.authentication.k8s.io/v1beta1\nstatus:\n  \
         clientCertificateData: \"-----BEGIN CERTIFICATE-----\\n\"\n  clientKeyData: \"-----BEGIN PRIVATE KEY-----\\n\"\n",
    )
    .unwrap();
    assert!(credential.token.is_none());
    assert!(credential.expires.is_none());
    assert!(credential.is_fresh(Timestamp::now()));
    let mut auth = AuthInfo::default();
    credential.apply(&mut auth);
    assert_eq!(auth.client_certificate_data.as_deref(), Some("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="));
}

#[test]
fn what_is_not_a_usable_exec_credential_is_named() {
    let head = r#""kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1""#;
    let cases = [
        ("", "printed nothing on standard output"),
        ("Error: token expired\n", "printed something that is not an ExecCredential (kind \"\")"),
        ("{\"kind\":", "printed something that is not an ExecCredential: "),
        (
            r#"{"kind":"Pod","apiVersion":"v1"}"#,
            "printed something that is not an ExecCredential (kind \"Pod\")",
        ),
        (
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t"}}"#,
            "returned apiVersion \"client.authentication.k8s.io/v1\" where the kubeconfig asks for \"client.authentication.k8s.io/v1beta1\"",
        ),
        (&format!("{{{head}}}"), "returned no status"),
        (&format!("{{{head},\"status\":{{}}}}"), "returned neither a token nor a certificate and key"),
        (
            &format!("{{{head},\"status\":{{\"clientKeyData\":\"k\",\"token\":\"t\"}}}}"),
            "returned only one of the certificate and the key",
        ),
        (
            &format!("{{{head},\"status\":{{\"token\":\"t\",\"expirationTimestamp\":\"tomorrow\"}}}}"),
            "returned an expirationTimestamp \"tomorrow\" that is not an RFC 3339 time",
        ),
    ];
    for (stdout, expected) in cases {
        let error = parsed(stdout).err().unwrap_or_else(|| panic!("accepted {stdout:?}"));
        assert!(error.starts_with(expected), "{stdout:?}: {error}");
        assert_eq!(error.lines().count(), 1, "{error}");
    }
}

fn exec(api_version: &str, mode: Option<ExecInteractiveMode>) -> ExecConfig {
    ExecConfig {
        api_version: Some(api_version.into()),
        command: Some("plugin".into()),
        interactive_mode: mode,
        ..Default::default()
    }
}

#[test]
fn the_exec_section_is_validated_as_client_go_does() {
    let check = |exec: ExecConfig| ExecSpec::new("u", &exec, ExecAuthCluster::default()).map_err(en);
    assert_eq!(check(exec(V1BETA1, None)).unwrap().interactive, Interactive::IfAvailable);
    let v1 = "client.authentication.k8s.io/v1";
    assert_eq!(check(exec(v1, Some(ExecInteractiveMode::Never))).unwrap().interactive, Interactive::Never);
    assert!(
        check(exec(v1, None))
            .unwrap_err()
            .ends_with("interactiveMode must be given with apiVersion v1 (Never, IfAvailable or Always)")
    );
    assert!(
        check(exec("client.authentication.k8s.io/v1alpha1", None))
            .unwrap_err()
            .contains("invalid apiVersion")
    );
    let no_command = ExecConfig { command: None, ..exec(V1BETA1, None) };
    assert_eq!(
        check(no_command).unwrap_err(),
        "the exec plugin of the kubeconfig's user \"u\" is misconfigured: command is missing"
    );
    let unnamed =
        ExecConfig { env: Some(vec![HashMap::from([("value".into(), "x".into())])]), ..exec(V1BETA1, None) };
    assert!(check(unnamed).unwrap_err().ends_with("an env entry has no name"));
}

#[test]
fn credentials_in_the_kubeconfig_come_before_a_plugin() {
    let user = AuthInfo {
        token: Some("static".to_string().into()),
        exec: Some(exec(V1BETA1, None)),
        ..Default::default()
    };
    let auth = resolve("u", &user, ExecAuthCluster::default()).unwrap();
    assert!(auth.plugin.is_none());
    assert!(auth.static_auth.exec.is_none());
    let user = AuthInfo { exec: Some(exec(V1BETA1, None)), ..Default::default() };
    let auth = resolve("u", &user, ExecAuthCluster::default()).unwrap();
    assert_eq!(auth.plugin.unwrap().name(), "plugin");
}

#[test]
fn the_same_plugin_configuration_is_one_plugin_in_the_process() {
    let user = AuthInfo { exec: Some(exec(V1BETA1, None)), ..Default::default() };
    let first = resolve("same", &user, ExecAuthCluster::default()).unwrap().plugin.unwrap();
    let second = resolve("same", &user, ExecAuthCluster::default()).unwrap().plugin.unwrap();
    assert!(Arc::ptr_eq(&first, &second));
    let other = resolve("other", &user, ExecAuthCluster::default()).unwrap().plugin.unwrap();
    assert!(!Arc::ptr_eq(&first, &other));
}

fn provider(name: &str, config: &[(&str, &str)]) -> AuthInfo {
    let config = config.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    AuthInfo {
        auth_provider: Some(AuthProviderConfig { name: name.into(), config, ..Default::default() }),
        ..Default::default()
    }
}

#[test]
fn legacy_auth_providers() {
    let resolved = |user: AuthInfo| resolve("u", &user, ExecAuthCluster::default()).map_err(en);
    let oidc = resolved(provider("oidc", &[("id-token", "jwt")])).unwrap();
    assert!(oidc.plugin.is_none());
    assert!(oidc.static_auth.token.is_some());
    assert!(resolved(provider("oidc", &[])).unwrap_err().contains("has no id-token"));
    // gcp: the cached token while it is valid, else its command.
    let valid = (Timestamp::now() + SignedDuration::from_hours(1)).to_string();
    let cached =
        resolved(provider("gcp", &[("access-token", "ya29"), ("expiry", &valid), ("cmd-path", "gcloud")]));
    assert!(cached.unwrap().plugin.is_none());
    let expired = resolved(provider(
        "gcp",
        &[("access-token", "ya29"), ("expiry", "2000-01-01T00:00:00Z"), ("cmd-path", "gcloud")],
    ));
    assert_eq!(expired.unwrap().plugin.unwrap().name(), "gcloud");
    assert!(resolved(provider("gcp", &[])).unwrap_err().contains("gke-gcloud-auth-plugin"));
    assert!(resolved(provider("azure", &[])).unwrap_err().contains("kubelogin"));
    assert!(resolved(provider("magic", &[])).unwrap_err().contains("unknown auth-provider \"magic\""));
    let both = AuthInfo { exec: Some(exec(V1BETA1, None)), ..provider("oidc", &[("id-token", "jwt")]) };
    assert!(resolved(both).unwrap_err().ends_with("has both exec and auth-provider: only one is allowed"));
}

#[test]
fn gcp_output_is_read_with_its_json_paths() {
    let json =
        serde_json::json!({"credential": {"access_token": "ya29", "token_expiry": "2030-01-01T00:00:00Z"}});
    assert_eq!(json_path(&json, "{.credential.access_token}").as_deref(), Some("ya29"));
    assert_eq!(json_path(&json, "$.credential.token_expiry").as_deref(), Some("2030-01-01T00:00:00Z"));
    assert_eq!(json_path(&json, "{.credential}"), None);
    assert_eq!(json_path(&json, "{.missing}"), None);
}

#[test]
fn program_output_is_shown_as_one_safe_line() {
    assert_eq!(one_line("error:\n  \x1b[31mexpired\x1b[0m\r\n\n"), "error: [31mexpired [0m");
    let long = "x".repeat(SHOWN_LIMIT + 10);
    assert_eq!(one_line(&long).chars().count(), SHOWN_LIMIT + 1);
    assert!(one_line(&long).ends_with('…'));
}
