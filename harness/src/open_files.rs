//! The open-file limit. A load test holds one descriptor per subscriber
//! (and a server under it one per stream), far past the usual soft limit of
//! 1024, so both sides raise it themselves, as far as they are allowed.

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// Raises the soft limit on open files to at least `wanted` where allowed:
/// up to the hard limit always, past it when the process may raise that too
/// (root). Returns the soft limit now in force, which may be below `wanted`.
///
/// # Errors
/// The limit cannot be read.
pub fn raise_to(wanted: u64) -> Result<u64, String> {
    let (soft, hard) =
        getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| format!("cannot read the open-file limit: {e}"))?;
    if soft >= wanted {
        return Ok(soft);
    }
    if setrlimit(Resource::RLIMIT_NOFILE, wanted, hard.max(wanted)).is_ok() {
        return Ok(wanted);
    }
    let reachable = wanted.min(hard);
    if reachable > soft && setrlimit(Resource::RLIMIT_NOFILE, reachable, hard).is_ok() {
        return Ok(reachable);
    }
    Ok(soft)
}

/// The soft and hard limits on open files.
///
/// # Errors
/// They cannot be read.
pub fn limits() -> Result<(u64, u64), String> {
    getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| format!("cannot read the open-file limit: {e}"))
}
