use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::*;
use crate::i18n::Lang;

fn en(error: Error) -> String {
    error.text(Lang::En).to_string()
}

/// A kubeconfig with one cluster, user and context named `name`, and `current`.
fn file(dir: &Path, file: &str, name: &str, server: &str, current: Option<&str>) -> PathBuf {
    let current = current.map(|c| format!("current-context: \"{c}\"\n")).unwrap_or_default();
    let text = format!(
        "apiVersion: v1\nkind: Config\n{current}clusters:\n- name: {name}\n  cluster:\n    server: {server}\n\
         users:\n- name: {name}\n  user:\n    token: token-{name}\n\
         contexts:\n- name: {name}\n  context:\n    cluster: {name}\n    user: {name}\n"
    );
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

fn server_of(config: &Kubeconfig, cluster: &str) -> String {
    let found = config.clusters.iter().find(|c| c.name == cluster).unwrap();
    found.cluster.as_ref().unwrap().server.clone().unwrap()
}

#[test]
fn sources_follow_client_go_precedence() {
    let home = Path::new("/home/learner");
    let list = std::env::join_paths(["/a", "", "/b", "/a"]).unwrap();
    assert_eq!(
        Sources::resolve(Some(Path::new("/x")), Some(&list), Some(home)),
        Sources::Explicit("/x".into())
    );
    // Empty entries are ignored, repeated ones read once.
    assert_eq!(
        Sources::resolve(None, Some(&list), Some(home)),
        Sources::List(vec!["/a".into(), "/b".into()])
    );
    // An empty KUBECONFIG is unset; an empty --kubeconfig too.
    assert_eq!(
        Sources::resolve(Some(Path::new("")), Some(OsStr::new("")), Some(home)),
        Sources::Home(Some("/home/learner/.kube/config".into()))
    );
    // A list of only separators names no file (client-go does not fall back to home then).
    let separators = std::env::join_paths(["", ""]).unwrap();
    assert_eq!(Sources::resolve(None, Some(&separators), Some(home)), Sources::List(vec![]));
}

#[test]
fn a_list_is_merged_first_file_first_and_missing_files_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let a = file(dir.path(), "a", "shared", "https://a.example:6443", Some(""));
    let b = file(dir.path(), "b", "shared", "https://b.example:6443", Some("shared"));
    let c = file(dir.path(), "c", "other", "https://c.example:6443", Some("other"));
    let missing = dir.path().join("missing");
    let config = load(&Sources::List(vec![missing, a, b, c])).unwrap();
    // The first file to define a name keeps the whole entry.
    assert_eq!(server_of(&config, "shared"), "https://a.example:6443");
    assert_eq!(server_of(&config, "other"), "https://c.example:6443");
    // An empty current-context does not count: the first non-empty one wins.
    assert_eq!(config.current_context.as_deref(), Some("shared"));
    let selected = select(&config, None).unwrap();
    assert_eq!(selected.context, "shared");
    assert_eq!(selected.user_name, "shared");
}

#[test]
fn nothing_to_read_is_an_input_error_naming_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let error = en(load(&Sources::List(vec![a.clone(), b])).unwrap_err());
    assert!(error.starts_with("none of the files KUBECONFIG lists exists ("), "{error}");
    assert!(error.contains(&a.display().to_string()), "{error}");
    let error = en(load(&Sources::List(vec![a.clone()])).unwrap_err());
    assert!(
        error.contains("does not exist (named by KUBECONFIG): set KUBECONFIG or --kubeconfig"),
        "{error}"
    );
    let error = en(load(&Sources::Explicit(a.clone())).unwrap_err());
    assert!(error.ends_with("does not exist (given with --kubeconfig)"), "{error}");
    let error = en(load(&Sources::Home(Some(a))).unwrap_err());
    assert!(error.starts_with("no kubeconfig found ("), "{error}");
}

#[test]
fn a_broken_file_in_a_list_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let good = file(dir.path(), "good", "fake", "https://a.example", Some("fake"));
    let broken = dir.path().join("broken");
    std::fs::write(&broken, "clusters: [\n").unwrap();
    let error = en(load(&Sources::List(vec![good, broken.clone()])).unwrap_err());
    assert!(error.starts_with(&format!("broken kubeconfig {}: ", broken.display())), "{error}");
    assert_eq!(error.lines().count(), 1, "{error}");
}

#[test]
fn a_name_defined_twice_in_one_file_is_refused_as_client_go_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("twice");
    std::fs::write(
        &path,
        "clusters:\n- name: c\n  cluster: {server: 'https://a'}\n- name: c\n  cluster: {server: 'https://b'}\n",
    )
    .unwrap();
    let error = en(load(&Sources::Explicit(path)).unwrap_err());
    assert!(error.ends_with("\"c\" is defined twice in clusters"), "{error}");
}

#[test]
fn files_a_kubeconfig_names_are_relative_to_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(
        sub.join("config"),
        "clusters:\n- name: c\n  cluster: {server: 'https://a', certificate-authority: ca.crt}\n\
         users:\n- name: u\n  user:\n    client-certificate: certs/u.crt\n    client-key: /abs/u.key\n    tokenFile: token\n\
         - name: e\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: bin/plugin}\n\
         - name: p\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}\n",
    )
    .unwrap();
    let config = load(&Sources::Explicit(sub.join("config"))).unwrap();
    let base = std::path::absolute(&sub).unwrap();
    let at = |p: &str| base.join(p).to_string_lossy().into_owned();
    let cluster = config.clusters[0].cluster.as_ref().unwrap();
    assert_eq!(cluster.certificate_authority.as_deref(), Some(at("ca.crt").as_str()));
    let user = |i: usize| config.auth_infos[i].auth_info.clone().unwrap();
    assert_eq!(user(0).client_certificate.as_deref(), Some(at("certs/u.crt").as_str()));
    assert_eq!(user(0).client_key.as_deref(), Some("/abs/u.key"));
    assert_eq!(user(0).token_file.as_deref(), Some(at("token").as_str()));
    assert_eq!(user(1).exec.unwrap().command.as_deref(), Some(at("bin/plugin").as_str()));
    // A bare command is looked up on PATH.
    assert_eq!(user(2).exec.unwrap().command.as_deref(), Some("aws"));
}

#[test]
fn select_names_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "a", "fake", "https://a", None);
    let config = load(&Sources::Explicit(path)).unwrap();
    assert_eq!(
        en(select(&config, None).unwrap_err()),
        "the kubeconfig has no current context: pass --context"
    );
    assert_eq!(
        en(select(&config, Some("kind")).unwrap_err()),
        "context \"kind\" is not in the kubeconfig; its contexts are \"fake\" (pass one with --context)"
    );
    let error = select(&config, Some("kind")).unwrap_err();
    assert!(error.message().zh.contains("可用的上下文：\"fake\""), "{error:?}");
    let mut empty = config.clone();
    empty.contexts.clear();
    assert!(en(select(&empty, Some("kind")).unwrap_err()).contains("has no contexts at all"));
    let mut orphan = config.clone();
    orphan.clusters.clear();
    assert_eq!(
        en(select(&orphan, Some("fake")).unwrap_err()),
        "context \"fake\" uses cluster \"fake\", which is not in the kubeconfig"
    );
    // A user that is not defined means no credentials.
    let mut anonymous = config;
    anonymous.auth_infos.clear();
    let selected = select(&anonymous, Some("fake")).unwrap();
    assert!(selected.user.token.is_none());
}

#[test]
fn a_server_without_a_scheme_is_completed_as_kubectl_does() {
    let url = |server: &str| server_url(server).map(|u| u.to_string()).map_err(|m| m.en);
    assert_eq!(url("127.0.0.1:6443").unwrap(), "http://127.0.0.1:6443/");
    assert_eq!(url("localhost:6443").unwrap(), "http://localhost:6443/");
    assert_eq!(url("example.com").unwrap(), "http://example.com/");
    assert_eq!(url("[::1]:6443").unwrap(), "http://[::1]:6443/");
    assert_eq!(url("example.com/").unwrap(), "http://example.com/");
    // A URL is taken as it is, a path prefix included (Rancher's proxy).
    assert_eq!(url("http://10.0.0.1:8080").unwrap(), "http://10.0.0.1:8080/");
    assert_eq!(
        url("https://rancher.example.com/k8s/clusters/c-1").unwrap(),
        "https://rancher.example.com/k8s/clusters/c-1"
    );
    assert_eq!(
        url("example.com/api").unwrap_err(),
        "server \"example.com/api\" is neither a URL nor a host:port pair"
    );
    assert_eq!(url("").unwrap_err(), "the cluster has no server address");
    assert!(url("ftp://example.com").unwrap_err().contains("unsupported scheme"));
    assert!(url("https://exa mple.com").unwrap_err().contains("is not a valid URL"));
}
