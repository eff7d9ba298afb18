use serde_json::json;

use super::*;

/// The mismatches as `path: expected → found` lines, for compact assertions.
fn report(expected: Value, live: Value) -> Vec<String> {
    mismatches(&expected, &live)
        .into_iter()
        .map(|m| {
            let found = match m.found {
                Found::Missing => "missing".to_string(),
                Found::Value(v) => v.to_string(),
                Found::NoElement { len } => format!("none of {len}"),
            };
            format!("{}: {} → {found}", m.path, m.expected)
        })
        .collect()
}

fn statefulset() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
        "spec": {
            "replicas": 2,
            "serviceName": "web",
            "template": {"spec": {
                "initContainers": [{"name": "init-permissions", "image": "busybox:latest", "command": ["sh", "-c", "true"]}],
                "containers": [
                    {"name": "nginx", "image": "nginx:1.27.3", "ports": [{"containerPort": 80, "name": "web"}],
                     "resources": {"requests": {"cpu": "1", "memory": "64Mi"}}},
                    {"name": "istio-proxy", "image": "istio/proxyv2:1.22.0"},
                ],
            }},
        },
        "status": {"replicas": 2, "readyReplicas": 1, "availableReplicas": 1},
    })
}

#[test]
fn a_subset_of_maps_matches_and_unnamed_keys_are_ignored() {
    let expected = json!({"kind": "StatefulSet", "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "nginx"}]}}}});
    assert!(matches(&expected, &statefulset()));
    assert!(matches(&json!({}), &statefulset()), "an empty map matches any map");
}

#[test]
fn the_report_names_the_path_of_each_mismatch() {
    let expected = json!({
        "spec": {"replicas": 3, "template": {"spec": {"initContainers": [{"name": "init-permissions", "image": "busybox:1.36.1"}]}}},
        "status": {"readyReplicas": 2},
    });
    assert_eq!(
        report(expected, statefulset()),
        [
            ".spec.replicas: 3 → 2",
            ".spec.template.spec.initContainers[0].image: \"busybox:1.36.1\" → \"busybox:latest\"",
            ".status.readyReplicas: 2 → 1",
        ]
    );
}

#[test]
fn a_missing_field_is_reported_missing_unless_null_was_expected() {
    assert_eq!(
        report(json!({"spec": {"minReadySeconds": 5}}), statefulset()),
        [".spec.minReadySeconds: 5 → missing"]
    );
    assert!(matches(&json!({"metadata": {"deletionTimestamp": null}}), &statefulset()));
    assert!(matches(&json!({"a": null}), &json!({"a": null})));
    assert_eq!(report(json!({"a": null}), json!({"a": 0})), [".a: null → 0"], "0 is not null");
    assert_eq!(report(json!({"a": null}), json!({"a": ""})), [".a: null → \"\""]);
    assert_eq!(report(json!({"a": {"b": 1}}), json!({})), [".a: {\"b\":1} → missing"]);
}

#[test]
fn keys_that_are_not_identifiers_are_quoted() {
    let expected = json!({"metadata": {"labels": {"app.kubernetes.io/name": "db"}}});
    assert_eq!(
        report(expected, statefulset()),
        [".metadata.labels[\"app.kubernetes.io/name\"]: \"db\" → \"web\""]
    );
    assert_eq!(Path::default().to_string(), ".");
}

#[test]
fn scalars_compare_by_type_and_value() {
    let equal = [
        (json!(2), json!(2)),
        (json!(2), json!(2.0)),
        (json!(-1), json!(-1)),
        (json!(u64::MAX), json!(u64::MAX)),
        (json!(1), json!("1")),
        (json!("80"), json!(80)),
        (json!(0.5), json!("0.5")),
        (json!("x"), json!("x")),
        (json!(true), json!(true)),
        (json!(null), json!(null)),
    ];
    for (want, have) in equal {
        assert!(matches(&json!({"v": want}), &json!({"v": have})), "{want} vs {have}");
    }
    let different = [
        (json!(2), json!(3)),
        (json!(1), json!("1.5")),
        (json!(1), json!("1k")),
        (json!(1), json!("")),
        (json!(1), json!("-")),
        (json!(1), json!("1e0")),
        (json!("1"), json!(1.5)),
        (json!(true), json!("true")),
        (json!("true"), json!(true)),
        (json!(0), json!(false)),
        (json!(0), json!(null)),
        (json!("x"), json!("X")),
        (json!(-1), json!(u64::MAX)),
    ];
    for (want, have) in different {
        assert!(!matches(&json!({"v": want}), &json!({"v": have})), "{want} vs {have}");
    }
}

#[test]
fn type_mismatches_are_reported_where_they_are() {
    assert_eq!(
        report(json!({"spec": {"replicas": {"min": 1}}}), statefulset()),
        [".spec.replicas: {\"min\":1} → 2"]
    );
    assert_eq!(
        report(json!({"spec": {"serviceName": ["web"]}}), statefulset()),
        [".spec.serviceName: [\"web\"] → \"web\""]
    );
    assert_eq!(report(json!({"spec": "x"}), statefulset())[0].split(':').next(), Some(".spec"));
    assert_eq!(report(json!({"a": 1}), json!("text")), [".: {\"a\":1} → \"text\""]);
    assert_eq!(report(json!([1]), json!({"a": 1})), [".: [1] → {\"a\":1}"]);
}

#[test]
fn lists_match_as_an_ordered_subset() {
    let live = json!({"l": [{"name": "a"}, {"name": "b"}, {"name": "c"}]});
    for subset in [
        json!([]),
        json!([{"name": "b"}]),
        json!([{"name": "a"}, {"name": "c"}]),
        json!([{"name": "a"}, {"name": "b"}, {"name": "c"}]),
    ] {
        assert!(matches(&json!({"l": subset}), &live), "{subset}");
    }
    // Out of order, or one live element asked for twice: no match.
    assert!(!matches(&json!({"l": [{"name": "c"}, {"name": "a"}]}), &live));
    assert!(!matches(&json!({"l": [{"name": "b"}, {"name": "b"}]}), &live));
    assert_eq!(
        report(json!({"l": [{"name": "b"}, {"name": "b"}]}), live.clone()),
        [".l[2].name: \"b\" → \"c\""]
    );
    // Scalars too; an empty live list has no elements to offer.
    assert!(matches(&json!({"args": ["-c"]}), &json!({"args": ["sh", "-c", "true"]})));
    assert_eq!(report(json!({"args": ["-c"]}), json!({"args": []})), [".args[0]: \"-c\" → none of 0"]);
}

#[test]
fn greedy_matching_finds_an_ordered_match_when_there_is_one() {
    // The first `{a: 1}` could also serve the second expected element; greedy earliest matching
    // keeps the later ones free.
    let live = json!({"l": [{"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 1, "b": 3}]});
    assert!(matches(&json!({"l": [{"a": 1}, {"b": 2}, {"a": 1}]}), &live));
    assert!(matches(&json!({"l": [{"a": 1}, {"a": 1}, {"a": 1}]}), &live));
    assert!(!matches(&json!({"l": [{"a": 1}, {"a": 1}, {"a": 1}, {"a": 1}]}), &live));
}

#[test]
fn an_unmatched_element_reports_its_closest_candidate() {
    let expected = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.27.3"},
        {"name": "istio-proxy", "image": "istio/proxyv2:1.23.0"},
    ]}}}});
    assert_eq!(
        report(expected, statefulset()),
        [".spec.template.spec.containers[1].image: \"istio/proxyv2:1.23.0\" → \"istio/proxyv2:1.22.0\""]
    );
    // No candidate close to another: on a tie, the element at the same index.
    let live = json!({"l": [{"name": "x"}, {"name": "y"}]});
    assert_eq!(report(json!({"l": [{"name": "z"}]}), live.clone()), [".l[0].name: \"z\" → \"x\""]);
    // On a tie in numbers, the candidate that agrees on the outer key: the endpoint named
    // `web-1` that is not ready, not the ready endpoint of another name.
    let slice = json!({"endpoints": [
        {"hostname": "web-0", "conditions": {"ready": true}},
        {"hostname": "web-2", "conditions": {"ready": true}},
        {"hostname": "web-1", "conditions": {"ready": false}},
    ]});
    assert_eq!(
        report(json!({"endpoints": [{"hostname": "web-1", "conditions": {"ready": true}}]}), slice),
        [".endpoints[2].conditions.ready: true → false"]
    );
    // After the last match, only later elements are candidates.
    assert_eq!(
        report(json!({"l": [{"name": "y"}, {"name": "x"}]}), live),
        [".l[1]: {\"name\":\"x\"} → none of 2"]
    );
}

#[test]
fn nested_lists_and_quantities() {
    let expected = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "ports": [{"containerPort": "80"}], "resources": {"requests": {"cpu": 1}}},
    ]}}}});
    assert!(matches(&expected, &statefulset()));
    let expected = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "ports": [{"containerPort": 8080}]},
    ]}}}});
    assert_eq!(
        report(expected, statefulset()),
        [".spec.template.spec.containers[0].ports[0].containerPort: 8080 → 80"]
    );
    let matrix = json!({"m": [[1, 2], [3, 4]]});
    assert!(matches(&json!({"m": [[2], [3]]}), &matrix));
    assert!(!matches(&json!({"m": [[3], [2]]}), &matrix));
    assert_eq!(report(json!({"m": [[5]]}), matrix), [".m[0][0]: 5 → 1"]);
}

#[test]
fn status_paths_are_told_apart() {
    let found = mismatches(&json!({"spec": {"replicas": 3}, "status": {"readyReplicas": 2}}), &statefulset());
    assert_eq!(found.iter().map(|m| m.path.under_status()).collect::<Vec<_>>(), [false, true]);
}

#[test]
fn long_values_are_cut_for_the_report() {
    assert_eq!(show(&json!("short"), 20), "\"short\"");
    let long = show(&json!({"a": "x".repeat(100)}), 20);
    assert_eq!(long.chars().count(), 20);
    assert!(long.ends_with('…'));
}

#[test]
fn comparisons_match_numbers_within_their_bounds() {
    let pod = json!({"status": {"containerStatuses": [
        {"name": "app", "restartCount": 3, "lastState": {"terminated": {"exitCode": 0}}},
    ]}});
    let at_least =
        |n: i64| json!({"status": {"containerStatuses": [{"name": "app", "restartCount": {">=": n}}]}});
    assert!(matches(&at_least(2), &pod));
    assert!(matches(&at_least(3), &pod), ">= holds on equality");
    assert_eq!(
        report(at_least(5), pod.clone()),
        [".status.containerStatuses[0].restartCount: {\">=\":5} → 3"]
    );
    // Every bound must hold; strict bounds are strict; floats and spelled numbers compare too.
    assert!(matches(&json!({"status": {"containerStatuses": [{"restartCount": {">": 0, "<": 4}}]}}), &pod));
    assert!(!matches(&json!({"status": {"containerStatuses": [{"restartCount": {">": 3}}]}}), &pod));
    assert!(!matches(&json!({"status": {"containerStatuses": [{"restartCount": {"<=": 2.5}}]}}), &pod));
    assert!(matches(&json!({"spec": {"replicas": {"<": 10}}}), &json!({"spec": {"replicas": "2"}})));
    // Not a number, or missing: a mismatch (a comparison never matches a map or null).
    assert!(!matches(&json!({"a": {">=": 0}}), &json!({"a": "many"})));
    assert!(!matches(&json!({"a": {">=": 0}}), &json!({"a": {"b": 1}})));
    assert_eq!(report(json!({"a": {">=": 0}}), json!({})), [".a: {\">=\":0} → missing"]);
    // The report shows the bound, not the map.
    assert_eq!(show(&json!({">=": 2}), 20), "≥ 2");
    assert_eq!(show(&json!({">": 0, "<": 10}), 20), "< 10, > 0");
    // A map that merely has other keys is a part of the object, as before.
    assert!(matches(&json!({"status": {"containerStatuses": [{"name": "app"}]}}), &pod));
}
