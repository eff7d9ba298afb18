use clap::CommandFactory;

use super::*;
use crate::cli::Cli;
use crate::i18n::Lang;

/// Phrases that are names, not English sentences: the lab's title keeps its English term.
const NAMES: &[&str] = &["Init Container"];

/// The English sentences in `text`: two or more English words in a row on one line (joined by
/// a space, a comma or a bracket), outside `code spans`, usage lines, placeholders (`<FILE>`, `NUMBER`: no
/// lower-case letter) and the names above.
pub(crate) fn english_sentences(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        // A usage line is a command, as code is.
        let line = line.split("用法：").next().unwrap_or_default();
        let mut plain = String::new();
        for (i, part) in line.split('`').enumerate() {
            plain.push_str(if i % 2 == 0 { part } else { "·" });
        }
        for name in NAMES {
            plain = plain.replace(name, "·");
        }
        // Words and what separates them, in order.
        let mut run: Vec<String> = Vec::new();
        let mut word = String::new();
        let mut gap = String::new();
        let mut flush = |run: &mut Vec<String>| {
            if run.len() >= 2 {
                found.push(run.join(" "));
            }
            run.clear();
        };
        for c in plain.chars().chain(std::iter::once('\n')) {
            if c.is_ascii_alphabetic() || (c == '\'' && !word.is_empty()) {
                if word.is_empty() {
                    let joins = !gap.is_empty()
                        && gap.chars().all(|g| " ,;()\"'".contains(g))
                        && gap.matches(' ').count() <= 1;
                    if !joins {
                        flush(&mut run);
                    }
                    gap.clear();
                }
                word.push(c);
            } else {
                if !word.is_empty() {
                    if word.chars().any(|w| w.is_ascii_lowercase()) {
                        run.push(std::mem::take(&mut word));
                    } else {
                        word.clear();
                        flush(&mut run);
                    }
                }
                gap.push(c);
            }
        }
        flush(&mut run);
    }
    found
}

fn all_commands(cmd: &Command, out: &mut Vec<Command>) {
    out.push(cmd.clone());
    for sub in cmd.get_subcommands() {
        all_commands(sub, out);
    }
}

/// Every command with the key of its texts (`class status`).
fn keyed_commands(cmd: &Command, path: &[String], out: &mut Vec<(String, Command)>) {
    out.push((key_of(path), cmd.clone()));
    for sub in cmd.get_subcommands() {
        let mut sub_path = path.to_vec();
        sub_path.push(sub.get_name().to_string());
        keyed_commands(sub, &sub_path, out);
    }
}

#[test]
fn every_command_and_argument_has_a_chinese_text() {
    let mut cmd = Cli::command();
    cmd.build();
    let mut commands = Vec::new();
    keyed_commands(&cmd, &[], &mut commands);
    let mut missing = Vec::new();
    for (name, c) in &commands {
        let name = name.as_str();
        if about(name).is_none() {
            missing.push(format!("the about of `{name}`"));
        }
        for arg in c.get_arguments() {
            let id = arg.get_id().as_str();
            if arg_help(name, id).is_none() {
                missing.push(format!("the help of `{name} {id}`"));
            }
        }
    }
    assert!(missing.is_empty(), "add Chinese texts to cli/zh.rs for: {missing:#?}");
}

#[test]
fn every_help_in_chinese_has_no_english_sentence_left() {
    let mut zh = translate(Cli::command());
    let mut commands = Vec::new();
    all_commands(&zh, &mut commands);
    assert!(commands.len() > 8, "every subcommand, and the help command's");
    let mut texts = vec![zh.render_help().to_string(), zh.render_long_help().to_string()];
    let names: Vec<String> = zh.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in &names {
        let sub = zh.find_subcommand_mut(name).unwrap();
        texts.push(sub.render_help().to_string());
        texts.push(sub.render_long_help().to_string());
        let nested: Vec<String> =
            sub.get_subcommands().map(|s| s.get_name().to_string()).filter(|n| n != "help").collect();
        for nested in nested {
            let nested = sub.find_subcommand_mut(&nested).unwrap();
            texts.push(nested.render_help().to_string());
        }
    }
    for text in &texts {
        let english = english_sentences(text);
        assert!(english.is_empty(), "English left in the Chinese help: {english:?}\n{text}");
        assert!(text.contains("用法："), "{text}");
        assert!(text.contains("选项:") || text.contains("用法：checker help"), "{text}");
    }
    let root = &texts[1];
    assert!(root.contains("命令:") && root.contains("退出码"), "{root}");
    let step = zh.find_subcommand_mut("step").unwrap().render_help().to_string();
    assert!(
        step.contains("参数:") && step.contains("<NUMBER>") && step.contains("（可选：text、json）"),
        "{step}"
    );
    assert!(step.contains("用法：checker step [选项] <NUMBER>"), "{step}");
}

#[test]
fn the_check_finds_english() {
    assert_eq!(english_sentences("Print help (see more with '--help')"), ["Print help see more with"]);
    assert_eq!(english_sentences("  -h, --help  Print help"), ["Print help"]);
    assert!(
        english_sentences("  list   Pod\n  progress   x").is_empty(),
        "columns and lines are not sentences"
    );
    assert!(english_sentences("（可选：zh、en）").is_empty());
    assert!(
        english_sentences("显示帮助；用 `kubectl get pods` 查看；Init Container 初始化容器；<FILE>")
            .is_empty()
    );
    assert!(english_sentences("--kubeconfig <FILE>  kubeconfig 文件的路径（默认：$KUBECONFIG）").is_empty());
}

#[test]
fn english_stays_english() {
    let mut en = Cli::command();
    let help = en.render_long_help().to_string();
    assert!(help.contains("Usage:") && help.contains("Options:"), "{help}");
}

#[test]
fn usage_errors_in_chinese() {
    let cases: &[(&[&str], &str)] = &[
        (&["checker", "stpe", "1"], "没有命令 “stpe”（是不是想用 “step”？）"),
        (&["checker", "list", "--frobnicate"], "不认识的参数 “--frobnicate”"),
        (&["checker", "list", "-o", "yaml"], "的值 “yaml” 无效；可选：text、json"),
        (&["checker", "step", "1", "--wait", "soon"], "应为时长"),
        (&["checker", "step"], "缺少必需的参数"),
        (&["checker", "step", "1", "--wait", "1m", "--from", "x"], "不能与"),
        (&["checker"], "缺少命令"),
    ];
    for (args, needle) in cases {
        let e = translate(Cli::command()).try_get_matches_from(*args).unwrap_err();
        let text = error(&e).unwrap_or_else(|| panic!("{args:?} is an error"));
        assert!(text.contains(needle), "{args:?}: {needle:?} not in\n{text}");
        assert!(text.starts_with("错误："), "{text}");
        let english = english_sentences(&text);
        assert!(english.is_empty(), "{args:?}: English left: {english:?}\n{text}");
    }
    let help = translate(Cli::command()).try_get_matches_from(["checker", "--help"]).unwrap_err();
    assert!(error(&help).is_none(), "help is not an error");
    let _ = Lang::Zh;
}
