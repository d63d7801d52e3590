//! Runs the adapter command for one case (../shared/contracts.md section 3)
//! and collects what it prints, within fixed bounds: a line is cut at
//! `MAX_LINE`, output beyond `MAX_OUTPUT` is not read, stderr keeps its last
//! `STDERR_TAIL` bytes. The adapter runs in its own process group, and the
//! whole group is killed when the case is over.

use std::process::Stdio;
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, ChildStdin};
use tokio::sync::mpsc;

/// The longest line kept, in bytes.
pub const MAX_LINE: usize = 2 * 1024 * 1024;
/// The most stdout read from one adapter in one case, in bytes.
pub const MAX_OUTPUT: usize = 8 * 1024 * 1024;
/// Lines read but not yet taken by the case: a flooding adapter then blocks
/// on its own writes instead of growing the harness's memory.
const LINES_IN_FLIGHT: usize = 256;
/// How much of the end of stderr is kept for the report.
pub const STDERR_TAIL: usize = 16 * 1024;

/// The adapter command: a program and its arguments (the URL is appended).
#[derive(Debug, Clone)]
pub struct AdapterCommand {
    /// The program.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
}

impl AdapterCommand {
    /// Splits a command line the way a POSIX shell splits words: blanks
    /// separate, single and double quotes group, backslash escapes.
    pub fn parse(command: &str) -> Result<Self, String> {
        let mut words = Vec::new();
        let mut word = String::new();
        let mut in_word = false;
        let mut chars = command.chars();
        while let Some(c) = chars.next() {
            match c {
                ' ' | '\t' | '\n' => {
                    if in_word {
                        words.push(std::mem::take(&mut word));
                        in_word = false;
                    }
                }
                '\'' => {
                    in_word = true;
                    loop {
                        match chars.next() {
                            Some('\'') => break,
                            Some(q) => word.push(q),
                            None => return Err("unterminated ' in the adapter command".into()),
                        }
                    }
                }
                '"' => {
                    in_word = true;
                    loop {
                        match chars.next() {
                            Some('"') => break,
                            Some('\\') => word.extend(chars.next()),
                            Some(q) => word.push(q),
                            None => return Err("unterminated \" in the adapter command".into()),
                        }
                    }
                }
                '\\' => {
                    in_word = true;
                    word.extend(chars.next());
                }
                _ => {
                    in_word = true;
                    word.push(c);
                }
            }
        }
        if in_word {
            words.push(word);
        }
        let mut words = words.into_iter();
        let program = words.next().ok_or("the adapter command is empty")?;
        Ok(Self { program, args: words.collect() })
    }
}

/// A line the adapter printed, or the end of its output.
#[derive(Debug)]
pub enum Output {
    /// A line (without its line end), cut at `MAX_LINE`.
    Line {
        /// When it was read.
        at: Instant,
        /// Its bytes.
        bytes: Vec<u8>,
        /// Whether it was longer than `MAX_LINE`.
        cut: bool,
    },
    /// It printed more than `MAX_OUTPUT`; nothing more is read.
    Flooded,
    /// Its stdout closed.
    Closed,
}

/// A running adapter.
#[derive(Debug)]
pub struct Running {
    child: Child,
    /// Kept open so the adapter does not see its stdin close.
    pub stdin: Option<ChildStdin>,
    stderr: tokio::task::JoinHandle<Vec<u8>>,
    /// Lines as they come.
    pub output: mpsc::Receiver<Output>,
}

/// Starts `command URL` with the contract's environment.
pub fn spawn(
    command: &AdapterCommand,
    url: &str,
    event_types: &[String],
    extra_env: &[(String, String)],
) -> std::io::Result<Running> {
    let mut process = tokio::process::Command::new(&command.program);
    process
        .args(&command.args)
        .arg(url)
        .env("SSE_URL", url)
        // An environment value cannot hold NUL: such types are left out.
        .env(
            "SSE_EVENT_TYPES",
            event_types.iter().filter(|t| !t.contains('\0')).cloned().collect::<Vec<_>>().join(","),
        )
        // Every type exactly, NUL and commas included, as a JSON array.
        .env("SSE_EVENT_TYPES_JSON", serde_json::Value::from(event_types.to_vec()).to_string())
        .envs(extra_env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = process.spawn()?;
    let stdin = child.stdin.take();
    let (sender, output) = mpsc::channel(LINES_IN_FLIGHT);
    if let Some(stdout) = child.stdout.take() {
        tokio::spawn(read_lines(stdout, sender));
    }
    let stderr = child.stderr.take();
    let stderr = tokio::spawn(async move {
        match stderr {
            Some(stderr) => read_tail(stderr).await,
            None => Vec::new(),
        }
    });
    Ok(Running { child, stdin, stderr, output })
}

impl Running {
    /// Sends SIGKILL to the adapter's process group (it leads its own group).
    fn kill_group(&mut self) {
        if let Some(pid) = self.child.id() {
            let group = nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap_or(i32::MAX));
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        }
    }

    /// Kills the adapter's whole process group and returns the end of its
    /// stderr, and how the adapter had exited if it ended by itself before
    /// the kill. Never waits long: the group is sent SIGKILL.
    pub async fn kill(mut self) -> (String, Option<std::process::ExitStatus>) {
        let exited = self.child.try_wait().ok().flatten();
        self.kill_group();
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), self.child.wait()).await;
        drop(self.stdin.take());
        // A grandchild may still hold stderr open if it left the group.
        let tail = tokio::time::timeout(std::time::Duration::from_millis(500), &mut self.stderr).await;
        self.stderr.abort();
        let stderr = match tail {
            Ok(Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            _ => String::new(),
        };
        (stderr, exited)
    }
}

impl Drop for Running {
    /// A case aborted (Ctrl-C) still leaves no adapter behind.
    fn drop(&mut self) {
        self.kill_group();
    }
}

async fn read_lines(stdout: impl AsyncRead + Unpin, sender: mpsc::Sender<Output>) {
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut total = 0usize;
    let mut line = Vec::new();
    let mut cut = false;
    loop {
        let buffer = match reader.fill_buf().await {
            Ok([]) | Err(_) => {
                if !line.is_empty() {
                    let _ = sender.send(Output::Line { at: Instant::now(), bytes: line, cut }).await;
                }
                let _ = sender.send(Output::Closed).await;
                return;
            }
            Ok(buffer) => buffer,
        };
        let (taken, complete) = match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => (end + 1, Some(end)),
            None => (buffer.len(), None),
        };
        let piece = &buffer[..complete.unwrap_or(taken)];
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&piece[..piece.len().min(room)]);
        cut |= piece.len() > room;
        reader.consume(taken);
        total += taken;
        if complete.is_some() {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let bytes = std::mem::take(&mut line);
            if sender.send(Output::Line { at: Instant::now(), bytes, cut }).await.is_err() {
                return;
            }
            cut = false;
        }
        if total > MAX_OUTPUT {
            let _ = sender.send(Output::Flooded).await;
            return;
        }
    }
}

async fn read_tail(mut stderr: impl AsyncRead + Unpin) -> Vec<u8> {
    let mut tail = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match stderr.read(&mut buffer).await {
            Ok(0) | Err(_) => return tail,
            Ok(n) => {
                tail.extend_from_slice(&buffer[..n]);
                if tail.len() > STDERR_TAIL {
                    tail.drain(..tail.len() - STDERR_TAIL);
                }
            }
        }
    }
}
