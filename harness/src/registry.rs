//! The case registry: every case the harness can run, in both modes, with a
//! stable id (grouped by the standard's sections, so a prefix selects a
//! family), a title, the spec steps it exercises, the level it checks, and
//! the capabilities a target needs for it. `cargo xtask check --list` prints
//! it; reports use the same ids. It lists both modes' cases, so it depends on
//! them; they name levels and capabilities through `case`, never through it.

use serde::Serialize;

pub use crate::case::{Capability, Level, OPTIONAL};

use crate::client_mode::cases::ClientCase;
use crate::report::Registered;

/// Which mode runs a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// `check --client`.
    Client,
    /// `check --server`.
    Server,
}

/// One registered case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Stable id.
    pub id: String,
    /// One line.
    pub title: String,
    /// Citation keys of the standard's steps.
    pub spec: Vec<String>,
    /// What a mismatch means.
    pub level: Level,
    /// What the target must be able to do.
    pub needs: Vec<Capability>,
    /// Which mode runs it.
    pub mode: Mode,
}

/// Every client-mode case.
///
/// # Errors
/// The fixture corpus cannot be read.
pub fn client() -> Result<Vec<Entry>, fixtures::LoadError> {
    Ok(crate::client_mode::cases::all()?.iter().map(Entry::from).collect())
}

impl From<&ClientCase> for Entry {
    fn from(case: &ClientCase) -> Self {
        Self {
            id: case.id.clone(),
            title: case.title.clone(),
            spec: case.spec.clone(),
            level: case.level,
            needs: case.needs.clone(),
            mode: Mode::Client,
        }
    }
}

impl Registered for Entry {
    fn id(&self) -> &str {
        &self.id
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn spec(&self) -> Vec<String> {
        self.spec.clone()
    }
}

impl Registered for ClientCase {
    fn id(&self) -> &str {
        &self.id
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn spec(&self) -> Vec<String> {
        self.spec.clone()
    }
}

/// Every server-mode case.
pub fn server() -> Vec<Entry> {
    crate::server_mode::checks()
        .into_iter()
        .map(|check| Entry {
            id: check.id.to_owned(),
            title: check.title.to_owned(),
            spec: check.spec.iter().map(|s| (*s).to_owned()).collect(),
            level: check.level,
            needs: check.needs.to_vec(),
            mode: Mode::Server,
        })
        .collect()
}

/// Whether `id` is selected by the `--case` prefixes (all when none) and not
/// left out by the `--skip` prefixes.
pub fn selected(id: &str, cases: &[String], skips: &[String]) -> bool {
    (cases.is_empty() || cases.iter().any(|p| id.starts_with(p.as_str())))
        && !skips.iter().any(|p| id.starts_with(p.as_str()))
}
