//! The implementations of `harness-adapters/`: one folder each, described by
//! its `adapter.toml` (clients) or `server.toml` (servers). See
//! harness-adapters/README.md.

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
    /// Chromium's EventSource, driven by a Node.js adapter without dependencies.
    Browser,
    /// The reference server behind Debian's nginx, with the folder's nginx.conf.
    Nginx,
}

impl Ecosystem {
    pub fn name(self) -> &'static str {
        match self {
            Self::Rust => "Rust",
            Self::Npm => "npm",
            Self::Python => "Python",
            Self::Browser => "browser",
            Self::Nginx => "proxy",
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
    /// nginx only: whether the upstream (the reference server) sends
    /// `X-Accel-Buffering: no`; off by default, as most frameworks don't.
    #[serde(default)]
    upstream_x_accel_buffering_no: bool,
    /// What the framework offers beyond the standard, as `check` flags:
    /// `--resume` when it replays missed events after `Last-Event-ID`.
    #[serde(default)]
    flags: Vec<String>,
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
    /// nginx only: the upstream sends `X-Accel-Buffering: no`.
    pub upstream_x_accel_buffering_no: bool,
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
            if matches!(m.ecosystem, Ecosystem::Nginx) {
                bail!("nginx is a server ecosystem");
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
            }
        }
        Kind::Servers => {
            let m: ServerManifest = toml::from_str(text)?;
            if matches!(m.ecosystem, Ecosystem::Browser) {
                bail!("browser is a client ecosystem");
            }
            if m.upstream_x_accel_buffering_no && m.ecosystem != Ecosystem::Nginx {
                bail!("upstream_x_accel_buffering_no is for the nginx ecosystem");
            }
            if let Some(flag) = m.flags.iter().find(|flag| flag.as_str() != "--resume") {
                bail!("unknown flag {flag:?}: a server declares only --resume");
            }
            Implementation {
                name,
                dir,
                ecosystem: m.ecosystem,
                library: m.framework,
                version: m.version,
                notes: m.notes,
                check_args: m.flags,
                upstream_x_accel_buffering_no: m.upstream_x_accel_buffering_no,
            }
        }
    })
}
