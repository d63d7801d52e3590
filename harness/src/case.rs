//! What every case is, in either mode: the level of what it checks and the
//! capabilities it needs of a target. Both modes and the registry name cases
//! with these; the registry (which lists the modes' cases) re-exports them.

use serde::Serialize;

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
    /// Optional (`--capability method-body`): uses the method and body of
    /// `SSE_METHOD` and `SSE_BODY`, again on every reconnection.
    MethodBody,
    /// Optional (`--capability read-timeout`): treats `SSE_READ_TIMEOUT_MS`
    /// of silence as a network error, on every connection.
    ReadTimeout,
    /// Optional (`--capability restart`): the stdin line `restart` drops the
    /// connection and reconnects at once.
    Restart,
    /// A server's replay of what a subscriber missed, after `Last-Event-ID`
    /// (`--resume` declares it: the standard does not require it).
    Resume,
    /// A quiet period to hold the stream through (`--idle SECS` asks for it).
    Idle,
}

/// The optional capabilities of ../shared/contracts.md section 3 that have
/// cases, by name.
pub const OPTIONAL: &[Capability] = &[
    Capability::Headers,
    Capability::InitialLastEventId,
    Capability::Close,
    Capability::MethodBody,
    Capability::ReadTimeout,
    Capability::Restart,
];

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
            Self::MethodBody => "method-body",
            Self::ReadTimeout => "read-timeout",
            Self::Restart => "restart",
            Self::Resume => "resume",
            Self::Idle => "idle",
        }
    }

    /// Whether a target must declare it (`--capability NAME`); the others
    /// are assumed unless a flag says the target lacks them.
    pub fn is_optional(self) -> bool {
        OPTIONAL.contains(&self)
    }
}
