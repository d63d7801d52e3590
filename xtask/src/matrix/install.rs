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
        Kind::Servers | Kind::Proxies => "server",
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
            apt_get_install(&implementation.packages.iter().map(String::as_str).collect::<Vec<_>>())?;
            require("node", "install Node.js (Debian: apt-get install nodejs)")?;
            vec!["node".to_owned(), path_word(&dir.join(format!("{entry}.mjs")))]
        }
        Ecosystem::Go => {
            let mut packages = vec!["golang-go"];
            packages.extend(implementation.packages.iter().map(String::as_str));
            apt_get_install(&packages)?;
            // GOPATH mode, offline: imports come from Debian's
            // /usr/share/gocode; the build cache stays under target/.
            let place = cache.join("go");
            let binary = place.join(&implementation.name).join("server");
            let mut go = Command::new("go");
            go.args(["build", "-o"])
                .arg(&binary)
                .arg(dir.join("main.go"))
                .env("GO111MODULE", "off")
                .env("GOPROXY", "off")
                .env("GOFLAGS", "")
                .env("GOPATH", format!("{}:/usr/share/gocode", place.join("gopath").display()))
                .env("GOCACHE", place.join("cache"));
            run(&mut go, "go build")?;
            vec![path_word(&binary)]
        }
        Ecosystem::Proxy => {
            let proxy = implementation.proxy.as_ref().context("a proxy without proxy.toml")?;
            install_from_debian(&proxy.command[0], &proxy.package)?;
            proxy.command.clone()
        }
    })
}

/// Installs Debian's `package` unless `program` is on the PATH.
fn install_from_debian(program: &str, package: &str) -> anyhow::Result<()> {
    if which(program) {
        return Ok(());
    }
    apt_get_install(&[package])?;
    if !which(program) {
        bail!("apt-get installed {package}, but {program} is still not on the PATH");
    }
    Ok(())
}

/// Installs those of Debian's `packages` that are not installed: as root,
/// with apt-get, services kept from starting (policy-rc.d answers 101, as
/// in containers); otherwise one error naming them.
fn apt_get_install(packages: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| debian_version(p).is_none()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(" ");
    // /proc/self belongs to the process's effective user.
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
    if !root {
        bail!("not installed: install it from Debian (apt-get install {list})");
    }
    let policy = Path::new("/usr/sbin/policy-rc.d");
    let made_policy = !policy.exists();
    if made_policy {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::write(
            policy,
            "#!/bin/sh\n# ssecheck: no service starts while the matrix installs.\nexit 101\n",
        )
        .context("cannot write /usr/sbin/policy-rc.d")?;
        std::fs::set_permissions(policy, std::fs::Permissions::from_mode(0o755))?;
    }
    eprintln!("    apt-get install {list}");
    let install = |update: bool| -> anyhow::Result<()> {
        if update {
            run(Command::new("apt-get").args(["update", "-qq"]), "apt-get update")?;
        }
        run(
            Command::new("apt-get")
                .args(["install", "-y", "-qq", "--no-install-recommends"])
                .args(&missing)
                .env("DEBIAN_FRONTEND", "noninteractive"),
            "apt-get install",
        )
    };
    // The package index may be missing or stale on a fresh machine.
    let result = install(false).or_else(|_| install(true));
    if made_policy {
        let _ = std::fs::remove_file(policy);
    }
    result
}

/// The version of what runs, as it reports itself: a proxy's binary, a Go
/// implementation's first Debian package, a browser's engine as its adapter
/// (`command`) reads it with `--version` (Debian updates them under the text
/// pinned in the folder); `None` for the others, whose lock files pin what
/// runs.
pub fn version_that_runs(implementation: &Implementation, command: &[String]) -> Option<String> {
    match implementation.ecosystem {
        Ecosystem::Proxy => version_of(&implementation.proxy.as_ref()?.version_command),
        Ecosystem::Go => debian_version(implementation.packages.first()?),
        Ecosystem::Browser => version_of(&[command, &["--version".to_owned()]].concat()),
        Ecosystem::Rust | Ecosystem::Npm | Ecosystem::Python => None,
    }
}

/// The installed version of Debian's `package`, if it is installed.
pub fn debian_version(package: &str) -> Option<String> {
    let output = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}\t${Version}", package])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let (status, version) = text.split_once('\t')?;
    (status.ends_with(" installed") && !version.is_empty()).then(|| version.to_owned())
}

/// Whether `program` is an executable on the PATH (or a path to one).
fn which(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    let runs =
        |path: &Path| path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if program.contains('/') {
        return runs(Path::new(program));
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| runs(&dir.join(program))))
}

/// The version `version_command` prints: the first number with a dot in
/// its output (`nginx version: nginx/1.22.1` gives `1.22.1`, `HAProxy
/// version 2.6.12-1+deb12u4 ...` gives `2.6.12-1+deb12u4`); `None` when it
/// prints none.
fn version_of(version_command: &[String]) -> Option<String> {
    let (program, args) = version_command.split_first()?;
    let output = Command::new(program).args(args).stdin(Stdio::null()).output().ok()?;
    let text =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    first_version(&text)
}

fn first_version(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let start = (0..bytes.len().saturating_sub(2)).find(|&i| {
        bytes[i].is_ascii_digit()
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'v' | b'V'))
            && {
                let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                bytes.get(i + digits) == Some(&b'.')
                    && bytes.get(i + digits + 1).is_some_and(u8::is_ascii_digit)
            }
    })?;
    let version: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '~' | '-'))
        .collect();
    Some(version.trim_end_matches(['.', '-']).to_owned())
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_version_is_the_first_dotted_number() {
        for (printed, version) in [
            ("nginx version: nginx/1.22.1\n", "1.22.1"),
            ("Server version: Apache/2.4.71 (Debian)\nServer built:   2025-07-29", "2.4.71"),
            ("HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/", "2.6.12-1+deb12u4"),
            ("v2.6.2 h1:abc", "2.6.2"),
            ("varnishd (varnish-7.1.1 revision 7cee1c5)", "7.1.1"),
            ("Squid Cache: Version 5.7\nService Name: squid", "5.7"),
            ("Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)", "156.0.8078.114"),
            ("Mozilla Firefox 153.8.0esr", "153.8.0esr"),
            ("WebKitGTK 2.50.6", "2.50.6"),
        ] {
            assert_eq!(super::first_version(printed).as_deref(), Some(version), "{printed}");
        }
        assert_eq!(super::first_version("no version here 12"), None);
    }
}
