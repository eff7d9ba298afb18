//! The command line in Chinese: `--help` of every command and option, and clap's usage errors.
//!
//! The English texts are the doc comments in `cli.rs` (clap's derive reads them); the Chinese
//! ones are the tables below, keyed by command name and argument id. [`translate`] builds the
//! command tree (clap adds `--help`, `--version` and the `help` command then) and replaces every
//! text a learner reads: abouts, argument helps, headings, usage lines, possible and default
//! values. A test (`tests.rs`) fails when a command or argument has no Chinese text, and renders
//! every command's help in Chinese to find English sentences left in it.

use clap::builder::{PossibleValue, StyledStr};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command};

/// Chinese abouts by command name: (name, about, long about).
pub(super) const ABOUTS: &[(&str, &str, Option<&str>)] = &[
    (
        "checker",
        "按本书各实验（实验 1.2“Init Container 初始化容器”及其后续实验）的步骤核对你的 Kubernetes 集群",
        Some(
            "按本书各实验（实验 1.2“Init Container 初始化容器”及其后续实验）的步骤核对你的 Kubernetes 集群；\
             `checker labs` 列出这些实验。\n\n\
             退出码：0 步骤通过；1 进行中或未通过；2 用法或输入错误；3 连不上集群或无权访问。",
        ),
    ),
    ("labs", "列出本书的实验和你在每个实验中的进度；`*` 标出各命令当前针对的实验", None),
    ("list", "列出本实验的步骤和你的进度", None),
    ("step", "对集群（或保存的状态）核对一个步骤，并记录结果", None),
    ("status", "像 `kubectl get pods` 一样列出本实验的 Pod", None),
    (
        "doctor",
        "检查这台机器和集群能否带你完成每一步（即本书的环境检查）：退出码 0 一切就绪，1 有问题，3 连不上集群",
        None,
    ),
    ("progress", "显示每一步最近的结果、通过的时间，以及已达成的实验目标", None),
    ("snapshot", "把本实验的 Pod、日志和事件保存到文件，供 --from 使用", None),
    ("report", "写出你自己的 Markdown 实验记录：步骤、观察到的状态、耗时、甘特图（清理之后也能生成）", None),
    ("completions", "输出 shell 补全脚本", None),
    ("lint", "供实验作者使用：对照清单文件、书和 RBAC 清单检查各个实验", None),
    ("serve", "在浏览器中提供这本书，每个验证框里都有“运行检查”按钮", None),
    ("class", "供教师使用：一个共享集群，每名学员一个命名空间，一眼看到每名学员的进度", None),
    ("class manifests", "输出（从不应用）班级的命名空间和 RBAC，供 `kubectl apply -f -` 使用", None),
    ("class status", "每名学员在本实验每一步上的结果：对整个班级只发几次 LIST 请求", None),
    ("help", "显示本帮助，或指定命令的帮助", None),
];

/// Chinese helps by (command name, argument id); `*` stands for any command (the global options
/// and the ones clap adds).
pub(super) const ARGS: &[(&str, &str, &str)] = &[
    ("*", "kubeconfig", "kubeconfig 文件的路径（默认：$KUBECONFIG，其次 ~/.kube/config）"),
    ("*", "context", "使用的 kubeconfig 上下文（默认：当前上下文）"),
    ("*", "namespace", "实验所在的命名空间（默认：实验规格中的 experiments）"),
    ("*", "lang", "输出的语言（默认：由 LANG 决定，除非它是英文或 C，否则为中文；serve 默认用书的语言）"),
    (
        "*",
        "lab",
        "要操作的实验的 ID（`checker labs` 会列出；默认：你上次核对的实验，否则为本书的第一个实验）",
    ),
    ("*", "spec", "供实验作者使用：用这个实验规格文件代替同 ID 的实验（或作为新增的实验），并操作它"),
    ("*", "output", "输出格式"),
    ("*", "help", "显示帮助"),
    ("*", "version", "显示版本"),
    ("step", "number", "步骤编号，与书中一致（`checker list` 会列出）"),
    (
        "step",
        "from",
        "核对保存下来的状态而不是集群：一个 Pod、一个列表（`kubectl get pods -o yaml`）或一份快照",
    ),
    ("step", "wait", "持续观察集群，直到这一步通过或到达时长上限（默认 2m），然后打印 STATUS 的变化过程"),
    ("status", "from", "读取保存下来的状态而不是集群"),
    ("snapshot", "file", "写入这个文件，而不是标准输出"),
    ("report", "output", "写入这个文件，而不是标准输出"),
    ("completions", "shell", "为哪种 shell 生成"),
    ("serve", "port", "监听的端口（0 表示任选一个空闲端口）"),
    ("serve", "address", "监听的地址；回环地址以外的地址会把检查功能暴露给你所在的网络"),
    ("serve", "open", "在浏览器中打开这本书"),
    ("serve", "book", "书的根目录，含 book.toml（默认：当前目录，或向上最近一个含 book.toml 的目录）"),
    (
        "serve",
        "dest",
        "把书构建到 DIR 并保留（默认：临时目录，退出时删除）；DIR 中是不带“运行检查”按钮的普通版本",
    ),
    ("lint", "all", "检查所有实验，即使 --lab（或 CHECKER_LAB）指定了一个；不带 --lab 时的默认行为"),
    (
        "lint",
        "path",
        "书的仓库目录（含 book.toml 和 labs/labs.yaml），或一个实验规格文件（默认：当前目录所在的仓库）",
    ),
    ("class manifests", "learners", "班级文件：班级名、教师和学员（见本书的环境准备一章）"),
    (
        "class status",
        "selector",
        "用标签选择器选出班级的命名空间（默认：lab-checker/class，即 `checker class manifests` 生成的所有命名空间）",
    ),
    ("class status", "prefix", "用名字前缀选出班级的命名空间，例如 lab-"),
    (
        "class status",
        "watch",
        "保持实时（每种资源一个 watch）：先输出整张进度表，之后只输出判定有变化的学员（JSON 每次一行），直到按 Ctrl-C 或过了 DURATION（默认且最长 24h）",
    ),
    (
        "serve",
        "class",
        "同时提供教师的班级看板（/_checker/class）：每名学员每一步的判定，实时更新，每种资源一个 watch（需要教师的 kubeconfig，见 `checker class`）",
    ),
    ("serve", "class_selector", "用标签选择器选出班级的命名空间（默认：lab-checker/class）"),
    ("serve", "class_prefix", "用名字前缀选出班级的命名空间，例如 lab-"),
    ("help", "subcommand", "要查看帮助的命令"),
];

/// Clap's own help texts for `--help` when some argument has a long help.
const HELP_SHORT: &str = "显示帮助（--help 显示更多）";
const HELP_LONG: &str = "显示帮助（-h 显示摘要）";

fn about(name: &str) -> Option<(&'static str, Option<&'static str>)> {
    ABOUTS.iter().find(|(n, ..)| *n == name).map(|(_, about, long)| (*about, *long))
}

fn arg_help(command: &str, id: &str) -> Option<&'static str> {
    let exact = ARGS.iter().find(|(c, a, _)| *c == command && *a == id);
    let any = ARGS.iter().find(|(c, a, _)| *c == "*" && *a == id);
    exact.or(any).map(|(.., help)| *help)
}

/// The command tree built, with every text in Chinese.
pub fn translate(mut cmd: Command) -> Command {
    cmd.build();
    // The root's texts are under `checker`, whatever the executable is called (`kubectl-lab`).
    translate_built(&mut cmd, &[]);
    cmd
}

fn translate_built(cmd: &mut Command, path: &[String]) {
    let name = key_of(path);
    // The usage line as clap writes it, with its two English words replaced.
    let usage = cmd.render_usage().to_string();
    let usage = usage
        .trim_start_matches("Usage:")
        .trim()
        .replace("[OPTIONS]", "[选项]")
        .replace("<COMMAND>", "<命令>")
        .replace("[COMMAND]", "[命令]");
    let long_help_exists =
        cmd.get_arguments().any(|a| a.get_long_help().is_some()) || cmd.get_long_about().is_some();
    let mut c = std::mem::take(cmd)
        .override_usage(usage)
        .help_template("{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令");
    if let Some((about, long)) = about(&name) {
        c = c.about(about).long_about(long);
    }
    c = c.mut_args(|arg| translate_arg(&name, arg, long_help_exists));
    *cmd = c;
    for sub in cmd.get_subcommands_mut() {
        let mut sub_path = path.to_vec();
        sub_path.push(sub.get_name().to_string());
        translate_built(sub, &sub_path);
    }
}

/// The key of a command's texts from its path below the root: `checker` for the root, `step`,
/// `class status` (which is not `status`); clap's `help` is `help` wherever it is, and the
/// commands under it (`help class status`) are keyed as the commands they explain.
pub(super) fn key_of(path: &[String]) -> String {
    if path.last().is_some_and(|n| n == "help") {
        return "help".to_string();
    }
    let words: Vec<&str> = path.iter().map(String::as_str).filter(|n| *n != "help").collect();
    match words.is_empty() {
        true => "checker".to_string(),
        false => words.join(" "),
    }
}

fn translate_arg(command: &str, arg: Arg, long_help_exists: bool) -> Arg {
    let id = arg.get_id().as_str().to_string();
    let mut help = match (id.as_str(), long_help_exists) {
        ("help", true) => HELP_SHORT.to_string(),
        _ => arg_help(command, &id).unwrap_or_default().to_string(),
    };
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(PossibleValue::get_name)
        .map(str::to_string)
        .collect();
    let defaults: Vec<String> =
        arg.get_default_values().iter().map(|v| v.to_string_lossy().to_string()).collect();
    let takes_value = arg.get_action().takes_values();
    if takes_value && !values.is_empty() {
        help.push_str(&format!("（可选：{}）", values.join("、")));
    }
    if takes_value && !defaults.is_empty() && !arg.is_hide_default_value_set() {
        help.push_str(&format!("（默认：{}）", defaults.join("、")));
    }
    let heading = if arg.is_positional() { "参数" } else { "选项" };
    let arg = arg.help(help).hide_possible_values(true).hide_default_value(true).help_heading(heading);
    match (id.as_str(), long_help_exists) {
        ("help", true) => arg.long_help(HELP_LONG),
        _ => arg.long_help(None::<&str>),
    }
}

/// A usage error of clap's in Chinese: what is wrong in one line, the usage line, and where to
/// read more. `None` for the kinds that are not errors (help, version).
pub fn error(e: &clap::Error) -> Option<String> {
    let text = |kind: ContextKind| match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::StyledStrs(v)) => {
            v.iter().map(StyledStr::to_string).collect::<Vec<_>>().join("、")
        }
        Some(ContextValue::Number(n)) => n.to_string(),
        Some(ContextValue::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    let arg = text(ContextKind::InvalidArg);
    let value = text(ContextKind::InvalidValue);
    let mut line = match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => return None,
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            format!("缺少命令：运行 `{} --help` 查看所有命令", crate::i18n::program())
        }
        ErrorKind::InvalidValue if value.is_empty() => format!("{arg} 需要一个值"),
        ErrorKind::InvalidValue => {
            let valid = text(ContextKind::ValidValue);
            match valid.is_empty() {
                true => format!("{arg} 的值 “{value}” 无效"),
                false => format!("{arg} 的值 “{value}” 无效；可选：{valid}"),
            }
        }
        ErrorKind::ValueValidation => {
            // Our value parsers word their reasons in the process's language; a reason that is
            // not in Chinese (a library's) is left out.
            let why = std::error::Error::source(e).map(|s| s.to_string()).unwrap_or_default();
            let chinese = why.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            let why = match (chinese, arg.contains("--wait")) {
                (true, _) => why,
                (false, true) => "应为时长，例如 30s、2m、1h，最长 24h".to_string(),
                (false, false) => "格式不对".to_string(),
            };
            format!("{arg} 的值 “{value}” 无效：{why}")
        }
        ErrorKind::UnknownArgument => format!("不认识的参数 “{arg}”"),
        ErrorKind::InvalidSubcommand => format!("没有命令 “{}”", text(ContextKind::InvalidSubcommand)),
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        ErrorKind::ArgumentConflict => {
            let prior = text(ContextKind::PriorArg);
            match prior.is_empty() {
                true => format!("{arg} 不能与其他参数同时使用"),
                false => format!("{arg} 不能与 {prior} 同时使用"),
            }
        }
        ErrorKind::NoEquals => format!("{arg} 的值要用 = 连接"),
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("{arg} 的值的个数不对")
        }
        ErrorKind::InvalidUtf8 => "命令行中有无效的 UTF-8".to_string(),
        _ => "命令行有误".to_string(),
    };
    let suggested =
        [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg, ContextKind::SuggestedValue]
            .into_iter()
            .map(text)
            .find(|s| !s.is_empty());
    if let Some(suggested) = suggested {
        line.push_str(&format!("（是不是想用 “{suggested}”？）"));
    }
    let usage = text(ContextKind::Usage);
    let usage = usage.trim_start_matches("Usage:").trim();
    let mut out = format!("错误：{line}\n");
    if !usage.is_empty() {
        out.push_str(&format!("\n用法：{usage}\n"));
    }
    out.push_str(&format!("\n运行 `{} --help` 查看帮助。\n", crate::i18n::program()));
    Some(out)
}

#[cfg(test)]
mod tests;
