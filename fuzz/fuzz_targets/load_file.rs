//! `--from FILE` on arbitrary bytes: the same path as `checker step N --from` (UTF-8, BOM, YAML
//! limits, serde_yaml, the kinds), then every step evaluated and rendered. A panic, a hang or
//! memory beyond libFuzzer's `-rss_limit_mb` is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).to_string();
    let now: jiff::Timestamp = "2026-11-20T10:05:00Z".parse().unwrap();
    let path = std::path::Path::new("fuzz.yaml");
    let Ok(obs) = checker::observation::parse(text, path, "experiments", now) else { return };
    let spec = lab_spec::LabSpec::embedded().unwrap();
    for step in &spec.steps {
        let report = checker::evaluate::evaluate(&spec, step, &obs, lab_spec::Lang::En);
        let _ = checker::report::step_text(&report, lab_spec::Lang::En);
        let _ = checker::report::to_json(&checker::report::StepJson::new(&report));
    }
});
