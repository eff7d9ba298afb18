//! `serves_page`: what a pod serves over HTTP, read through the API server's pod proxy.

use k8s_openapi::api::core::v1::Pod;
use lab_spec::Lang;

use super::{Finding, Outcome, finding, not_yet};
use crate::i18n::tr;
use crate::inspect;
use crate::observation::{Observation, Page};

pub(super) fn serves_page(pod: &Pod, path: &str, contains: &str, obs: &Observation, lang: Lang) -> Finding {
    let expected = tr(
        lang,
        &format!("{path} 的页面包含 \"{contains}\""),
        &format!("the page at {path} contains \"{contains}\""),
    );
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    let Some(page) = obs.pages.as_ref().and_then(|p| p.get(name)).and_then(|p| p.get(path)) else {
        return finding(
            Outcome::Unverifiable,
            expected,
            tr(lang, "无法验证：没有读取页面", "not verifiable: no page was read"),
        );
    };
    let serving = inspect::condition(pod, "Ready") == Some("True");
    match page {
        Page::Served { body } => match body.lines().find(|l| l.contains(contains)) {
            Some(line) => finding(Outcome::Pass, expected, line.trim().to_string()),
            None if !serving => {
                not_yet(pod, lang, expected, tr(lang, "页面还没有标记", "the page has no marker yet"))
            }
            None => {
                let start: String = body.trim().chars().take(120).collect();
                finding(
                    Outcome::Fail,
                    expected,
                    tr(
                        lang,
                        &format!("页面不含标记：{start}"),
                        &format!("the page lacks the marker: {start}"),
                    ),
                )
            }
        },
        Page::Forbidden { message } => finding(
            Outcome::Fail,
            expected,
            tr(
                lang,
                &format!("API server 拒绝了 pod proxy：{message}"),
                &format!("the API server refused the pod proxy: {message}"),
            ),
        )
        .denied("pods/proxy"),
        Page::Failed { code, message } if !serving => {
            not_yet(pod, lang, expected, format!("proxy {code}: {message}"))
        }
        Page::Failed { code, message } => {
            finding(Outcome::Fail, expected, format!("proxy {code}: {message}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{observe, outcome, run};
    use crate::evaluate::{Outcome, Verdict};
    use crate::observation::{Observation, Page};

    fn with_page(mut obs: Observation, pod: &str, page: Page) -> Observation {
        let mut pages = crate::observation::Pages::new();
        pages.entry(pod.into()).or_default().insert("/".into(), page);
        obs.pages = Some(pages);
        obs
    }

    const MARKER_PAGE: &str =
        "<h1>Prepared by an init container</h1>\n<p>lab-marker: init-container-volume</p>\n";

    #[test]
    fn step4_passes_only_when_the_served_page_has_the_marker() {
        let served = |body: &str| Page::Served { body: body.into() };
        let obs =
            with_page(observe(&["init-demo-volume-running"], None), "init-demo-volume", served(MARKER_PAGE));
        let report = run(4, &obs);
        assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.checks);
        let page = report.checks.iter().find(|c| c.id == "serves-the-page").unwrap();
        assert_eq!(page.observed, "<p>lab-marker: init-container-volume</p>");

        let welcome = served("<title>Welcome to nginx!</title>");
        let obs = with_page(observe(&["init-demo-volume-running"], None), "init-demo-volume", welcome);
        let report = run(4, &obs);
        assert_eq!(outcome(&report, "serves-the-page"), Outcome::Fail);
        assert!(report.checks.iter().any(|c| c.observed.contains("Welcome to nginx")));
    }

    #[test]
    fn step4_pending_until_nginx_is_ready_and_failing_init_container_fails() {
        let refused = Page::Failed { code: 503, message: "connection refused".into() };
        let obs = with_page(observe(&["init-demo-volume-initializing"], None), "init-demo-volume", refused);
        assert_eq!(run(4, &obs).verdict, Verdict::Pending);
        let obs = observe(&["init-demo-volume-init-failed"], None);
        assert_eq!(run(4, &obs).verdict, Verdict::Fail);
    }

    #[test]
    fn step4_forbidden_proxy_says_which_permission() {
        let forbidden = Page::Forbidden {
            message:
                "pods \"init-demo-volume\" is forbidden: User \"learner\" cannot get resource \"pods/proxy\""
                    .into(),
        };
        let obs = with_page(observe(&["init-demo-volume-running"], None), "init-demo-volume", forbidden);
        let report = run(4, &obs);
        let page = report.checks.iter().find(|c| c.id == "serves-the-page").unwrap();
        assert_eq!(page.outcome, Outcome::Fail);
        assert!(page.observed.contains("refused the pod proxy"), "{}", page.observed);
        assert!(page.hint.contains("pods/proxy") && page.hint.contains("checker-rbac.yaml"), "{}", page.hint);
    }

    #[test]
    fn step4_from_a_file_without_pages_is_not_verifiable() {
        let report = run(4, &observe(&["init-demo-volume-running"], None));
        assert_eq!(outcome(&report, "serves-the-page"), Outcome::Unverifiable);
        assert_eq!(report.verdict, Verdict::Pending);
    }
}
