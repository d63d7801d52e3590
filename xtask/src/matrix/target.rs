//! A server implementation running for the length of its check: its app
//! started on 127.0.0.1 port 0 (it prints its base URL first), or for a
//! proxy, the reference server behind the proxy with the folder's
//! configuration.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use harness::reference_server::{Config, ReferenceServer};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::manifest::{Ecosystem, Implementation};

/// How long an app may take to print its URL (a cold Python start is slow).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The running server; stopped (its whole process group) when dropped.
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Where events are published: the app itself, or for a proxy its
    /// upstream (the proxy's own limits on request bodies are not the
    /// stream's; what is checked is what it does to the stream).
    pub publish_base: String,
    child: Child,
    /// A proxy's upstream, with the runtime that drives it.
    _upstream: Option<(tokio::runtime::Runtime, ReferenceServer)>,
}

pub fn start(
    implementation: &Implementation,
    command: &[String],
    log: &Path,
    quiet_upstream: bool,
) -> anyhow::Result<Running> {
    if let Some(parent) = log.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let log_file = std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    if implementation.ecosystem == Ecosystem::Proxy {
        return start_proxy(implementation, log_file, log, quiet_upstream);
    }
    let (program, args) = command.split_first().context("empty command")?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file.try_clone()?)
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot start {program}"))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let (first_line, got) = mpsc::channel();
    let mut rest_log = log_file;
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = first_line.send(line);
        // The rest of stdout goes to the log, so the app never blocks on a full pipe.
        let mut buffer = [0u8; 8192];
        while let Ok(n @ 1..) = reader.read(&mut buffer) {
            let _ = rest_log.write_all(&buffer[..n]);
        }
    });
    let mut running = Running { base: String::new(), publish_base: String::new(), child, _upstream: None };
    let line = got.recv_timeout(START_TIMEOUT).map_err(|_| {
        anyhow::anyhow!("it printed no URL within {} s (log: {})", START_TIMEOUT.as_secs(), log.display())
    })?;
    let base = line.trim().trim_end_matches('/').to_owned();
    if !(base.starts_with("http://127.0.0.1:") || base.starts_with("http://[::1]:")) {
        bail!(
            "its first line should be its loopback URL (http://127.0.0.1:PORT), not {line:?} (log: {})",
            log.display()
        );
    }
    running.publish_base.clone_from(&base);
    running.base = base;
    Ok(running)
}

/// The reference server on port 0, the proxy in front of it on a free port,
/// from the folder's configuration template (its placeholders in
/// manifest::ProxySpec); `quiet_upstream` turns the upstream's heartbeat
/// off (the idle run).
fn start_proxy(
    implementation: &Implementation,
    log_file: std::fs::File,
    log: &Path,
    quiet_upstream: bool,
) -> anyhow::Result<Running> {
    let proxy = implementation.proxy.as_ref().context("a proxy without proxy.toml")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let heartbeat =
        if quiet_upstream { Duration::ZERO } else { Duration::from_secs(proxy.upstream_heartbeat) };
    let upstream = runtime
        .block_on(ReferenceServer::start(
            (Ipv4Addr::LOCALHOST, 0).into(),
            Config {
                x_accel_buffering_no: implementation.upstream_x_accel_buffering_no,
                heartbeat,
                ..Config::default()
            },
        ))
        .context("cannot start the reference server")?;
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr())?.port();
    let prefix = crate::repo_root().join("target/matrix/proxies").join(&implementation.name);
    // A fresh folder each run: no cache, pid file or spool of a run before.
    let _ = std::fs::remove_dir_all(&prefix);
    std::fs::create_dir_all(&prefix).with_context(|| format!("cannot create {}", prefix.display()))?;
    // Proxies that drop root (squid, varnish) write their files here too.
    std::fs::set_permissions(&prefix, std::os::unix::fs::PermissionsExt::from_mode(0o777))?;
    let conf = prefix.join(&proxy.config);
    let fill = |text: &str| {
        text.replace("@PREFIX@", &prefix.display().to_string())
            .replace("@CONF@", &conf.display().to_string())
            .replace("@PORT@", &port.to_string())
            .replace("@UPSTREAM_HOST@", "127.0.0.1")
            .replace("@UPSTREAM_PORT@", &upstream.addr().port().to_string())
            .replace("@UPSTREAM@", &upstream.addr().to_string())
    };
    let template = implementation.dir.join(&proxy.config);
    let config =
        std::fs::read_to_string(&template).with_context(|| format!("cannot read {}", template.display()))?;
    std::fs::write(&conf, fill(&config)).with_context(|| format!("cannot write {}", conf.display()))?;
    let words: Vec<String> = proxy.command.iter().map(|word| fill(word)).collect();
    let (program, args) = words.split_first().context("an empty command")?;
    let child = Command::new(program)
        .args(args)
        .current_dir(&prefix)
        // Caddy keeps its state under XDG folders: here, not in /root.
        .env("XDG_DATA_HOME", &prefix)
        .env("XDG_CONFIG_HOME", &prefix)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file)
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot start {program}"))?;
    let running = Running {
        base: format!("http://127.0.0.1:{port}"),
        publish_base: format!("http://{}", upstream.addr()),
        child,
        _upstream: Some((runtime, upstream)),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        if Instant::now() > deadline {
            bail!("{program} did not listen on port {port} within 20 s (log: {})", log.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(running)
}

impl Drop for Running {
    fn drop(&mut self) {
        let group = Pid::from_raw(self.child.id() as i32);
        let _ = killpg(group, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                // Stragglers of the group (workers) go too.
                let _ = killpg(group, Signal::SIGKILL);
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = killpg(group, Signal::SIGKILL);
        let _ = self.child.wait();
    }
}
