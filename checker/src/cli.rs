//! The command line: what a learner can type, parsed by clap.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use lab_spec::Lang;

use crate::error::{Error, Result};
use crate::i18n::{self, tr};
use crate::msg;

/// The longest `--wait`: a day (a longer wait is a typo; nothing in the lab takes that long).
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Checks your Kubernetes cluster against the steps of the lab "Init Container 初始化容器".
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

/// Options every command takes, like kubectl's.
#[derive(Debug, Args)]
pub struct Global {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (default: the current context)
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// The namespace of the lab (default: the lab spec's, `experiments`)
    #[arg(short, long, global = true)]
    pub namespace: Option<String>,
    /// Language of the output (default: from LANG, Chinese unless it is English or C; for
    /// `serve`, the book's language, and the edition of the book it opens: `en` opens /en/)
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
    /// Use this lab spec instead of the built-in one
    #[arg(long, global = true, value_name = "FILE", hide = true, env = "CHECKER_LAB_SPEC")]
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
    /// Print a shell completion script
    Completions { shell: Shell },
    /// Serve the book in your browser, with a Run-check button in every verify box
    Serve(ServeArgs),
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
}

/// A `--wait` duration: humantime's syntax (`90s`, `2m`, `1h 30m`), at most [`MAX_WAIT`].
pub fn parse_wait(text: &str) -> std::result::Result<Duration, String> {
    let lang = i18n::lang_from_env();
    let wait = humantime::parse_duration(text).map_err(|e| {
        tr(
            lang,
            &format!("不是时长（例如 90s、2m、1h）：{e}"),
            &format!("not a duration (like 90s, 2m, 1h): {e}"),
        )
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
}
