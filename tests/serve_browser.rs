//! `checker serve` in a real headless Chromium, driven over WebDriver (chromedriver): the Run-check
//! button of step 1 shows a pass and the next step, then, with the fake cluster failing, the one
//! cause of the failure and its fix;
//! a pending step can be watched until it passes; the sidebar's progress follows; a cluster that
//! cannot be reached is explained; and the plain build, opened without the server, shows the
//! command to copy and no button. The English edition (`/en/`) does the same in English: the
//! button, the verdicts, the hints (the spec's English texts) and the sidebar's progress; its
//! language switch leads to the same page of the Chinese book and back. The teacher's class
//! dashboard (`serve --class`) shows the class and follows a learner's change live. Screenshots (light and dark theme) go to /tmp/shots (or
//! `SERVE_SHOTS_DIR`) for a person to look at.
//!
//! Needs Debian's `chromium` and `chromium-driver` (/usr/bin/chromium, /usr/bin/chromedriver).
//! Without them the test is skipped with a message, except under CI (`CI` set), where it fails.

mod serve_support;

#[path = "support/browser.rs"]
mod browser;

#[path = "support/webdriver.rs"]
mod webdriver;

#[path = "support/quiz.rs"]
mod quiz;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::Duration;

use checker::evaluate::Verdict;
use fantoccini::{Client, Locator};
use futures::FutureExt;
use serde_json::{Value, json};
use serve_support::Served;
use testkit::FakeApiServer;
use webdriver::{Driver, console_errors, tools_present, wait_for, wait_for_text, wait_until};

fn shots_dir() -> PathBuf {
    let dir =
        std::env::var_os("SERVE_SHOTS_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp/shots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("a screenshot");
    let path = shots_dir().join(name);
    std::fs::write(&path, png).unwrap();
    eprintln!("screenshot: {}", path.display());
}

/// Scrolls the step's box to the top of the window (below mdBook's menu bar).
async fn show_box(c: &Client, step: u32) {
    c.execute(
        "const b = document.querySelector(`.lab-check[data-step=\"${arguments[0]}\"]`);\
         window.scrollTo(0, b.getBoundingClientRect().top + window.scrollY - 70);",
        vec![json!(step)],
    )
    .await
    .unwrap();
}

/// The sidebar's words for `k` passed steps of the lab's.
fn passed_of(k: usize) -> String {
    format!("已通过 {k}/{} 步", lab_spec::LabSpec::embedded().unwrap().steps.len())
}

const BOX1: &str = ".lab-check[data-step=\"1\"]";

async fn click_run(c: &Client) {
    let run = wait_for(c, &format!("{BOX1} button.lab-check-run")).await;
    // The previous result goes away only when the new one arrives: wait for the button to be
    // enabled again afterwards, and mark the result so that a test sees the new one.
    c.execute(
        &format!("document.querySelector('{BOX1} .lab-check-result').removeAttribute('data-verdict')"),
        vec![],
    )
    .await
    .unwrap();
    run.click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_check_buttons_in_a_real_browser() {
    if !tools_present() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let api = FakeApiServer::start();
    api.add_namespace("experiments");
    api.put_pod_fixture("init-demo-running");
    let kubeconfig = api.write_kubeconfig(work.path());
    let plain = work.path().join("plain");
    let served = Served::start(&kubeconfig, &["--dest", plain.to_str().unwrap()]);

    let driver = Driver::start(&work.path().join("chromedriver.log"));
    let c = driver.session(&work.path().join("profile"), (1280, 1000)).await;
    // Close the session (and so Chromium) whatever happens in the scenario.
    let both = async {
        scenario(&c, &api, &served, &plain, work.path()).await?;
        english(&c, &api, &served).await
    };
    let outcome = AssertUnwindSafe(both).catch_unwind().await;
    let _ = c.close().await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{e}"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// The served book keeps the quiz in the progress file through /api/quiz: answered in the
/// Chinese book, it is there in the English book of a server on another port (another origin,
/// so not from localStorage), with the score and ratings in the sidebar in each language; a
/// reset there reaches the file too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quiz_outlives_the_port_in_the_progress_file() {
    if !tools_present() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let api = FakeApiServer::start();
    api.add_namespace("experiments");
    let kubeconfig = api.write_kubeconfig(work.path());
    let mut served = Served::start(&kubeconfig, &[]);
    let driver = Driver::start(&work.path().join("chromedriver.log"));
    let c = driver.session(&work.path().join("profile"), (1280, 1000)).await;
    let outcome = AssertUnwindSafe(async {
        c.goto(&format!("{}{}summary.html", served.url, quiz::ZH.edition)).await.unwrap();
        quiz::wait_ready(&c).await;
        quiz::answer_all_but_the_first_right(&c, &quiz::ZH).await;
        wait_for_text(&c, ".lab-serve-quiz", "测验：答对 10/11 题；答错：第 1 题。自评：知识掌握程度：4/5")
            .await;
        let kept = served.get("/api/quiz").json();
        assert_eq!(kept["quiz"]["answers"].as_object().map(|a| a.len()), Some(quiz::QUESTIONS), "{kept}");
        assert_eq!(kept["quiz"]["answers"]["quiz-1"]["right"], false, "{kept}");

        // Another port: another origin, whose localStorage is empty.
        let home = std::mem::replace(&mut served.home, tempfile::tempdir().unwrap());
        let old_url = served.url.clone();
        drop(served);
        let again = Served::start_in(home, &kubeconfig, &[]);
        assert_ne!(again.url, old_url);
        c.goto(&format!("{}{}summary.html", again.url, quiz::EN.edition)).await.unwrap();
        quiz::wait_ready(&c).await;
        quiz::assert_kept(&quiz::shown(&c).await, &quiz::EN);
        wait_for_text(
            &c,
            ".lab-serve-quiz",
            "Quiz: 10 of 11 right; wrong: 1. Self-rating: How well I understand it: 4/5",
        )
        .await;
        quiz::reset_and_check(&c, &quiz::EN).await;
        wait_for_text(&c, ".lab-serve-quiz", "Quiz: 0 of 11 answered, 0 right").await;
        let kept = again.get("/api/quiz").json();
        assert_eq!(kept["quiz"]["answers"], json!({}), "{kept}");
        assert_eq!(kept["quiz"]["ratings"]["knowledge"], 4, "{kept}");
        // The other lab's quiz is its own (data-lab="restart-policy"): nothing answered there.
        c.goto(&format!("{}restart-policy/summary.html", again.url)).await.unwrap();
        quiz::wait_ready(&c).await;
        let other = quiz::shown(&c).await;
        assert_eq!((&other["score"], &other["answered"]), (&json!("共 6 题。"), &json!([])), "{other}");
        let errors = console_errors(&c).await;
        assert!(errors.is_empty(), "{errors:#?}");
    })
    .catch_unwind()
    .await;
    let _ = c.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn scenario(
    c: &Client,
    api: &FakeApiServer,
    served: &Served,
    plain: &Path,
    work: &Path,
) -> Result<(), String> {
    c.goto(&format!("{}step1-deploy.html", served.url)).await.map_err(|e| e.to_string())?;
    c.execute("localStorage.setItem('mdbook-theme', 'light')", vec![]).await.unwrap();
    c.refresh().await.unwrap();

    // The button and the sidebar's progress appear.
    let run = wait_for(c, &format!("{BOX1} button.lab-check-run")).await;
    assert_eq!(run.text().await.unwrap(), "运行检查");
    wait_for_text(c, "#lab-serve-progress", &passed_of(0)).await;
    // The chips are named as the sidebar names the chapters ("步骤 1" … "步骤 8", "实验清理"),
    // in the book's order (the cleanup, step 6, last), and link to them.
    let chips = c
        .execute(
            "return Array.from(document.querySelectorAll('.lab-step-chip'))\
               .map(a => [a.textContent, a.getAttribute('href')]);",
            vec![],
        )
        .await
        .unwrap();
    let want = serde_json::json!([
        ["1", "step1-deploy.html"],
        ["2", "step2-logs.html"],
        ["3", "step3-failure.html"],
        ["4", "step4-volume.html"],
        ["5", "step5-sidecar.html"],
        ["7", "step7-resources.html"],
        ["8", "step8-wait.html"],
        ["实验清理", "cleanup.html"]
    ]);
    assert_eq!(chips, want);
    // The command to copy stays; the line on installing checker goes (the reader has it).
    let command = c.find(Locator::Css(&format!("{BOX1} pre code"))).await.unwrap();
    assert_eq!(command.text().await.unwrap(), "$ checker --lab init-container step 1");
    let install = c.find(Locator::Css(&format!("{BOX1} .lab-check-install"))).await.unwrap();
    assert!(!install.is_displayed().await.unwrap(), "checker serve shows the install line");

    // Pass.
    show_box(c, 1).await;
    click_run(c).await;
    let result = wait_for(c, &format!("{BOX1} .lab-check-result[data-verdict=\"pass\"]")).await;
    let text = result.text().await.unwrap();
    assert!(text.contains("通过"), "{text}");
    let passed = c.find_all(Locator::Css(&format!("{BOX1} .lab-outcome-pass"))).await.unwrap();
    assert_eq!(passed.len(), 8, "{text}");
    for column in ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "init-demo", "1/1", "Running"] {
        assert!(text.contains(column), "{column} not in {text}");
    }
    assert!(text.contains("上下文 fake"), "{text}");
    // The pass names the next step, linked to its chapter.
    let next =
        c.find(Locator::Css(&format!("{BOX1} .lab-check-next[data-next-step=\"2\"] a"))).await.unwrap();
    assert_eq!(next.attr("href").await.unwrap().as_deref(), Some("step2-logs.html"));
    assert_eq!(next.text().await.unwrap(), "步骤 2：查看 Init Container 日志");
    assert!(text.contains("checker step 2"), "{text}");
    // The timings, as the terminal's table.
    let timings = wait_for(c, &format!("{BOX1} .lab-check-timings table.lab-timings")).await;
    let timings = timings.text().await.unwrap();
    assert!(timings.contains("init-1 执行时间") && timings.contains("总初始化时间"), "{timings}");
    // The pod table scrolls inside the box, and the box takes the verdict's colour.
    wait_for(c, &format!("{BOX1} .lab-pods-scroll table.lab-pods")).await;
    let edges = c
        .execute(
            &format!("const s = getComputedStyle(document.querySelector('{BOX1}')); return [s.borderLeftColor, s.borderTopColor];"),
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(edges[0], edges[1], "the box kept its neutral edge after a pass");
    wait_for_text(c, "#lab-serve-progress", &passed_of(1)).await;
    screenshot(c, "serve-step1-pass-light.png").await;

    // Fail: the failure and its hint.
    api.put_pod_fixture("init-demo-image-pull-backoff");
    click_run(c).await;
    let result = wait_for(c, &format!("{BOX1} .lab-check-result[data-verdict=\"fail\"]")).await;
    let text = result.text().await.unwrap();
    assert!(text.contains("未通过"), "{text}");
    // One cause at the top: the image that cannot be pulled, and the fix (the pinned manifest).
    let cause =
        c.find(Locator::Css(&format!("{BOX1} .lab-check-cause[data-cause=\"image_pull\"]"))).await.unwrap();
    let said = cause.text().await.unwrap();
    assert!(said.contains("原因：") && said.contains("busybox:latest"), "{said}");
    assert!(
        said.contains("下一步：") && said.contains("kubectl delete pod init-demo -n experiments"),
        "{said}"
    );
    assert!(said.contains("kubectl apply -f manifests/init-container.yaml"), "{said}");
    // The expectations it explains are listed under it, without their own hints.
    let grouped =
        c.find_all(Locator::Css(&format!("{BOX1} .lab-check-grouped .lab-outcome-fail"))).await.unwrap();
    assert_eq!(grouped.len(), 6, "{said}");
    assert!(c.find_all(Locator::Css(&format!("{BOX1} .lab-details"))).await.unwrap().is_empty(), "{text}");
    assert!(text.contains("Init:ImagePullBackOff"), "{text}");
    // The pass lasts: the sidebar still counts it, its chip stays passed and is marked with the
    // later failure, and the box says when it passed beside the failed result.
    wait_for_text(c, "#lab-serve-progress", &passed_of(1)).await;
    wait_for(c, "#lab-serve-progress .lab-step-chip.lab-step-pass.lab-step-latest-fail").await;
    wait_for_text(c, &format!("{BOX1} .lab-check-passed"), "通过于").await;
    screenshot(c, "serve-step1-fail-light.png").await;

    // Pending, then keep watching until it passes.
    api.put_pod_fixture("init-demo-init-1-of-2");
    click_run(c).await;
    let result = wait_for(c, &format!("{BOX1} .lab-check-result[data-verdict=\"pending\"]")).await;
    let text = result.text().await.unwrap();
    assert!(text.contains("进行中"), "{text}");
    // While pending, the next action is this page's own button, not the command line.
    assert!(text.contains("下一步：点「持续观察」"), "{text}");
    assert!(!text.contains("checker step 1"), "{text}");
    let watch = wait_for(c, &format!("{BOX1} button.lab-check-watch:not([hidden])")).await;
    assert_eq!(watch.text().await.unwrap(), "持续观察");
    screenshot(c, "serve-step1-pending-light.png").await;
    watch.click().await.unwrap();
    wait_for_text(c, &format!("{BOX1} .lab-check-live"), "持续观察中").await;
    wait_for_text(c, &format!("{BOX1} .lab-check-live"), "Init:1/2").await;
    screenshot(c, "serve-step1-watching-light.png").await;
    api.put_pod_fixture("init-demo-running");
    wait_for(c, &format!("{BOX1} .lab-check-result[data-verdict=\"pass\"]")).await;
    wait_for(c, &format!("{BOX1} button.lab-check-watch[hidden]")).await;
    wait_for_text(c, "#lab-serve-progress", &passed_of(1)).await;

    let errors = console_errors(c).await;
    assert!(errors.is_empty(), "console errors on the served page: {errors:#?}");

    // The dark theme.
    c.execute("localStorage.setItem('mdbook-theme', 'navy')", vec![]).await.unwrap();
    c.refresh().await.unwrap();
    wait_for(c, "html.navy").await;
    wait_for(c, &format!("{BOX1} button.lab-check-run")).await;
    show_box(c, 1).await;
    click_run(c).await;
    wait_for(c, &format!("{BOX1} .lab-check-result[data-verdict=\"pass\"]")).await;
    screenshot(c, "serve-step1-pass-dark.png").await;
    api.put_pod_fixture("init-demo-image-pull-backoff");
    click_run(c).await;
    wait_for(c, &format!("{BOX1} .lab-check-result[data-verdict=\"fail\"]")).await;
    screenshot(c, "serve-step1-fail-dark.png").await;
    c.execute("localStorage.setItem('mdbook-theme', 'light')", vec![]).await.unwrap();

    // Mermaid: the step page has no diagram and did not fetch the library; a page with diagrams
    // fetches it and draws them all.
    let fetched = c.execute(FETCHED_MERMAID, vec![]).await.unwrap();
    assert_eq!(fetched, Value::Bool(false), "step1-deploy.html has no diagram, yet it fetched Mermaid");
    let diagrams = page_with_diagrams(plain);
    c.goto(&format!("{}{diagrams}", served.url)).await.unwrap();
    webdriver::wait_until(c, &format!("the diagrams of {diagrams} drawn"), ALL_DRAWN).await;
    assert_eq!(c.execute(FETCHED_MERMAID, vec![]).await.unwrap(), Value::Bool(true));
    let errors = console_errors(c).await;
    assert!(errors.is_empty(), "console errors on the served {diagrams}: {errors:#?}");

    // No cluster: the page reads fine, the check says why and how to start one.
    let gone = FakeApiServer::start();
    let address = gone.url();
    std::fs::create_dir_all(work.join("gone")).unwrap();
    let kubeconfig = gone.write_kubeconfig(&work.join("gone"));
    gone.stop();
    let unreachable = Served::start(&kubeconfig, &[]);
    c.goto(&format!("{}step1-deploy.html", unreachable.url)).await.unwrap();
    wait_for(c, &format!("{BOX1} button.lab-check-run")).await;
    show_box(c, 1).await;
    click_run(c).await;
    let result = wait_for(c, &format!("{BOX1} .lab-check-result[data-verdict=\"error\"]")).await;
    let text = result.text().await.unwrap();
    for needle in ["无法检查", address.as_str(), "上下文 \"fake\"", "kind create cluster", "minikube start"]
    {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    screenshot(c, "serve-step1-unreachable-light.png").await;
    // The only console errors: the failed API answer itself (a non-200 status is logged).
    for e in console_errors(c).await {
        assert!(e.contains("/api/check/1") && e.contains("503"), "unexpected console error: {e}");
    }
    drop(unreachable);

    // The plain build, without the server: the command, no button, no console errors.
    let page = plain.join("step1-deploy.html");
    c.goto(&format!("file://{}", page.display())).await.unwrap();
    wait_for(c, &format!("{BOX1} pre code")).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let buttons =
        c.find_all(Locator::Css(".lab-check-run, .lab-check-actions, #lab-serve-progress")).await.unwrap();
    assert!(buttons.is_empty(), "the plain book has Run-check controls");
    let command = c.find(Locator::Css(&format!("{BOX1} pre code"))).await.unwrap();
    assert_eq!(command.text().await.unwrap(), "$ checker --lab init-container step 1");
    // The install line shows the installer for this system (Linux: the shell one) and links to
    // the install section.
    let shown = |css: &'static str| async move {
        c.find(Locator::Css(&format!("{BOX1} {css}"))).await.unwrap().is_displayed().await.unwrap()
    };
    assert!(shown(".lab-check-install").await, "no install line in the plain book");
    assert!(shown(".lab-install-unix").await && !shown(".lab-install-windows").await);
    let unix = c.find(Locator::Css(&format!("{BOX1} .lab-install-unix"))).await.unwrap();
    assert!(unix.text().await.unwrap().ends_with("/releases/latest/download/checker-installer.sh | sh"));
    let link = c.find(Locator::Css(&format!("{BOX1} .lab-check-install a"))).await.unwrap();
    assert_eq!(link.attr("href").await.unwrap().as_deref(), Some("checker.html#install"));
    let scripts: Vec<Value> = match c
        .execute(
            "return Array.from(document.scripts).map(s => s.src).filter(s => s.includes('_checker'))",
            vec![],
        )
        .await
        .unwrap()
    {
        Value::Array(a) => a,
        other => panic!("{other}"),
    };
    assert!(scripts.is_empty(), "{scripts:?}");
    show_box(c, 1).await;
    screenshot(c, "static-step1-light.png").await;
    let errors = console_errors(c).await;
    assert!(errors.is_empty(), "console errors on the plain page: {errors:#?}");
    // Its diagrams draw from disk too.
    c.goto(&format!("file://{}", plain.join(&diagrams).display())).await.unwrap();
    webdriver::wait_until(c, &format!("the diagrams of file://{diagrams} drawn"), ALL_DRAWN).await;
    let errors = console_errors(c).await;
    assert!(errors.is_empty(), "console errors on the plain {diagrams}: {errors:#?}");
    Ok(())
}

/// Whether the page fetched Mermaid's library (the browser's resource timing).
const FETCHED_MERMAID: &str = "return performance.getEntriesByType('resource')\
     .some(r => /\\/mermaid[^/]*\\.min\\.js$/.test(r.name));";

/// Whether the page has Mermaid blocks and each holds its drawing.
const ALL_DRAWN: &str = "const blocks = Array.from(document.querySelectorAll('pre.mermaid'));\
     return blocks.length > 0 && blocks.every(b => b.querySelector('svg') !== null);";

/// A chapter of the built book with a Mermaid diagram (not the print view).
fn page_with_diagrams(book: &Path) -> String {
    let mut pages: Vec<String> = std::fs::read_dir(book)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".html") && name != "print.html")
        .filter(|name| {
            std::fs::read_to_string(book.join(name))
                .is_ok_and(|html| html.contains("<pre class=\"mermaid\">"))
        })
        .collect();
    pages.sort();
    pages.into_iter().next().unwrap_or_else(|| panic!("no page of {} has a diagram", book.display()))
}

/// The verdict's word on the English pages (the checker's table of words, sent by /api/health).
fn verdict_en(verdict: Verdict) -> String {
    checker::words::verdict(verdict, lab_spec::Lang::En)
}

/// The words of step 1's verdict badge, as written (the stylesheet may capitalize them).
async fn badge(c: &Client) -> String {
    let css = format!("{BOX1} .lab-check-result .lab-verdict");
    match c.execute("return document.querySelector(arguments[0]).textContent", vec![json!(css)]).await {
        Ok(Value::String(s)) => s,
        other => panic!("no verdict badge: {other:?}"),
    }
}

/// The sidebar's words for `k` passed steps of the lab's, in English.
fn passed_of_en(k: usize) -> String {
    format!("Passed {k}/{} steps", lab_spec::LabSpec::embedded().unwrap().steps.len())
}

/// The English edition's step 1, served: Run check in English, then the language switch to the
/// Chinese page and back.
async fn english(c: &Client, api: &FakeApiServer, served: &Served) -> Result<(), String> {
    api.put_pod_fixture("init-demo-running");
    c.goto(&format!("{}en/step1-deploy.html", served.url)).await.map_err(|e| e.to_string())?;
    c.execute("localStorage.setItem('mdbook-theme', 'light')", vec![]).await.unwrap();
    c.refresh().await.unwrap();
    let run = wait_for(c, &format!("{BOX1} button.lab-check-run")).await;
    assert_eq!(run.text().await.unwrap(), "Run check");
    let title = c.find(Locator::Css(&format!("{BOX1} .lab-check-title"))).await.unwrap();
    assert_eq!(title.text().await.unwrap(), "Verify · Step 1: Deploy a pod with init containers");

    // Pass, in English.
    show_box(c, 1).await;
    click_run(c).await;
    let result = wait_for(c, &format!("{BOX1} .lab-check-result[data-verdict=\"pass\"]")).await;
    let text = result.text().await.unwrap();
    assert_eq!(badge(c).await, verdict_en(Verdict::Pass), "{text}");
    for needle in ["context fake", "Pod init-demo exists in namespace experiments", "init-demo"] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    wait_for_text(c, "#lab-serve-progress", &passed_of_en(1)).await;

    // Fail: the failure and its hint, from the spec's English texts.
    api.put_pod_fixture("init-demo-image-pull-backoff");
    click_run(c).await;
    let result = wait_for(c, &format!("{BOX1} .lab-check-result[data-verdict=\"fail\"]")).await;
    let text = result.text().await.unwrap();
    assert_eq!(badge(c).await, verdict_en(Verdict::Fail), "{text}");
    // One cause at the top, in English, with the fix; the expectations it explains under it.
    let cause =
        c.find(Locator::Css(&format!("{BOX1} .lab-check-cause[data-cause=\"image_pull\"]"))).await.unwrap();
    let said = cause.text().await.unwrap();
    for needle in ["busybox:latest", "kubectl delete pod init-demo -n experiments"] {
        assert!(said.contains(needle), "{needle} not in {said}");
    }
    let grouped =
        c.find_all(Locator::Css(&format!("{BOX1} .lab-check-grouped .lab-outcome-fail"))).await.unwrap();
    assert!(!grouped.is_empty(), "{text}");
    assert!(
        !text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese in the English result: {text}"
    );
    // The pass lasts, in the English sidebar too.
    wait_for_text(c, "#lab-serve-progress", &passed_of_en(1)).await;
    screenshot(c, "serve-en-step1-fail-light.png").await;
    let errors = console_errors(c).await;
    assert!(errors.is_empty(), "console errors on the English page: {errors:#?}");

    // The language switch: the same page in Chinese, with the Chinese button, and back.
    let switch = wait_for(c, "#mdbook-menu-bar a.lang-switch").await;
    assert_eq!(switch.text().await.unwrap(), "中文");
    switch.click().await.unwrap();
    let run = wait_for(c, &format!("{BOX1} button.lab-check-run")).await;
    assert_eq!(c.current_url().await.unwrap().path(), "/step1-deploy.html");
    assert_eq!(run.text().await.unwrap(), "运行检查");
    // Progress is one record whatever the language: the pass made on the English page counts.
    wait_for_text(c, "#lab-serve-progress", &passed_of(1)).await;
    let switch = wait_for(c, "#mdbook-menu-bar a.lang-switch").await;
    assert_eq!(switch.text().await.unwrap(), "English");
    switch.click().await.unwrap();
    wait_for_text(c, &format!("{BOX1} button.lab-check-run"), "Run check").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/en/step1-deploy.html");
    Ok(())
}

/// A learner namespace of the class `k8s`, with the lab's pod `fixture` in it (if any).
fn learner(api: &FakeApiServer, namespace: &str, fixture: Option<&str>) {
    api.put_object(json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": namespace, "labels": {"lab-checker/class": "k8s"}},
    }));
    if let Some(fixture) = fixture {
        let mut pod = testkit::pod_fixture(fixture);
        pod["metadata"]["namespace"] = json!(namespace);
        api.put_pod(pod);
    }
}

/// `checker serve --class`: the dashboard shows every learner's marks from the one follower the
/// server runs, and a learner's pod change reaches the open page without a reload; the page
/// makes one event-stream request (nothing per learner), reads well at a phone's width, and
/// speaks Chinese with `?lang=zh`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_class_dashboard_follows_the_class_live() {
    if !tools_present() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let api = FakeApiServer::start();
    learner(&api, "lab-alice", Some("init-demo-running"));
    learner(&api, "lab-bob", Some("init-demo-fail-crashloop"));
    learner(&api, "lab-carol", None);
    let kubeconfig = api.write_kubeconfig(work.path());
    let served = Served::start(&kubeconfig, &["--class"]);
    let driver = Driver::start(&work.path().join("chromedriver.log"));
    let c = driver.session(&work.path().join("profile"), (1280, 900)).await;
    let outcome = AssertUnwindSafe(dashboard(&c, &api, &served)).catch_unwind().await;
    let _ = c.close().await;
    match outcome {
        Ok(()) => {}
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

async fn dashboard(c: &Client, api: &FakeApiServer, served: &Served) {
    let carol = "#board tr[data-namespace='lab-carol'] td:nth-child(2)";
    // Counts the event streams the page opens.
    webdriver::on_every_document(
        c,
        "window.__streams = []; const Source = window.EventSource; \
         window.EventSource = function (url) { window.__streams.push(url); return new Source(url); };",
    )
    .await;
    c.goto(&format!("{}/_checker/class?lang=en", served.origin())).await.unwrap();
    wait_for_text(c, "#summary", "3 learners").await;
    wait_for_text(c, "#board tr[data-namespace='lab-alice'] td:nth-child(2)", "✔").await;
    wait_for_text(c, carol, "✘").await;
    wait_for_text(c, "#board thead", "Namespace").await;
    screenshot(c, "class-dashboard-1280.png").await;

    // Carol deploys: her step 1 turns to a pass in the open page.
    let mut pod = testkit::pod_fixture("init-demo-running");
    pod["metadata"]["namespace"] = json!("lab-carol");
    api.put_pod(pod);
    wait_for_text(c, carol, "✔").await;
    let flashed =
        c.execute("return document.querySelector(\"tr[data-namespace='lab-carol']\").className", vec![]);
    assert_eq!(flashed.await.unwrap(), json!("changed"), "the changed row is marked");

    // What the page asked the server for: its two files and one event stream (still open, so
    // not among the finished resources), nothing per learner.
    let asked = c
        .execute("return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)", vec![])
        .await
        .unwrap();
    let mut asked: Vec<String> = serde_json::from_value(asked).unwrap();
    asked.sort();
    assert_eq!(asked, ["/_checker/class.css", "/_checker/class.js"], "{asked:?}");
    let streams = c.execute("return window.__streams", vec![]).await.unwrap();
    assert_eq!(streams, json!(["/api/class/events?lang=en"]));
    assert!(console_errors(c).await.is_empty());

    // A phone: the table scrolls in its box, the page itself does not.
    c.set_window_size(390, 844).await.unwrap();
    wait_until(c, "the page fits 390 px", "return document.documentElement.scrollWidth <= window.innerWidth")
        .await;
    screenshot(c, "class-dashboard-390.png").await;

    c.goto(&format!("{}/_checker/class?lang=zh", served.origin())).await.unwrap();
    wait_for_text(c, "#summary", "3 名学员").await;
    wait_for_text(c, "#board thead", "命名空间").await;
    wait_for_text(c, carol, "✔").await;

    // Two page loads, one follower: the server watched the pods once.
    let watches =
        api.requests().iter().filter(|r| r.path == "/api/v1/pods" && r.query.contains("watch=true")).count();
    assert_eq!(watches, 1, "one watch of the pods for every page");
}
