//! The case registry: every case the harness can run, in both modes, with a
//! stable id (grouped by the standard's sections, so a prefix selects a
//! family), a title, the spec steps it exercises, the level it checks, and
//! the capabilities a target needs for it. `cargo xtask check --list` prints
//! it; reports use the same ids.

use serde::Serialize;

use crate::client_mode::cases::ClientCase;
use crate::report::Registered;

/// What a mismatch in a case means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The standard's MUST: a mismatch is a `fail`.
    Must,
    /// A SHOULD, a "may", or known-harmful: a mismatch is a `warn`.
    Should,
    /// Browsers and the standard disagree: always `info`, naming the behaviour.
    Info,
}

impl Level {
    /// The name used in listings (as in `--list --json`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Must => "must",
            Self::Should => "should",
            Self::Info => "info",
        }
    }
}

/// What a case needs the target to do. Adapters that cannot say so with a
/// flag, and those cases are skipped, never passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Reconnect after the body ends or the connection breaks
    /// (`--no-reconnect` declares it missing).
    Reconnect,
    /// Expose `lastEventId` and send `Last-Event-ID` (`--no-last-event-id`).
    LastEventId,
    /// Honour `retry` (`--no-retry`).
    Retry,
    /// A server's publish endpoint (`--publish URL` provides it).
    Publish,
    /// Many streams at once, for the load test (`--subscribers N` asks for
    /// it).
    Subscribers,
    /// Optional (`--capability headers`): sends the request headers of
    /// `SSE_HEADERS`.
    Headers,
    /// Optional (`--capability initial-last-event-id`): starts with the last
    /// event ID of `SSE_LAST_EVENT_ID`.
    InitialLastEventId,
    /// Optional (`--capability close`): the stdin line `close` calls the
    /// library's close.
    Close,
}

/// The optional capabilities of ../shared/contracts.md section 3 that have
/// cases, by name.
pub const OPTIONAL: &[Capability] = &[Capability::Headers, Capability::InitialLastEventId, Capability::Close];

impl Capability {
    /// The name used in listings and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Reconnect => "reconnect",
            Self::LastEventId => "last-event-id",
            Self::Retry => "retry",
            Self::Publish => "publish",
            Self::Subscribers => "subscribers",
            Self::Headers => "headers",
            Self::InitialLastEventId => "initial-last-event-id",
            Self::Close => "close",
        }
    }

    /// Whether a target must declare it (`--capability NAME`); the others
    /// are assumed unless a flag says the target lacks them.
    pub fn is_optional(self) -> bool {
        OPTIONAL.contains(&self)
    }
}

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
