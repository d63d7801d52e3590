//! `cargo xtask client URL`: the reference SSE client (spec-impl over hyper),
//! the adapter client mode checks itself with.

use std::process::ExitCode;

use anyhow::{Context, bail};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Prints event lines (JSON Lines: open, event, error, retry, comment) on stdout as they \
happen, and stops when stdin closes. stdin also takes the commands `close` (the \
EventSource's close()) and `restart` (drop the connection and reconnect at once), one a \
line. SSE_HEADERS (a JSON object) adds request headers and SSE_LAST_EVENT_ID sets the \
last event ID to start with. SSE_CA_FILE (a PEM file) is trusted for https besides the \
platform's roots, and SSE_HTTP_VERSION=2 speaks HTTP/2 with prior knowledge on http:// \
(https negotiates by ALPN). It is an adapter for `cargo xtask check --client`, which runs \
it for each case.")]
pub struct Args {
    /// The event stream's http:// or https:// URL [default: the SSE_URL environment variable].
    url: Option<String>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let url = match (&args.url, std::env::var("SSE_URL")) {
        (Some(url), _) => url.clone(),
        (None, Ok(url)) => url,
        (None, Err(_)) => bail!("no URL: give one, or set SSE_URL"),
    };
    crate::http_client::Url::parse(&url).map_err(anyhow::Error::msg)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    let capabilities = crate::reference_adapter::Capabilities::from_env().map_err(anyhow::Error::msg)?;
    runtime
        .block_on(crate::reference_adapter::run(&url, capabilities, tokio::io::stdout(), stdin))
        .map_err(anyhow::Error::msg)?;
    // stdin's reader is a blocking thread that never ends while stdin is open.
    runtime.shutdown_background();
    Ok(ExitCode::SUCCESS)
}
