//! The command line: what a learner can type, parsed by clap, in the learner's language.
//!
//! The doc comments below are the English help; [`zh`] has the Chinese one. The language is
//! read off the arguments (`--lang`) and the environment before clap parses, so that `--help`
//! and clap's own usage errors follow it too.

mod zh;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use lab_spec::Lang;

use crate::error::{Error, Result};
use crate::i18n::{self, tr};
use crate::msg;

/// The longest `--wait`: a day (a longer wait is a typo; nothing in the lab takes that long).
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Checks your Kubernetes cluster against the steps of the book's labs (experiment 1.2 "Init
/// Container 初始化容器" and those after it): `checker labs` lists them.
///
/// Exit codes: 0 the step passed; 1 pending or failed; 2 usage or input error;
/// 3 cluster unreachable or access denied.
#[derive(Debug, Parser)]
#[command(name = "checker", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// How the learner runs us, from the executable's file name (argv[0]).
///
/// kubectl's plugin mechanism runs an executable `kubectl-NAME` found on PATH for `kubectl NAME`
/// (a `-` in the file name separates command words, a `_` stands for a `-` in a word; on Windows
/// the file ends in `.exe`). So the same binary answers `checker step 3` and, installed as
/// `kubectl-lab`, `kubectl lab step 3`, with the same flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// What the learner types: `checker` or `kubectl lab`. Usage, help and errors name it.
    pub command: String,
    /// The executable's name without `.exe`: `checker` or `kubectl-lab`. Completion scripts
    /// complete it.
    pub executable: String,
}

impl Invocation {
    pub const CHECKER: &str = "checker";

    pub fn of(argv0: Option<&OsStr>) -> Invocation {
        let file = argv0.map(Path::new).and_then(Path::file_name).and_then(OsStr::to_str).unwrap_or_default();
        let executable = match file.len().checked_sub(4).filter(|&i| file.is_char_boundary(i)) {
            Some(i) if file[i..].eq_ignore_ascii_case(".exe") => &file[..i],
            _ => file,
        };
        let command = match executable.strip_prefix("kubectl-") {
            Some(plugin) if !plugin.is_empty() => {
                let words: Vec<String> = plugin.split('-').map(|w| w.replace('_', "-")).collect();
                format!("kubectl {}", words.join(" "))
            }
            _ if executable.is_empty() => Invocation::CHECKER.to_string(),
            _ => executable.to_string(),
        };
        let executable = if executable.is_empty() { Invocation::CHECKER } else { executable };
        Invocation { command, executable: executable.to_string() }
    }

    /// The command line's definition, named as invoked: the usage of `kubectl lab step` reads
    /// `kubectl lab step [OPTIONS] <NUMBER>`, and `--version` prints `kubectl-lab 0.1.0`.
    pub fn clap_command(&self) -> clap::Command {
        Cli::command().name(self.executable.clone()).bin_name(self.command.clone())
    }
}

/// Options every command takes, like kubectl's.
#[derive(Debug, Args)]
pub struct Global {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (default: the current context)
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// The namespace of the lab (default: the lab spec's, e.g. `experiments`)
    #[arg(short, long, global = true)]
    pub namespace: Option<String>,
    /// The lab to work on, by id (`checker labs` lists them; default: the lab you checked last,
    /// else the book's first)
    #[arg(long, global = true, value_name = "ID", env = "CHECKER_LAB")]
    pub lab: Option<String>,
    /// Language of the output (default: from LANG, Chinese unless it is English or C; for
    /// `serve`, the book's language, and the edition of the book it opens: `en` opens /en/)
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
    /// For lab authors: use this lab spec instead of the lab of its id (or as one more lab), and
    /// work on it
    #[arg(long, global = true, value_name = "FILE", env = "CHECKER_LAB_SPEC")]
    pub spec: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct OutputArg {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub output: Format,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the book's labs with your progress in each; `*` marks the one commands work on
    Labs {
        #[command(flatten)]
        output: OutputArg,
    },
    /// List the lab's steps with your progress
    List {
        #[command(flatten)]
        output: OutputArg,
    },
    /// Check one step against the cluster and record the result (a saved state given with
    /// --from is evaluated, never recorded)
    Step {
        /// The step number, as in the book (`checker list` shows them)
        number: u32,
        /// Evaluate a saved state instead of the cluster: a Pod, a List (`kubectl get pods -o
        /// yaml`) or a snapshot; the result is not recorded as your progress
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        /// Watch the cluster until the step passes or DURATION runs out (default 2m, at most
        /// 24h), then print the STATUS timeline
        #[arg(
            long,
            value_name = "DURATION",
            num_args = 0..=1,
            default_missing_value = "2m",
            value_parser = parse_wait,
            conflicts_with = "from"
        )]
        wait: Option<std::time::Duration>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Show the lab's pods as `kubectl get pods` does
    Status {
        /// Read a saved state instead of the cluster
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Check that this machine and cluster can take you through every step (the book's
    /// environment check): exit 0 all set, 1 problems, 3 the cluster cannot be reached
    Doctor {
        #[command(flatten)]
        output: OutputArg,
    },
    /// Show every step's last result and the goals you achieved
    Progress {
        #[command(flatten)]
        output: OutputArg,
    },
    /// Save the lab's pods, their logs and events to a file for `--from`
    Snapshot {
        /// Write to this file instead of standard output
        #[arg(short, long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Write your own experiment record in Markdown: steps, observed status, timings, a gantt chart
    Report {
        /// Write to this file instead of standard output
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print a shell completion script for this executable (`checker`, or `kubectl-lab`)
    Completions { shell: Shell },
    /// For lab authors: check the labs against their manifests, the book and the RBAC manifest
    Lint(LintArgs),
    /// Serve the book in your browser, with a Run-check button in every verify box
    Serve(ServeArgs),
    /// For teachers: one shared cluster, one namespace per learner, every learner's progress
    #[command(subcommand)]
    Class(ClassCommand),
}

/// `checker class …`: the teacher's side of a classroom.
#[derive(Debug, Subcommand)]
pub enum ClassCommand {
    /// Print (never apply) the class's namespaces and RBAC for `kubectl apply -f -`
    Manifests {
        /// The class file: the class name, the teacher and the learners (see the book's setup
        /// chapter)
        #[arg(long, value_name = "FILE")]
        learners: PathBuf,
    },
    /// Every learner's verdict on every step of the lab, from a few LISTs across the class
    Status(ClassStatusArgs),
}

/// `checker class status [--selector S | --prefix P] [-o text|json|csv]`.
#[derive(Debug, Args)]
pub struct ClassStatusArgs {
    /// The class's namespaces by label selector (default: `lab-checker/class`, every namespace
    /// `checker class manifests` made)
    #[arg(long, value_name = "SELECTOR", conflicts_with = "prefix")]
    pub selector: Option<String>,
    /// The class's namespaces by name prefix, e.g. `lab-`
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = ClassFormat::Text)]
    pub output: ClassFormat,
    /// Stay live, from one watch per kind: print the board, then the learners whose verdicts
    /// change (JSON: one line each), until Ctrl-C or DURATION (default and at most 24h)
    #[arg(long, value_name = "DURATION", num_args = 0..=1, default_missing_value = "24h", value_parser = parse_wait)]
    pub watch: Option<std::time::Duration>,
}

/// The class view's formats: a table, or data for the course's own tools.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ClassFormat {
    #[default]
    Text,
    Json,
    Csv,
}

/// `checker lint [--lab ID | --all] [PATH]`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Lint every lab, even when --lab (or CHECKER_LAB) names one; the default without --lab
    #[arg(long)]
    pub all: bool,
    /// The book's checkout (holding book.toml and labs/labs.yaml) or a lab spec file (default:
    /// the checkout the current directory is in)
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArg,
}

/// `checker serve`: the book with live checks, on this machine only unless `--address` says.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port to listen on (0 picks a free one)
    #[arg(short, long, default_value_t = 3000)]
    pub port: u16,
    /// The address to listen on; anything but a loopback address exposes the checks to your
    /// network
    #[arg(long, default_value = "127.0.0.1")]
    pub address: std::net::IpAddr,
    /// Open the book in your web browser
    #[arg(long)]
    pub open: bool,
    /// The book's root, holding book.toml (default: the current directory or the nearest one
    /// above it that holds a book.toml)
    #[arg(long, value_name = "DIR")]
    pub book: Option<PathBuf>,
    /// Build the book into DIR and keep it there (default: a temporary directory, removed on
    /// exit); DIR holds the plain book, without the Run-check buttons
    #[arg(long, value_name = "DIR")]
    pub dest: Option<PathBuf>,
    /// Also serve the teacher's class dashboard (/_checker/class): every learner's verdicts, live,
    /// from one watch per kind (needs the teacher's kubeconfig; see `checker class`)
    #[arg(long)]
    pub class: bool,
    /// The class's namespaces by label selector (default: lab-checker/class)
    #[arg(long, value_name = "SELECTOR", requires = "class", conflicts_with = "class_prefix")]
    pub class_selector: Option<String>,
    /// The class's namespaces by name prefix, e.g. `lab-`
    #[arg(long, value_name = "PREFIX", requires = "class")]
    pub class_prefix: Option<String>,
}

/// A `--wait` duration: humantime's syntax (`90s`, `2m`, `1h 30m`), at most [`MAX_WAIT`].
pub fn parse_wait(text: &str) -> std::result::Result<Duration, String> {
    // The process's language: set from --lang and the locale before the arguments are parsed.
    let lang = i18n::lang();
    let wait = humantime::parse_duration(text).map_err(|e| {
        tr(lang, "不是时长（例如 90s、2m、1h）", &format!("not a duration (like 90s, 2m, 1h): {e}"))
    })?;
    if wait > MAX_WAIT {
        return Err(tr(lang, "超过最长的 24h", "longer than the maximum of 24h"));
    }
    Ok(wait)
}

/// Whether `name` is a namespace name the API server accepts: a DNS-1123 label (lower-case
/// letters, digits and `-`, at most 63, starting and ending with a letter or digit).
pub fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    let inner = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (1..=63).contains(&bytes.len()) && bytes.iter().all(inner) && edge(bytes.first()) && edge(bytes.last())
}

/// Checks the namespace and context to use before anything goes into a URL path or a lookup:
/// one line, exit 2.
pub fn validate_target(namespace: &str, context: Option<&str>) -> Result<()> {
    if !is_dns_label(namespace) {
        let shown = crate::sanitize::line(namespace);
        return Err(Error::Usage(msg!(
            "命名空间 \"{shown}\" 不是合法的名字（小写字母、数字和 -，最多 63 个字符，以字母或数字开头和结尾）：用 -n 指定",
            "namespace \"{shown}\" is not a valid name (lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit): pass -n NAME"
        )));
    }
    if let Some(context) = context {
        let shown = crate::sanitize::line(context);
        if context.trim().is_empty() || context.len() > 512 || context.chars().any(char::is_control) {
            return Err(Error::Usage(msg!(
                "--context \"{shown}\" 不是上下文的名字（不能为空、不能含控制字符、最多 512 字节；`kubectl config get-contexts` 列出它们）",
                "--context \"{shown}\" is not a context name (not empty, no control characters, at most 512 bytes; `kubectl config get-contexts` lists them)"
            )));
        }
    }
    Ok(())
}

/// The language asked for with `--lang` (`--lang zh`, `--lang=en`; the last one counts), read
/// before clap parses; `None` when the arguments name none (or an unknown one: clap says so).
pub fn lang_in_args<I, T>(args: I) -> Option<Lang>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let mut lang = None;
    let mut i = 1;
    while i < args.len() {
        let arg = args[i].to_string_lossy();
        if arg == "--" {
            break;
        }
        let value = match arg.strip_prefix("--lang") {
            Some("") => {
                i += 1;
                args.get(i).map(|v| v.to_string_lossy().to_string())
            }
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        };
        match value.as_deref() {
            Some("zh") => lang = Some(Lang::Zh),
            Some("en") => lang = Some(Lang::En),
            _ => {}
        }
        i += 1;
    }
    lang
}

/// The command line with its help in `lang`, named as `invocation` says (`checker`, or `kubectl
/// lab` for the kubectl plugin).
pub fn command(lang: Lang, invocation: &Invocation) -> clap::Command {
    let cmd = invocation.clap_command();
    match lang {
        Lang::En => cmd,
        Lang::Zh => zh::translate(cmd),
    }
}

/// Parses `args` (the program name first). Help, the version and usage errors are printed in
/// `lang` (stdout for help and version, stderr for errors) and end the process with the exit
/// code returned: 0 for help and version, 2 for a usage error.
pub fn parse<I, T>(args: I, lang: Lang) -> Result<Cli, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    // Help, usage and errors name the command the way the learner typed it.
    let invocation = Invocation::of(args.first().map(OsString::as_os_str));
    i18n::set_program(&invocation.command);
    let mut cmd = command(lang, &invocation);
    let parsed = cmd
        .try_get_matches_from_mut(args)
        .and_then(|m| Cli::from_arg_matches(&m).map_err(|e| e.format(&mut cmd)));
    parsed.map_err(|e| {
        // A value our parsers refused (`--wait 300000000000y`): the first line says it all.
        let one_line = e.kind() == clap::error::ErrorKind::ValueValidation;
        match (lang, zh::error(&e)) {
            (Lang::Zh, Some(text)) if one_line => {
                i18n::say(&crate::sanitize::line(text.lines().next().unwrap_or_default()))
            }
            (Lang::Zh, Some(text)) => eprint!("{}", crate::sanitize::lines(&text)),
            _ if one_line => i18n::say(e.to_string().lines().next().unwrap_or_default()),
            _ => {
                let _ = e.print();
            }
        }
        ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(crate::error::exit::INPUT))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_dns_labels() {
        for good in ["experiments", "a", "lab-1", "0a", &"a".repeat(63)] {
            assert!(is_dns_label(good), "{good}");
        }
        for bad in ["", "a/b", "x?y=", "A", "-a", "a-", "a.b", "a b", "..", &"a".repeat(64), "ｅ"] {
            assert!(!is_dns_label(bad), "{bad}");
        }
    }

    #[test]
    fn waits_are_bounded() {
        assert_eq!(parse_wait("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_wait("24h"), Ok(MAX_WAIT));
        assert!(parse_wait("24h 1s").is_err());
        assert!(parse_wait("300000000000y").is_err());
        assert!(parse_wait("99999999999999999999999s").is_err());
        assert!(parse_wait("soon").is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        #[test]
        fn any_wait_text_is_a_bounded_duration_or_an_error(text in "\\PC{0,30}") {
            if let Ok(wait) = parse_wait(&text) {
                proptest::prop_assert!(wait <= MAX_WAIT);
            }
        }

        #[test]
        fn any_number_of_any_unit_is_bounded(n in proptest::prelude::any::<u64>(),
                                              unit in "(ns|us|ms|s|m|h|d|w|M|y|sec|min|hours|days|years)") {
            match parse_wait(&format!("{n}{unit}")) {
                Ok(wait) => proptest::prop_assert!(wait <= MAX_WAIT),
                Err(message) => proptest::prop_assert!(!message.contains('\n')),
            }
        }
    }

    #[test]
    fn the_language_is_read_before_parsing() {
        assert_eq!(lang_in_args(["checker", "step", "1", "--lang", "en"]), Some(Lang::En));
        assert_eq!(lang_in_args(["checker", "--lang=zh", "list"]), Some(Lang::Zh));
        assert_eq!(
            lang_in_args(["checker", "--lang", "en", "--lang", "zh"]),
            Some(Lang::Zh),
            "the last one counts"
        );
        assert_eq!(lang_in_args(["checker", "--lang", "fr"]), None, "clap explains the value");
        assert_eq!(lang_in_args(["checker", "--lang"]), None);
        assert_eq!(lang_in_args(["checker", "--", "--lang", "en"]), None);
        assert_eq!(lang_in_args(["checker", "--language", "en"]), None);
    }

    fn of(argv0: &str) -> (String, String) {
        let i = Invocation::of(Some(OsStr::new(argv0)));
        (i.command, i.executable)
    }

    #[test]
    fn the_executable_name_says_how_the_learner_runs_us() {
        let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(of("checker"), pair("checker", "checker"));
        assert_eq!(of("/home/me/.cargo/bin/checker"), pair("checker", "checker"));
        assert_eq!(of("checker.exe"), pair("checker", "checker"));
        // kubectl runs a plugin by its full path; on Windows the file ends in .exe (any case).
        assert_eq!(of("/home/me/.krew/bin/kubectl-lab"), pair("kubectl lab", "kubectl-lab"));
        assert_eq!(of("kubectl-lab.EXE"), pair("kubectl lab", "kubectl-lab"));
        // kubectl's rules: `-` separates words, `_` stands for `-`.
        assert_eq!(of("kubectl-my_lab-step"), pair("kubectl my-lab step", "kubectl-my_lab-step"));
        assert_eq!(of("kubectl-"), pair("kubectl-", "kubectl-"));
        assert_eq!(
            Invocation::of(None),
            Invocation { command: "checker".into(), executable: "checker".into() }
        );
    }

    #[test]
    fn usage_and_version_name_the_plugin_as_typed() {
        let mut cmd = Invocation::of(Some(OsStr::new("kubectl-lab"))).clap_command();
        let err = cmd.try_get_matches_from_mut(["kubectl-lab", "step"]).unwrap_err().to_string();
        assert!(err.contains("Usage: kubectl lab step <NUMBER>"), "{err}");
        assert!(!err.contains("checker"), "{err}");
        let help = cmd.render_long_help().to_string();
        assert!(help.contains("Usage: kubectl lab [OPTIONS] <COMMAND>"), "{help}");
        assert!(help.contains("--kubeconfig <FILE>") && help.contains("--context <CONTEXT>"), "{help}");
        assert_eq!(cmd.render_version(), format!("kubectl-lab {}\n", env!("CARGO_PKG_VERSION")));
    }
}
