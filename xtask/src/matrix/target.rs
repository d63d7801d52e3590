//! A server implementation running for the length of its check: its app
//! started on 127.0.0.1 port 0 (it prints its base URL first), or for the
//! nginx pair, the reference server behind nginx with the folder's config.

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
    child: Child,
    /// The nginx pair's upstream, with the runtime that drives it.
    _upstream: Option<(tokio::runtime::Runtime, ReferenceServer)>,
}

pub fn start(implementation: &Implementation, command: &[String], log: &Path) -> anyhow::Result<Running> {
    if let Some(parent) = log.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let log_file = std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    if implementation.ecosystem == Ecosystem::Nginx {
        return start_nginx(implementation, log_file, log);
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
    let mut running = Running { base: String::new(), child, _upstream: None };
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
    running.base = base;
    Ok(running)
}

/// The reference server on port 0, nginx in front of it on a free port.
fn start_nginx(
    implementation: &Implementation,
    log_file: std::fs::File,
    log: &Path,
) -> anyhow::Result<Running> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let upstream = runtime
        .block_on(ReferenceServer::start(
            (Ipv4Addr::LOCALHOST, 0).into(),
            Config {
                x_accel_buffering_no: implementation.upstream_x_accel_buffering_no,
                ..Config::default()
            },
        ))
        .context("cannot start the reference server")?;
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr())?.port();
    let prefix = crate::repo_root().join("target/matrix/nginx").join(&implementation.name);
    std::fs::create_dir_all(&prefix).with_context(|| format!("cannot create {}", prefix.display()))?;
    let template = implementation.dir.join("nginx.conf");
    let config = std::fs::read_to_string(&template)
        .with_context(|| format!("cannot read {}", template.display()))?
        .replace("@LISTEN@", &format!("127.0.0.1:{port}"))
        .replace("@UPSTREAM@", &upstream.addr().to_string())
        .replace("@PREFIX@", &prefix.display().to_string());
    let conf = prefix.join("nginx.conf");
    std::fs::write(&conf, config).with_context(|| format!("cannot write {}", conf.display()))?;
    let child = Command::new("nginx")
        .arg("-p")
        .arg(&prefix)
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file)
        .process_group(0)
        .spawn()
        .context("cannot start nginx")?;
    let running =
        Running { base: format!("http://127.0.0.1:{port}"), child, _upstream: Some((runtime, upstream)) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        if Instant::now() > deadline {
            bail!("nginx did not listen on port {port} within 10 s (log: {})", log.display());
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
