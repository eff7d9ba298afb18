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
        Page::PodAnswered { code, content_type, body } => {
            let observed = pod_answered(pod, path, *code, content_type, body, serving, lang);
            match serving {
                true => finding(Outcome::Fail, expected, observed),
                false => not_yet(pod, lang, expected, observed),
            }
        }
        Page::Failed { code, message } => {
            let observed = tr(
                lang,
                &format!("API server 没能从 Pod 取到页面（{code}）：{message}"),
                &format!("the API server could not get the page from the pod ({code}): {message}"),
            );
            match serving {
                true => finding(Outcome::Fail, expected, observed),
                false => not_yet(pod, lang, expected, observed),
            }
        }
    }
}

/// The pod's own non-2xx answer in words: its status, what the page says, and what that means.
fn pod_answered(
    pod: &Pod,
    path: &str,
    code: u16,
    content_type: &str,
    body: &str,
    serving: bool,
    lang: Lang,
) -> String {
    let status = match http::StatusCode::from_u16(code).ok().and_then(|c| c.canonical_reason()) {
        Some(reason) => format!("{code} {reason}"),
        None => code.to_string(),
    };
    let said = match page_says(content_type, body) {
        said if said.is_empty() => tr(lang, "（页面为空）", "(an empty page)"),
        said => format!("\"{said}\""),
    };
    let mut observed = tr(
        lang,
        &format!("Pod 自己回答了 {status}（API server 的 pod proxy 原样转来），页面写着 {said}"),
        &format!(
            "the pod itself answered {status} (the API server's pod proxy passed it on unchanged), the page says {said}"
        ),
    );
    observed.push_str(&match code {
        403 => tr(
            lang,
            "：nginx 所服务的目录里没有 index.html 时就这样回答",
            ": nginx answers this when the directory it serves has no index.html",
        ),
        404 => tr(
            lang,
            &format!("：Web 服务器所服务的内容里没有 {path}"),
            &format!(": there is nothing at {path} in what the web server serves"),
        ),
        _ => String::new(),
    });
    if let Some(container) = inspect::readiness_probe_on(pod, path).filter(|_| !serving && code >= 400) {
        observed.push_str(&tr(
            lang,
            &format!("；{container} 的就绪探针请求同一路径，得到的也是这个回答，所以 Pod 没有就绪"),
            &format!("; {container}'s readiness probe GETs the same path and gets the same answer, so the pod is not ready"),
        ));
    }
    observed
}

/// What a page says in one short line: its HTML title, else the start of its text, without tags
/// and control characters.
fn page_says(content_type: &str, body: &str) -> String {
    const MAX_CHARS: usize = 120;
    let lower = body.to_ascii_lowercase();
    let html = content_type.to_ascii_lowercase().contains("html") || body.trim_start().starts_with('<');
    let title = lower
        .find("<title")
        .and_then(|start| lower[start..].find('>').map(|end| start + end + 1))
        .and_then(|start| lower[start..].find("</title").map(|end| &body[start..start + end]));
    let text: String = match (html, title) {
        (true, Some(title)) if !title.trim().is_empty() => title.to_string(),
        (true, _) => {
            let mut in_tag = false;
            body.chars()
                .map(|c| match c {
                    '<' => {
                        in_tag = true;
                        ' '
                    }
                    '>' => {
                        in_tag = false;
                        ' '
                    }
                    _ if in_tag => ' ',
                    c => c,
                })
                .collect()
        }
        (false, _) => body.to_string(),
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ").chars().filter(|c| !c.is_control()).take(MAX_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{observe, outcome, run};
    use super::page_says;
    use crate::evaluate::{Outcome, Verdict, evaluate};
    use crate::observation::{Observation, Page};
    use lab_spec::{LabSpec, Lang};

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

    /// nginx's own page for a directory without an index file.
    const NGINX_403: &str = "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n";

    fn nginx_403() -> Page {
        Page::PodAnswered { code: 403, content_type: "text/html".into(), body: NGINX_403.into() }
    }

    #[test]
    fn step4_nginx_serving_an_empty_volume_is_the_pods_own_403_not_a_permission() {
        // write-page without the volume: nginx answers 403 itself and its readiness probe fails.
        let obs = with_page(observe(&["init-demo-volume-empty-page"], None), "init-demo-volume", nginx_403());
        let report = run(4, &obs);
        assert_eq!(report.pods[0].ready, "0/1");
        let page = report.checks.iter().find(|c| c.id == "serves-the-page").unwrap();
        assert_eq!(page.outcome, Outcome::Pending, "not ready: pending, as for any page");
        assert!(page.observed.starts_with("the pod itself answered 403 Forbidden"), "{}", page.observed);
        assert!(page.observed.contains("the page says \"403 Forbidden\""), "{}", page.observed);
        assert!(page.observed.contains("has no index.html"), "{}", page.observed);
        assert!(page.observed.contains("app's readiness probe GETs the same path"), "{}", page.observed);
        assert!(!page.observed.contains("refused"), "{}", page.observed);
        assert!(page.hint.contains("same emptyDir volume"), "the step's own hint: {}", page.hint);
        assert!(!page.hint.contains("checker-rbac"), "{}", page.hint);
        assert_eq!(outcome(&report, "write-page-completed"), Outcome::Pass);
        assert_eq!(outcome(&report, "app-ready"), Outcome::Pending);

        // Once the pod is ready, an error page of its own is final.
        let obs = with_page(observe(&["init-demo-volume-running"], None), "init-demo-volume", nginx_403());
        let report = run(4, &obs);
        let page = report.checks.iter().find(|c| c.id == "serves-the-page").unwrap();
        assert_eq!(page.outcome, Outcome::Fail);
        assert!(!page.observed.contains("readiness probe"), "{}", page.observed);
        assert!(page.hint.contains("same emptyDir volume"), "{}", page.hint);

        let spec = LabSpec::embedded().unwrap();
        let zh = evaluate(&spec, spec.step(4).unwrap(), &obs, Lang::Zh);
        let page = zh.checks.iter().find(|c| c.id == "serves-the-page").unwrap();
        assert!(page.observed.starts_with("Pod 自己回答了 403 Forbidden"), "{}", page.observed);
        assert!(page.hint.contains("emptyDir"), "{}", page.hint);
    }

    #[test]
    fn step4_other_answers_of_the_pod_and_of_the_api_server() {
        let not_found = Page::PodAnswered {
            code: 404,
            content_type: "text/plain; charset=utf-8".into(),
            body: "404 page not found\n".into(),
        };
        let obs = with_page(observe(&["init-demo-volume-running"], None), "init-demo-volume", not_found);
        let page = run(4, &obs).checks.into_iter().find(|c| c.id == "serves-the-page").unwrap();
        assert_eq!(page.outcome, Outcome::Fail);
        assert!(page.observed.contains("answered 404 Not Found"), "{}", page.observed);
        assert!(page.observed.contains("\"404 page not found\""), "{}", page.observed);
        assert!(page.observed.contains("nothing at /"), "{}", page.observed);

        let unreachable = Page::Failed {
            code: 503,
            message: "error trying to reach service: dial tcp 10.244.0.10:80: connect: connection refused"
                .into(),
        };
        let obs = with_page(observe(&["init-demo-volume-running"], None), "init-demo-volume", unreachable);
        let page = run(4, &obs).checks.into_iter().find(|c| c.id == "serves-the-page").unwrap();
        assert_eq!(page.outcome, Outcome::Fail);
        assert!(page.observed.starts_with("the API server could not get the page from the pod (503)"));
    }

    #[test]
    fn what_a_page_says() {
        assert_eq!(page_says("text/html", NGINX_403), "403 Forbidden");
        assert_eq!(page_says("text/html", "<h1>Bad\n  Gateway</h1><p>upstream</p>"), "Bad Gateway upstream");
        assert_eq!(page_says("text/plain", "no such file\nsecond line"), "no such file second line");
        assert_eq!(page_says("text/plain", "\u{1b}[31mred\u{1b}[0m"), "[31mred[0m");
        assert_eq!(page_says("text/html", "<title></title>"), "");
        assert_eq!(page_says("text/plain", &"x".repeat(500)).len(), 120);
    }
}
