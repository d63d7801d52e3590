//! The command line shared by `cargo xtask` and the installable `ssecheck`
//! binary: `check`, `client`, `serve` and `explain`. Argument parsing, pre-flight checks
//! of user input, progress, printing and exit codes live here; the standard's
//! logic does not.

pub mod check;
pub mod client;
pub mod explain;
pub mod load;
pub mod progress;
pub mod serve;

use std::process::ExitCode;
use std::sync::OnceLock;

/// The subcommands both command lines have.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check an SSE client (--client, through an adapter command) or server
    /// (--server) against the standard and write a report; with neither, check
    /// the reference server and client. Exit 0 if no case failed, 1 if one
    /// did, 2 if the check could not run.
    Check(Box<check::Args>),
    /// Run the reference SSE client (spec-impl over hyper) on URL and print
    /// event lines until stdin closes: the reference adapter of client mode.
    Client(client::Args),
    /// Run the reference SSE server (GET /events, POST /publish) until Ctrl-C;
    /// prints its stream URL first.
    Serve(serve::Args),
    /// Explain a stream (a file, `-`, or a parse case id): the reference
    /// parser's steps, each with the standard's words, the buffers after it,
    /// and what it dispatched.
    Explain(explain::Args),
}

impl Command {
    /// Runs the subcommand.
    ///
    /// # Errors
    /// Bad input from the user, or a target that cannot be checked at all:
    /// the caller prints it as one `error:` line and exits 2.
    pub fn run(&self) -> anyhow::Result<ExitCode> {
        match self {
            Self::Check(args) => check::run(args),
            Self::Client(args) => client::run(args),
            Self::Serve(args) => serve::run(args),
            Self::Explain(args) => explain::run(args),
        }
    }
}

/// `--version`: the tool's version and the snapshot of the standard.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        format!(
            "{} (WHATWG HTML \"Server-sent events\", snapshot {})",
            env!("CARGO_PKG_VERSION"),
            spec_impl::SPEC_VERSION
        )
    })
}

/// Parses the command line with `parse`, runs it with `run`, and turns the
/// outcome into the contract's exit status: usage errors and errors from
/// `run` are one `error:` line on stderr and exit 2.
pub fn main<T: clap::Parser>(run: impl FnOnce(T) -> anyhow::Result<ExitCode>) -> ExitCode {
    let cli = match T::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with exit 0; usage errors exit 2.
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(code) => code,
        // stdout closed early (`| head`): nothing more to say.
        Err(error)
            if error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
