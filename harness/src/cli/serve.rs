//! `cargo xtask serve`: the reference SSE server, until Ctrl-C.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use crate::reference_server::{Config, ReferenceServer};
use anyhow::Context;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
GET /events streams the events; POST /publish takes a JSON payload \
{\"event\",\"data\",\"id\",\"retry\"} (all optional), answers 202 and sends it to every open \
stream, or answers 422 when the event stream format cannot carry it (CR or LF in event or id, \
NUL in id). A reconnection with Last-Event-ID gets the events published after that id, from \
a bounded history.")]
pub struct Args {
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Seconds of idleness after which a heartbeat comment is sent.
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    heartbeat: u64,
    /// Events kept for Last-Event-ID replay.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    history: usize,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let config = Config {
        heartbeat: Duration::from_secs(args.heartbeat.max(1)),
        history: args.history,
        ..Config::default()
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let server = ReferenceServer::start(args.addr, config)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", server.events_url())?;
        writeln!(stdout, "publish: POST JSON to {}", server.publish_url())?;
        stdout.flush()?;
        drop(stdout);
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
        drop(server);
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
