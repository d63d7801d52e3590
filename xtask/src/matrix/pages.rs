//! The matrix pages, rendered from the committed reports: reports/index.html
//! (every implementation with its counts and headline deviations),
//! reports/<kind>/matrix.{html,md} (case by case), the README's table, and
//! the table of reports/clients/browsers.md.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use harness::report::matrix::{self, Column, Preamble};
use harness::report::{KNOWN_DEVIATION, Report, Status, spec_url, xml_escape as escape};

use super::Kind;
use super::dimensions::{self, Dimensions};
use super::manifest::{self, Implementation};

/// Where the README's table goes.
const README_BEGIN: &str = "<!-- matrix:begin (cargo xtask matrix writes this table) -->";
const README_END: &str = "<!-- matrix:end -->";

/// One implementation's row.
struct Row {
    name: String,
    ecosystem: String,
    library: String,
    notes: Vec<String>,
    report: Report,
    /// Clients only: capabilities and protocols.
    dimensions: Option<Dimensions>,
}

/// Writes every page; returns their paths.
pub fn write(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut sections = Vec::new();
    for kind in [Kind::Clients, Kind::Servers, Kind::Proxies] {
        let rows = rows(root, kind)?;
        let columns: Vec<Column> =
            rows.iter().map(|r| Column { name: r.name.clone(), report: r.report.clone() }).collect();
        if !columns.is_empty() {
            let dir = root.join("reports").join(kind.folder());
            let clients: Vec<(String, &Dimensions)> =
                rows.iter().filter_map(|r| Some((r.name.clone(), r.dimensions.as_ref()?))).collect();
            let preamble = if clients.is_empty() {
                Preamble::default()
            } else {
                let (markdown, html) = dimensions::preamble(&clients);
                Preamble { markdown, html }
            };
            written.extend(
                matrix::write_with(&dir, &columns, &preamble)
                    .with_context(|| format!("cannot write to {}", dir.display()))?,
            );
        }
        sections.push((kind, rows));
    }
    written.extend(super::browsers::write(root)?);
    let index = root.join("reports/index.html");
    std::fs::write(&index, index_html(&sections))
        .with_context(|| format!("cannot write {}", index.display()))?;
    written.push(index);
    let readme = root.join("README.md");
    let old = std::fs::read_to_string(&readme).context("cannot read README.md")?;
    if let (Some(begin), Some(end)) = (old.find(README_BEGIN), old.find(README_END)) {
        let new = format!("{}{README_BEGIN}\n{}{}", &old[..begin], readme_table(&sections), &old[end..]);
        std::fs::write(&readme, new).context("cannot write README.md")?;
        written.push(readme);
    }
    Ok(written)
}

/// The reports of `kind` that exist, the reference first.
fn rows(root: &Path, kind: Kind) -> anyhow::Result<Vec<Row>> {
    let manifests: BTreeMap<String, Implementation> =
        manifest::load(root, kind)?.into_iter().map(|i| (i.name.clone(), i)).collect();
    let dir = root.join("reports").join(kind.folder());
    let needs = if kind == Kind::Clients { dimensions::needs()? } else { Default::default() };
    let mut rows = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(rows) };
    for entry in entries.flatten() {
        let path = entry.path().join("report.json");
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let report: Report =
            serde_json::from_slice(&bytes).with_context(|| format!("{} is not a report", path.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let dimensions = match manifests.get(&name) {
            Some(i) if kind == Kind::Clients => Some(dimensions::of(i, &report, &entry.path(), &needs)?),
            _ => None,
        };
        let (ecosystem, library, notes) = match manifests.get(&name) {
            // The version that ran, where the report has it.
            Some(i) => (
                i.ecosystem.name().to_owned(),
                format!("{} {}", i.library, report.target_version.as_deref().unwrap_or(&i.version)),
                i.notes.clone(),
            ),
            None if name == "reference" => {
                ("spec-impl".to_owned(), "ssecheck's reference (spec-impl)".to_owned(), Vec::new())
            }
            None => continue,
        };
        rows.push(Row { name, ecosystem, library, notes, report, dimensions });
    }
    rows.sort_by_key(|r| (r.name != "reference", r.ecosystem.clone(), r.name.clone()));
    Ok(rows)
}

/// A family of cases: its first two parts (`parse.<section>`,
/// `connection.<topic>`, `server.<group>`).
fn family(id: &str) -> &str {
    let mut dots = id.match_indices('.').map(|(at, _)| at);
    match (dots.next(), dots.next()) {
        (Some(_), Some(second)) => &id[..second],
        _ => id,
    }
}

/// A family that fails (or warns, or deviates as the target is known to) in
/// one report.
struct Headline {
    /// With the names of its cases for server checks, whose families are
    /// few and whose names say what broke: `server.publish (empty-data, ...)`.
    label: String,
    status: Status,
    count: usize,
    spec: Option<String>,
}

/// How a headline names its status: a known deviation (`info` with its
/// reason, a browser's) is said as such, so a row of 0 fails still shows it.
fn said(status: Status) -> &'static str {
    if status == Status::Info { "known deviation" } else { status.name() }
}

/// The failing, then warning, then known-deviation families, most cases
/// first.
fn headlines(report: &Report) -> Vec<Headline> {
    // (rank, family) -> (count, first spec key, case names).
    type Cases<'a> = (usize, Option<&'a String>, Vec<&'a str>);
    let mut families: BTreeMap<(u8, &str), Cases> = BTreeMap::new();
    for case in &report.cases {
        let rank = match case.status {
            Status::Fail => 0,
            Status::Warn => 1,
            Status::Info if case.message.starts_with(KNOWN_DEVIATION) => 2,
            _ => continue,
        };
        let family = family(&case.id);
        let entry = families.entry((rank, family)).or_insert((0, case.spec.first(), Vec::new()));
        entry.0 += 1;
        entry.2.push(case.id[family.len()..].trim_start_matches('.'));
    }
    let mut list: Vec<Headline> = families
        .into_iter()
        .map(|((rank, family), (count, spec, names))| {
            let label = if family.starts_with("server.") {
                let shown: Vec<&str> = names.iter().take(6).copied().collect();
                let more = if names.len() > shown.len() { ", ..." } else { "" };
                format!("{family} ({}{more})", shown.join(", "))
            } else {
                family.to_owned()
            };
            let status = [Status::Fail, Status::Warn, Status::Info][usize::from(rank)];
            Headline { label, status, count, spec: spec.cloned() }
        })
        .collect();
    list.sort_by_key(|h| {
        let rank = [Status::Fail, Status::Warn].iter().position(|s| *s == h.status).unwrap_or(2);
        (rank, std::cmp::Reverse(h.count), h.label.clone())
    });
    list
}

fn index_html(sections: &[(Kind, Vec<Row>)]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>ssecheck: the matrix</title>\n<style>\n\
         body { font: 14px/1.45 system-ui, sans-serif; margin: 1rem 1.5rem; max-width: 90rem; }\n\
         table { border-collapse: collapse; margin-bottom: 2rem; } th, td { border: 1px solid #ddd; padding: .3rem .5rem; vertical-align: top; }\n\
         th { background: #f6f6f6; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }\n\
         td.fail { background: #fdd; color: #b71c1c; font-weight: 600; } td.warn { background: #fff3cd; }\n\
         td.zero { color: #999; background: #e8f5e9; } code { font: 12px ui-monospace, monospace; }\n\
         ul { margin: 0; padding-left: 1.1rem; } .notes { color: #555; font-size: 12px; }\n\
         </style>\n</head>\n<body>\n<h1>ssecheck: the matrix</h1>\n\
         <p>Every implementation below was installed at the pinned version and checked by \
         <code>cargo xtask matrix clients</code> / <code>servers</code> / <code>proxies</code> against the WHATWG HTML Standard, \
         section Server-sent events. Headline deviations are the case families that fail (then warn), most cases first; \
         each links to the standard's step. See <a href=\"clients/FINDINGS.md\">clients/FINDINGS.md</a> and \
         <a href=\"servers/FINDINGS.md\">servers/FINDINGS.md</a> for the reproductions, and \
         <a href=\"proxies/README.md\">proxies/README.md</a> for what each proxy does to a stream and the configuration that fixes it.</p>\n",
    );
    for (kind, rows) in sections {
        let folder = kind.folder();
        let clients = *kind == Kind::Clients;
        let _ = writeln!(
            html,
            "<h2>{}</h2>\n<p><a href=\"{folder}/matrix.html\">case by case</a>{}</p>\n<table>\n<thead><tr><th>implementation</th><th>ecosystem</th>\
             <th>library</th><th>fail</th><th>warn</th><th>info</th><th>skip</th><th>pass</th>{}<th>headline deviations</th></tr></thead>\n<tbody>",
            kind.title(),
            if clients { format!(". {}", escape(dimensions::LEGEND)) } else { String::new() },
            if clients { "<th>protocols</th><th>capabilities</th>" } else { "" },
        );
        for row in rows {
            let _ = write!(
                html,
                "<tr><td><a href=\"{folder}/{name}/report.html\">{name}</a></td><td>{}</td><td>{}",
                escape(&row.ecosystem),
                escape(&row.library),
                name = escape(&row.name)
            );
            if !row.notes.is_empty() {
                let _ = write!(
                    html,
                    "<div class=\"notes\">{}</div>",
                    row.notes.iter().map(|n| escape(n)).collect::<Vec<_>>().join("<br>")
                );
            }
            html.push_str("</td>");
            for status in [Status::Fail, Status::Warn, Status::Info, Status::Skip, Status::Pass] {
                let count = row.report.summary.count(status);
                let class = match (status, count) {
                    (Status::Fail | Status::Warn, 0) => "n zero".to_owned(),
                    (Status::Fail | Status::Warn, _) => format!("n {}", status.name()),
                    _ => "n".to_owned(),
                };
                let _ = write!(html, "<td class=\"{class}\">{count}</td>");
            }
            match &row.dimensions {
                Some(d) => {
                    let _ = write!(
                        html,
                        "<td>{}</td><td>{}</td>",
                        escape(&d.protocols_short()),
                        escape(&d.capabilities_short())
                    );
                }
                None if clients => html.push_str("<td>–</td><td>–</td>"),
                None => {}
            }
            html.push_str("<td><ul>");
            for Headline { label, status, count, spec } in headlines(&row.report).into_iter().take(6) {
                let link = spec
                    .map_or(String::new(), |key| format!(" <a href=\"{}\">§</a>", escape(&spec_url(&key))));
                let _ =
                    write!(html, "<li><code>{}</code> {} ×{count}{link}</li>", escape(&label), said(status));
            }
            html.push_str("</ul></td></tr>\n");
        }
        html.push_str("</tbody>\n</table>\n");
    }
    html.push_str("</body>\n</html>\n");
    html
}

fn readme_table(sections: &[(Kind, Vec<Row>)]) -> String {
    let mut md = format!(
        "{}\n\n| implementation | | library | fail | warn | protocols | capabilities | headline deviations |\n\
         |---|---|---|---|---|---|---|---|\n",
        dimensions::LEGEND
    );
    for (kind, rows) in sections {
        for row in rows {
            let deviations: Vec<String> = headlines(&row.report)
                .into_iter()
                .take(3)
                .map(|Headline { label, status, count, spec }| match spec {
                    Some(key) => format!("[`{label}`]({}) {} ×{count}", spec_url(&key), said(status)),
                    None => format!("`{label}` {} ×{count}", said(status)),
                })
                .collect();
            let (protocols, capabilities) =
                row.dimensions.as_ref().map_or(("–".to_owned(), "–".to_owned()), |d| {
                    (d.protocols_short(), d.capabilities_short())
                });
            let _ = writeln!(
                md,
                "| [{name}](reports/{folder}/{name}/report.md) | {} | {} | {} | {} | {protocols} | {capabilities} | {} |",
                row.ecosystem,
                row.library,
                row.report.summary.count(Status::Fail),
                row.report.summary.count(Status::Warn),
                if deviations.is_empty() { "–".to_owned() } else { deviations.join("; ") },
                name = row.name,
                folder = kind.folder(),
            );
        }
    }
    md
}
