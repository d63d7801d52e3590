//! Installation of one implementation with its ecosystem's ordinary package
//! client, pinned by its lock file, cached under target/matrix/ so reruns
//! only check (harness-adapters/README.md, "Installation").

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use super::Kind;
use super::manifest::{Ecosystem, Implementation};

/// The words of the command that runs the implementation (the URL is added
/// by the harness for clients).
pub fn install(root: &Path, kind: Kind, implementation: &Implementation) -> anyhow::Result<Vec<String>> {
    let cache = root.join("target").join("matrix");
    let dir = &implementation.dir;
    let entry = match kind {
        Kind::Clients => "adapter",
        Kind::Servers => "server",
    };
    Ok(match implementation.ecosystem {
        Ecosystem::Rust => {
            let target_dir = cache.join("cargo");
            let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
            cargo
                .args(["build", "--release", "--locked", "--quiet", "--manifest-path"])
                .arg(dir.join("Cargo.toml"))
                .arg("--target-dir")
                .arg(&target_dir);
            run(&mut cargo, "cargo build")?;
            vec![path_word(&target_dir.join("release").join(&implementation.name))]
        }
        Ecosystem::Npm => {
            let place = cache.join("npm").join(&implementation.name);
            std::fs::create_dir_all(&place).with_context(|| format!("cannot create {}", place.display()))?;
            copy_if_changed(&dir.join(format!("{entry}.mjs")), &place.join(format!("{entry}.mjs")))?;
            // Node's built-in EventSource needs no package at all.
            let lock = match std::fs::read(dir.join("package-lock.json")) {
                Ok(lock) => {
                    copy_if_changed(&dir.join("package.json"), &place.join("package.json"))?;
                    copy_if_changed(&dir.join("package-lock.json"), &place.join("package-lock.json"))?;
                    Some(lock)
                }
                Err(_) => None,
            };
            let stamp = place.join(".installed-lock");
            if let Some(lock) =
                lock.filter(|lock| !installed(&stamp, lock) || !place.join("node_modules").is_dir())
            {
                require("npm", "install Node.js and npm (Debian: apt-get install nodejs npm)")?;
                let mut npm = Command::new("npm");
                npm.args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(&place);
                run(&mut npm, "npm ci")?;
                mark_installed(&stamp, &lock)?;
            }
            vec!["node".to_owned(), path_word(&place.join(format!("{entry}.mjs")))]
        }
        Ecosystem::Python => {
            let venv = cache.join("python").join(&implementation.name);
            let python = venv.join("bin").join("python");
            if !python.is_file() {
                require("python3", "install Python 3 with venv (Debian: apt-get install python3-venv)")?;
                let mut make = Command::new("python3");
                make.args(["-m", "venv"]).arg(&venv);
                run(&mut make, "python3 -m venv")?;
            }
            let requirements = dir.join("requirements.txt");
            let wanted = std::fs::read(&requirements)
                .with_context(|| format!("cannot read {}", requirements.display()))?;
            let stamp = venv.join(".installed-requirements");
            if !installed(&stamp, &wanted) {
                let mut pip = Command::new(&python);
                pip.args([
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--quiet",
                    "-r",
                ])
                .arg(&requirements);
                run(&mut pip, "pip install")?;
                mark_installed(&stamp, &wanted)?;
            }
            vec![path_word(&python), path_word(&dir.join(format!("{entry}.py")))]
        }
        Ecosystem::Browser => {
            let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
            require(&chromium, "install Chromium (Debian: apt-get install chromium) or set CHROMIUM")?;
            require("node", "install Node.js (Debian: apt-get install nodejs)")?;
            vec!["node".to_owned(), path_word(&dir.join(format!("{entry}.mjs")))]
        }
        Ecosystem::Nginx => {
            require("nginx", "install nginx (Debian: apt-get install nginx)")?;
            vec!["nginx".to_owned()]
        }
    })
}

/// Fails with `hint` unless `program` runs.
fn require(program: &str, hint: &str) -> anyhow::Result<()> {
    let found = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        bail!("{program} not found: {hint}");
    }
    Ok(())
}

/// Runs `command` with its output on our stderr; an error unless it succeeds.
fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    command.stdin(Stdio::null()).stdout(std::io::stderr());
    let status = command.status().with_context(|| format!("cannot run {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Whether the install recorded in `stamp` was made from exactly `wanted`
/// (the lock or requirements file).
fn installed(stamp: &Path, wanted: &[u8]) -> bool {
    std::fs::read(stamp).ok().as_deref() == Some(wanted)
}

/// Records a finished install from `wanted` in `stamp`.
fn mark_installed(stamp: &Path, wanted: &[u8]) -> anyhow::Result<()> {
    std::fs::write(stamp, wanted).with_context(|| format!("cannot write {}", stamp.display()))
}

fn copy_if_changed(from: &Path, to: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    if std::fs::read(to).ok().as_deref() != Some(&bytes[..]) {
        std::fs::write(to, &bytes).with_context(|| format!("cannot write {}", to.display()))?;
    }
    Ok(())
}

/// A path as one word of a command.
pub fn path_word(path: &Path) -> String {
    path.display().to_string()
}
