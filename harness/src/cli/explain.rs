//! `ssecheck explain [FILE | - | CASE-ID]`: spec-impl's step trace of one
//! stream (crate::explain), as text or JSON Lines.

use std::io::{Read, Write};
use std::num::NonZeroUsize;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::explain::{self, CaseStream};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
INPUT is a file, `-` for standard input, or a case id: a parse fixture \
(`parse.line-endings.crlf`) or a client-mode case that serves one \
(`parse.line-endings.crlf.whole`: one read; `….split`: its hostile writes as the reads). \
--chunk and --split-at replace the reads.

Text (the default): `read A..B (N bytes): \"…\"` for each read; under it `line \"…\" LF|CR|CRLF` \
for each line as decoded; under that each step: its name, its citation key and the \
standard's words, then, when the step changed them, the buffers after it (data, event \
type, last event ID buffer, last event ID string: the JSON form has them after every \
step); `=> dispatch|comment|retry` with the contract's event line for \
what a step reported; `end of stream`, then `EndOfFile` if a line or event was pending. \
Strings are quoted with \\r \\n \\t \\0 and \\u{FFFD}, \\u{FEFF} (BOM), \\u{…} for other \
controls; bytes of a read that are not UTF-8 as \\xNN.

--format json: JSON Lines, one object per entry, in the same order:
  {\"kind\":\"read\",\"start\":0,\"end\":8,\"bytes\":\"data: a\\r\"}   (bytes {\"hex\":\"…\"} if not UTF-8)
  {\"kind\":\"line\",\"text\":\"data: a\",\"end\":\"CR\"}   (end: LF, CR, CRLF)
  {\"kind\":\"step\",\"step\":\"Data\",\"key\":\"#processField \\\"data\\\"\",\"quote\":\"…\",
   \"buffers\":{\"data\":\"a\\n\",\"event_type\":\"\",\"last_event_id\":\"\",\"last_event_id_string\":\"\"}}
   (buffers null for Utf8Decode, Bom, LfAfterCr)
  the contract's event lines: {\"kind\":\"event\",…}, {\"kind\":\"comment\",…}, {\"kind\":\"retry\",…}
  {\"kind\":\"end\"}
Steps: Utf8Decode, Bom, LfAfterCr, EmptyLine, Comment, FieldAndValue, FieldOnly, Event, \
Data, Id, Retry, OtherField, DispatchStep1, DispatchStep2, DispatchStep3, DispatchStep8, \
DispatchStep7, EndOfFile.")]
pub struct Args {
    /// A file, `-` for standard input, or a parse case id.
    input: String,
    /// `text` (for people) or `json` (JSON Lines, for tools).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Feed the bytes N at a time.
    #[arg(long, value_name = "N", conflicts_with = "split_at")]
    chunk: Option<NonZeroUsize>,
    /// Feed the bytes in reads cut at these byte offsets.
    #[arg(long, value_name = "K,K,...", value_delimiter = ',')]
    split_at: Option<Vec<usize>>,
}

/// The output forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human text.
    Text,
    /// JSON Lines.
    Json,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let CaseStream { bytes, reads } = load(&args.input)?;
    let reads = match (&args.chunk, &args.split_at) {
        (Some(chunk), _) => explain::reads_of_chunk(bytes.len(), chunk.get()),
        (None, Some(points)) => explain::reads_split_at(bytes.len(), points),
        (None, None) => reads,
    };
    let entries = explain::trace(&bytes, &reads);
    let out = match args.format {
        Format::Text => explain::to_text(&entries),
        Format::Json => explain::to_json_lines(&entries),
    };
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The input: standard input, a file, or a case id (a path that exists wins).
fn load(input: &str) -> anyhow::Result<CaseStream> {
    let whole = |bytes: Vec<u8>| CaseStream { reads: explain::reads_split_at(bytes.len(), &[]), bytes };
    if input == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().lock().read_to_end(&mut bytes).context("cannot read standard input")?;
        return Ok(whole(bytes));
    }
    let path = std::path::Path::new(input);
    if path.exists() {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {input}"))?;
        return Ok(whole(bytes));
    }
    if input.starts_with("parse.") {
        if let Some(stream) = explain::case_stream(input).map_err(anyhow::Error::msg)? {
            return Ok(stream);
        }
        bail!("no parse case {input} (`ssecheck check --list --case parse` lists them)");
    }
    bail!("cannot read {input}: no such file, and not a parse case id")
}
