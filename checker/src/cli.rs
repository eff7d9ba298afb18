//! The command line: what a learner can type, parsed by clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use lab_spec::Lang;

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
    /// `serve`, the book's language)
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
    /// Check one step against the cluster (or a saved state) and record the result
    Step {
        /// The step number, as in the book (`checker list` shows them)
        number: u32,
        /// Evaluate a saved state instead of the cluster: a Pod, a List (`kubectl get pods -o yaml`) or a snapshot
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        /// Watch the cluster until the step passes or DURATION runs out (default 2m), then print
        /// the STATUS timeline
        #[arg(
            long,
            value_name = "DURATION",
            num_args = 0..=1,
            default_missing_value = "2m",
            value_parser = humantime::parse_duration,
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
