//! `cargo xtask serve`: the reference SSE server, until Ctrl-C.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use crate::reference_server::{Config, ReferenceServer};
use crate::tls::{ALPN_H2, ALPN_HTTP1, LoopbackCa};
use anyhow::Context;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
GET /events streams the events; POST /publish takes a JSON payload \
{\"event\",\"data\",\"id\",\"retry\"} (all optional), answers 202 and sends it to every open \
stream, or answers 422 when the event stream format cannot carry it (CR or LF in event or id, \
NUL in id). A reconnection with Last-Event-ID gets the events published after that id, from \
a bounded history. POST /events streams too (its body is read and not used), as LLM-style \
APIs stream the response of a POST. HTTP/1.1 and HTTP/2 are served on the one port (h2c with \
prior knowledge in cleartext; ALPN h2 with --tls).")]
pub struct Args {
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Seconds of idleness after which a heartbeat comment is sent; 0 sends
    /// none (to see what a proxy's idle timeout does: `check --idle`).
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    heartbeat: u64,
    /// Compress a stream with gzip when its request accepts gzip, flushing
    /// the compressor after every event (so events still arrive when sent).
    #[arg(long)]
    gzip: bool,
    /// Events kept for Last-Event-ID replay.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    history: usize,
    /// Serve https with a certificate for localhost, 127.0.0.1 and ::1,
    /// signed by a CA made at start; its certificate is written to
    /// --ca-out, for `check --ca-file`.
    #[arg(long)]
    tls: bool,
    /// With --tls: where the CA certificate (PEM) is written.
    #[arg(long, value_name = "FILE", default_value = "ssecheck-ca.pem", requires = "tls")]
    ca_out: std::path::PathBuf,
    /// Every request must carry `Authorization: Bearer TOKEN` (else 401).
    /// The token is read from the environment variable named here, so it
    /// stays out of shell history and `ps`.
    #[arg(long, value_name = "VAR")]
    bearer_token_env: Option<String>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let bearer_token = match &args.bearer_token_env {
        Some(var) => {
            Some(std::env::var(var).with_context(|| format!("--bearer-token-env: {var} is not set"))?)
        }
        None => None,
    };
    let tls = if args.tls {
        let ca = LoopbackCa::new().map_err(anyhow::Error::msg)?;
        ca.write_ca(&args.ca_out)
            .with_context(|| format!("cannot write the CA certificate to {}", args.ca_out.display()))?;
        Some(ca.server_config(&[ALPN_H2, ALPN_HTTP1]).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    let config = Config {
        heartbeat: Duration::from_secs(args.heartbeat),
        gzip: args.gzip,
        history: args.history,
        tls,
        bearer_token,
        ..Config::default()
    };
    raise_open_files();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let server = ReferenceServer::start(args.addr, config)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", server.events_url())?;
        writeln!(stdout, "publish: POST JSON to {}", server.publish_url())?;
        if args.tls {
            writeln!(stdout, "CA certificate: {}", args.ca_out.display())?;
        }
        stdout.flush()?;
        drop(stdout);
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")?;
        drop(server);
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// Streams a load test may hold (`check --subscribers 10000`), plus room.
const STREAMS_WANTED: u64 = 10_240;

/// One descriptor per stream: the soft open-file limit goes as high as this
/// process may take it, and stderr says so when that is still low.
fn raise_open_files() {
    let hard = crate::open_files::limits().map_or(STREAMS_WANTED, |(_, hard)| hard);
    match crate::open_files::raise_to(hard.max(STREAMS_WANTED)) {
        Ok(soft) if soft < STREAMS_WANTED => eprintln!(
            "note: the open-file limit is {soft}, so at most about {} streams can be open at once; raise it with `ulimit -n {STREAMS_WANTED}` for a load test",
            soft.saturating_sub(64)
        ),
        Ok(_) => {}
        Err(why) => eprintln!("note: {why}"),
    }
}
