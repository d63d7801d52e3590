//! `cargo xtask parse FILE|- [--chunk N]` (../shared/contracts.md section 2).

use std::io::{BufWriter, Read, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use spec_impl::{EventStream, event_line};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The response body to parse: a file, or `-` for standard input.
    file: PathBuf,
    /// Feed the bytes N at a time (the output must not depend on it).
    #[arg(long, value_name = "N")]
    chunk: Option<NonZeroUsize>,
}

/// How much is read from the input at a time without `--chunk`.
const READ_SIZE: usize = 64 * 1024;

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut input: Box<dyn Read> = if args.file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?;
        Box::new(file)
    };
    let stdout = std::io::stdout().lock();
    let mut out = BufWriter::new(stdout);
    let mut stream = EventStream::new();
    let mut buffer = vec![0; args.chunk.map_or(READ_SIZE, NonZeroUsize::get)];
    let mut line = String::new();
    let mut write_error = None;
    loop {
        let read = read_full(&mut input, &mut buffer)
            .with_context(|| format!("cannot read {}", args.file.display()))?;
        if read == 0 {
            break;
        }
        stream.feed_with(&buffer[..read], &mut |observation| {
            if write_error.is_some() {
                return;
            }
            line.clear();
            event_line::write_observation(&mut line, &observation);
            line.push('\n');
            // "flushed after each line"
            if let Err(error) = out.write_all(line.as_bytes()).and_then(|()| out.flush()) {
                write_error = Some(error);
            }
        });
        if let Some(error) = write_error.take() {
            return broken_pipe_or(error);
        }
    }
    stream.finish();
    Ok(ExitCode::SUCCESS)
}

/// Fills `buffer` unless the input ends first (so `--chunk N` feeds exactly N
/// bytes at a time even from a pipe); returns how much was read.
fn read_full(input: &mut dyn Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// A reader that went away (`| head`) is not an error of ours.
fn broken_pipe_or(error: std::io::Error) -> anyhow::Result<ExitCode> {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(error).context("cannot write to standard output")
    }
}
