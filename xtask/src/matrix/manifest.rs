//! The implementations of `harness-adapters/`: one folder each, described by
//! its `adapter.toml` (clients), `server.toml` (servers) or `proxy.toml`
//! (proxies). See harness-adapters/README.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use super::Kind;

/// How an implementation is installed and run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// A crate of its own, built with cargo into target/matrix/cargo.
    Rust,
    /// An npm package, installed with `npm ci` into target/matrix/npm.
    Npm,
    /// A PyPI package set, installed with pip into a venv in target/matrix/python.
    Python,
    /// A browser's own EventSource (Chromium, Firefox, WebKit), installed
    /// from Debian (`packages`) and driven by a Node.js adapter without
    /// dependencies, whose `--version` prints the engine's version.
    Browser,
    /// The reference server behind a proxy from Debian, with the folder's
    /// configuration (`proxy.toml`).
    Proxy,
    /// A `main.go` built offline in GOPATH mode against Debian's packaged
    /// Go modules (`packages` in server.toml).
    Go,
}

impl Ecosystem {
    pub fn name(self) -> &'static str {
        match self {
            Self::Rust => "Rust",
            Self::Npm => "npm",
            Self::Python => "Python",
            Self::Browser => "browser",
            Self::Proxy => "proxy",
            Self::Go => "Go",
        }
    }
}

/// `clients/<folder>/adapter.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientManifest {
    library: String,
    version: String,
    ecosystem: Ecosystem,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    capabilities: Vec<String>,
    jobs: Option<usize>,
    /// Seconds a case may wait (`check --timeout`), for slow starters.
    timeout: Option<f64>,
    #[serde(default)]
    notes: Vec<String>,
    /// Case-id prefix to the reason the target deviates on purpose (the
    /// browser only): passed as `--known-deviation`.
    #[serde(default)]
    known_deviations: BTreeMap<String, String>,
    /// The same over one protocol only (`[known_deviations_over.h2-tls]`):
    /// what the engine does over that protocol alone, so the same case
    /// over another protocol still fails if it deviates there.
    #[serde(default)]
    known_deviations_over: BTreeMap<Protocol, BTreeMap<String, String>>,
    /// Go: the Debian packages of the modules it builds against; browser:
    /// the Debian packages of the browser and what its adapter runs.
    #[serde(default)]
    packages: Vec<String>,
    /// The protocols beyond plain HTTP/1.1 the library speaks (its
    /// documentation's word), each checked as well.
    #[serde(default)]
    protocols: Vec<Protocol>,
    /// Every other protocol, with why it is not checked: what the
    /// documentation says, or how the library fails at it.
    #[serde(default)]
    unsupported: BTreeMap<Protocol, String>,
}

/// What a client is checked over: `check --client` with `--tls`, `--http2`,
/// both or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Protocol {
    /// http:// with HTTP/1.1, which every client speaks.
    #[serde(rename = "h1")]
    H1,
    /// https:// with HTTP/1.1 (`--tls`).
    #[serde(rename = "h1-tls")]
    H1Tls,
    /// http:// with HTTP/2 by prior knowledge (`--http2`).
    #[serde(rename = "h2c")]
    H2c,
    /// https:// with HTTP/2 through ALPN (`--tls --http2`).
    #[serde(rename = "h2-tls")]
    H2Tls,
}

impl Protocol {
    pub const ALL: [Self; 4] = [Self::H1, Self::H1Tls, Self::H2c, Self::H2Tls];

    /// Its name in adapter.toml, on the command line and as the folder of
    /// its reports (reports/clients/<name>/<protocol>/; h1's are the
    /// client's own folder).
    pub fn name(self) -> &'static str {
        match self {
            Self::H1 => "h1",
            Self::H1Tls => "h1-tls",
            Self::H2c => "h2c",
            Self::H2Tls => "h2-tls",
        }
    }

    /// Its heading on the pages.
    pub fn title(self) -> &'static str {
        match self {
            Self::H1 => "HTTP/1.1",
            Self::H1Tls => "HTTP/1.1 + TLS",
            Self::H2c => "h2c (prior knowledge)",
            Self::H2Tls => "HTTP/2 + TLS",
        }
    }

    /// The `check` arguments that serve it.
    pub fn check_args(self) -> &'static [&'static str] {
        match self {
            Self::H1 => &[],
            Self::H1Tls => &["--tls"],
            Self::H2c => &["--http2"],
            Self::H2Tls => &["--tls", "--http2"],
        }
    }

    /// Where its reports go, under the client's own folder.
    pub fn folder(self, client: &Path) -> PathBuf {
        match self {
            Self::H1 => client.to_path_buf(),
            _ => client.join(self.name()),
        }
    }
}

impl std::str::FromStr for Protocol {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|p| p.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|p| p.name()).collect();
            format!("no protocol {name:?}: {}", names.join(", "))
        })
    }
}

/// `servers/<folder>/server.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerManifest {
    framework: String,
    version: String,
    ecosystem: Ecosystem,
    #[serde(default)]
    notes: Vec<String>,
    /// What the framework offers beyond the standard, as `check` flags:
    /// `--resume` when it replays missed events after `Last-Event-ID`.
    #[serde(default)]
    flags: Vec<String>,
    /// Go only: the Debian packages of the modules it builds against; the
    /// first one's version is the one reports record.
    #[serde(default)]
    packages: Vec<String>,
}

/// How a proxy's configuration was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Configuration {
    /// What the distribution ships, plus only the lines every reverse-proxy
    /// guide adds to point it at the upstream.
    Default,
    /// The default plus the lines the proxy's own documentation gives for
    /// streaming.
    Streaming,
    /// The default plus a widespread addition that is not about streaming
    /// (compression, say): what it does to a stream (the notes say which).
    Common,
}

/// `proxies/<folder>/proxy.toml`: the reference server behind a proxy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProxyManifest {
    /// Its name: `Apache httpd`, `HAProxy`, ...
    proxy: String,
    /// The Debian package it comes from.
    package: String,
    configuration: Configuration,
    /// The configuration template in the folder.
    config: String,
    /// The command that runs it in the foreground, its words with the
    /// placeholders of [`ProxySpec`].
    command: Vec<String>,
    /// The command that prints its version (on stdout or stderr).
    version_command: Vec<String>,
    #[serde(default)]
    notes: Vec<String>,
    /// Whether the upstream (the reference server) sends
    /// `X-Accel-Buffering: no` (it does by default).
    #[serde(default = "yes")]
    upstream_x_accel_buffering_no: bool,
    /// Seconds between the upstream's heartbeat comments (15 by default).
    #[serde(default = "fifteen")]
    upstream_heartbeat: u64,
}

fn yes() -> bool {
    true
}

fn fifteen() -> u64 {
    15
}

/// How a proxy is installed and run. Placeholders in `command` and in the
/// configuration template: `@PREFIX@` (its folder under
/// target/matrix/proxies/), `@CONF@` (the configuration written there),
/// `@PORT@` (where it listens on 127.0.0.1), `@UPSTREAM_HOST@`,
/// `@UPSTREAM_PORT@` and `@UPSTREAM@` (host:port of the reference server).
#[derive(Debug, Clone)]
pub struct ProxySpec {
    pub package: String,
    pub config: String,
    pub command: Vec<String>,
    pub version_command: Vec<String>,
    pub upstream_heartbeat: u64,
}

/// One implementation, from its folder.
#[derive(Debug, Clone)]
pub struct Implementation {
    /// The folder's name: its name in every report.
    pub name: String,
    pub dir: PathBuf,
    pub ecosystem: Ecosystem,
    /// The library or framework, as its registry names it.
    pub library: String,
    pub version: String,
    pub notes: Vec<String>,
    /// Arguments for `check` beyond target, name and output.
    pub check_args: Vec<String>,
    /// Proxies only: the upstream sends `X-Accel-Buffering: no`.
    pub upstream_x_accel_buffering_no: bool,
    /// Proxies only: how it is installed and run.
    pub proxy: Option<ProxySpec>,
    /// Go and browsers only: the Debian packages installed before it runs.
    pub packages: Vec<String>,
    /// Clients only: the optional capabilities it declares.
    pub capabilities: Vec<String>,
    /// Clients only: each protocol it is checked over (h1 first), or why not.
    pub protocols: BTreeMap<Protocol, Result<(), String>>,
    /// Clients only: arguments for `check` over one protocol only (its
    /// `known_deviations_over`).
    pub protocol_args: BTreeMap<Protocol, Vec<String>>,
}

/// Every implementation of `kind`, sorted by name.
pub fn load(root: &Path, kind: Kind) -> anyhow::Result<Vec<Implementation>> {
    let base = root.join("harness-adapters").join(kind.folder());
    let mut found = Vec::new();
    let entries = std::fs::read_dir(&base).with_context(|| format!("cannot read {}", base.display()))?;
    for entry in entries {
        let dir = entry.with_context(|| format!("cannot read {}", base.display()))?.path();
        let file = dir.join(kind.manifest());
        if !file.is_file() {
            continue;
        }
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text =
            std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
        let implementation =
            parse(kind, name, dir, &text).with_context(|| format!("{} is not valid", file.display()))?;
        found.push(implementation);
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

fn parse(kind: Kind, name: String, dir: PathBuf, text: &str) -> anyhow::Result<Implementation> {
    Ok(match kind {
        Kind::Clients => {
            let m: ClientManifest = toml::from_str(text)?;
            if matches!(m.ecosystem, Ecosystem::Proxy) {
                bail!("proxy is the ecosystem of harness-adapters/proxies/");
            }
            if matches!(m.ecosystem, Ecosystem::Go | Ecosystem::Browser) == m.packages.is_empty() {
                bail!("packages (Debian's packages) are for the go and browser ecosystems, which need them");
            }
            let mut check_args = m.flags.clone();
            for flag in &m.flags {
                if !matches!(flag.as_str(), "--no-reconnect" | "--no-last-event-id" | "--no-retry") {
                    bail!("unknown flag {flag:?}: --no-reconnect, --no-last-event-id or --no-retry");
                }
            }
            for capability in &m.capabilities {
                check_args.extend(["--capability".to_owned(), capability.clone()]);
            }
            if let Some(jobs) = m.jobs {
                check_args.extend(["--jobs".to_owned(), jobs.to_string()]);
            }
            if let Some(timeout) = m.timeout {
                check_args.extend(["--timeout".to_owned(), timeout.to_string()]);
            }
            for (prefix, reason) in &m.known_deviations {
                check_args.extend(["--known-deviation".to_owned(), format!("{prefix}={reason}")]);
            }
            let mut protocols = BTreeMap::from([(Protocol::H1, Ok(()))]);
            for protocol in &m.protocols {
                protocols.insert(*protocol, Ok(()));
            }
            for (protocol, reason) in m.unsupported {
                if protocols.insert(protocol, Err(reason)).is_some() {
                    bail!("{} is in both protocols and unsupported", protocol.name());
                }
            }
            if let Some(missing) = Protocol::ALL.into_iter().find(|p| !protocols.contains_key(p)) {
                bail!(
                    "protocol {} is in neither protocols nor unsupported: say whether the library speaks it",
                    missing.name()
                );
            }
            let mut protocol_args = BTreeMap::new();
            for (protocol, known) in m.known_deviations_over {
                if protocols.get(&protocol).is_none_or(Result::is_err) {
                    bail!("known_deviations_over.{}: not a protocol it is checked over", protocol.name());
                }
                let args: Vec<String> = known
                    .iter()
                    .flat_map(|(prefix, reason)| {
                        ["--known-deviation".to_owned(), format!("{prefix}={reason}")]
                    })
                    .collect();
                protocol_args.insert(protocol, args);
            }
            let notes = m.notes;
            Implementation {
                name,
                dir,
                ecosystem: m.ecosystem,
                library: m.library,
                version: m.version,
                notes,
                check_args,
                upstream_x_accel_buffering_no: false,
                proxy: None,
                packages: m.packages,
                capabilities: m.capabilities,
                protocols,
                protocol_args,
            }
        }
        Kind::Servers => {
            let m: ServerManifest = toml::from_str(text)?;
            if matches!(m.ecosystem, Ecosystem::Browser | Ecosystem::Proxy) {
                bail!("browser is a client ecosystem, proxy the ecosystem of harness-adapters/proxies/");
            }
            if let Some(flag) = m.flags.iter().find(|flag| flag.as_str() != "--resume") {
                bail!("unknown flag {flag:?}: a server declares only --resume");
            }
            if (m.ecosystem == Ecosystem::Go) == m.packages.is_empty() {
                bail!("packages (Debian's Go module packages) are for the go ecosystem, which needs them");
            }
            Implementation {
                name,
                dir,
                ecosystem: m.ecosystem,
                library: m.framework,
                version: m.version,
                notes: m.notes,
                check_args: m.flags,
                upstream_x_accel_buffering_no: false,
                proxy: None,
                packages: m.packages,
                capabilities: Vec::new(),
                protocols: BTreeMap::new(),
                protocol_args: BTreeMap::new(),
            }
        }
        Kind::Proxies => {
            let m: ProxyManifest = toml::from_str(text)?;
            if m.command.is_empty() || m.version_command.is_empty() {
                bail!("command and version_command need at least the program");
            }
            let template = dir.join(&m.config);
            let config = std::fs::read_to_string(&template)
                .with_context(|| format!("cannot read its configuration {}", template.display()))?;
            if !config.contains("@PORT@") && !m.command.iter().any(|w| w.contains("@PORT@")) {
                bail!("neither {} nor command has @PORT@: the proxy must listen on it", m.config);
            }
            if !config.contains("@UPSTREAM") {
                bail!(
                    "{} has no @UPSTREAM@ (or @UPSTREAM_HOST@ and @UPSTREAM_PORT@): it must forward there",
                    m.config
                );
            }
            let configuration = match m.configuration {
                Configuration::Default => "default configuration",
                Configuration::Streaming => "configured for streaming",
                Configuration::Common => "a common configuration",
            };
            Implementation {
                name,
                dir,
                ecosystem: Ecosystem::Proxy,
                library: format!("{} ({configuration})", m.proxy),
                version: format!("Debian {}", m.package),
                notes: m.notes,
                // The upstream replays after Last-Event-ID: a proxy must
                // pass the header and the replay through. Behind a proxy on
                // loopback an event takes a few milliseconds; 150 ms shows
                // the ~200 ms a proxy waiting for full packets adds.
                check_args: ["--resume", "--latency-limit", "150"].map(str::to_owned).to_vec(),
                upstream_x_accel_buffering_no: m.upstream_x_accel_buffering_no,
                proxy: Some(ProxySpec {
                    package: m.package,
                    config: m.config,
                    command: m.command,
                    version_command: m.version_command,
                    upstream_heartbeat: m.upstream_heartbeat,
                }),
                packages: Vec::new(),
                capabilities: Vec::new(),
                protocols: BTreeMap::new(),
                protocol_args: BTreeMap::new(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = "library = \"x\"\nversion = \"1\"\necosystem = \"npm\"\n";

    fn client(extra: &str) -> anyhow::Result<Implementation> {
        parse(Kind::Clients, "x".to_owned(), PathBuf::from("x"), &format!("{CLIENT}{extra}"))
    }

    #[test]
    fn a_client_names_every_protocol_as_spoken_or_not_with_why() {
        let i = client("protocols = [\"h1-tls\"]\nunsupported = { h2c = \"no h2c\", h2-tls = \"no h2\" }\n")
            .expect("valid");
        assert_eq!(i.protocols[&Protocol::H1], Ok(()));
        assert_eq!(i.protocols[&Protocol::H1Tls], Ok(()));
        assert_eq!(i.protocols[&Protocol::H2c], Err("no h2c".to_owned()));
        assert_eq!(i.protocols[&Protocol::H2Tls], Err("no h2".to_owned()));
    }

    #[test]
    fn a_known_deviation_over_one_protocol_is_passed_over_that_protocol_only() {
        let spoken = "protocols = [\"h1-tls\", \"h2-tls\"]\nunsupported = { h2c = \"no h2c\" }\n";
        let i =
            client(&format!("{spoken}[known_deviations_over.h2-tls]\n\"a.b\" = \"why\"\n")).expect("valid");
        assert_eq!(i.protocol_args[&Protocol::H2Tls], ["--known-deviation", "a.b=why"]);
        assert!(!i.protocol_args.contains_key(&Protocol::H1Tls));
        assert!(!i.check_args.iter().any(|a| a.contains("a.b")), "{:?}", i.check_args);
        let Err(error) = client(&format!("{spoken}[known_deviations_over.h2c]\n\"a.b\" = \"why\"\n")) else {
            panic!("h2c is not spoken: an error");
        };
        assert!(error.to_string().contains("known_deviations_over.h2c"), "{error}");
    }

    #[test]
    fn a_protocol_left_unsaid_or_said_twice_is_an_error() {
        let silent = client("protocols = [\"h1-tls\", \"h2c\"]\n").expect_err("h2-tls unsaid");
        assert!(format!("{silent:#}").contains("protocol h2-tls is in neither"), "{silent:#}");
        let twice = client("protocols = [\"h1-tls\", \"h2c\", \"h2-tls\"]\nunsupported = { h2c = \"?\" }\n")
            .expect_err("h2c twice");
        assert!(format!("{twice:#}").contains("h2c is in both"), "{twice:#}");
        let unknown = client("protocols = [\"h3\"]\n").expect_err("no h3");
        assert!(format!("{unknown:#}").contains("h3"), "{unknown:#}");
    }

    #[test]
    fn each_protocol_has_its_check_arguments_and_report_folder() {
        let base = Path::new("reports/clients/x");
        assert_eq!(Protocol::H1.check_args(), &[] as &[&str]);
        assert_eq!(Protocol::H1.folder(base), base);
        assert_eq!(Protocol::H1Tls.check_args(), &["--tls"]);
        assert_eq!(Protocol::H2c.check_args(), &["--http2"]);
        assert_eq!(Protocol::H2Tls.check_args(), &["--tls", "--http2"]);
        assert_eq!(Protocol::H2Tls.folder(base), base.join("h2-tls"));
        for p in Protocol::ALL {
            assert_eq!(p.name().parse::<Protocol>(), Ok(p));
        }
        assert!("h3".parse::<Protocol>().is_err());
    }
}
