//! The matrix (Autobahn's): several implementations' reports side by side,
//! implementations as columns, cases as rows, as one self-contained HTML page
//! and one Markdown table.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::junit::xml_escape as escape;
use super::{Report, STATUS_ORDER, Status, spec_url};

/// One column: an implementation's name and its report.
#[derive(Debug)]
pub struct Column {
    /// The implementation (usually the report's folder name).
    pub name: String,
    /// Its report.
    pub report: Report,
}

/// Every case id in the reports, in order of first appearance, with its
/// title and first spec key.
fn rows(columns: &[Column]) -> Vec<(&str, &str, Option<&str>)> {
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    for column in columns {
        for case in &column.report.cases {
            if seen.insert(case.id.as_str()) {
                rows.push((case.id.as_str(), case.title.as_str(), case.spec.first().map(String::as_str)));
            }
        }
    }
    rows
}

fn statuses(columns: &[Column]) -> Vec<HashMap<&str, Status>> {
    columns
        .iter()
        .map(|c| c.report.cases.iter().map(|case| (case.id.as_str(), case.status)).collect())
        .collect()
}

/// Writes matrix.html and matrix.md into `dir` (created); returns their paths.
pub fn write(dir: &std::path::Path, columns: &[Column]) -> std::io::Result<Vec<std::path::PathBuf>> {
    write_with(dir, columns, &Preamble::default())
}

/// What comes between a matrix page's title and its counts: sections of
/// the caller's, in Markdown and in HTML.
#[derive(Debug, Default)]
pub struct Preamble {
    pub markdown: String,
    pub html: String,
}

/// [`write`], with `preamble` after each page's title.
pub fn write_with(
    dir: &std::path::Path,
    columns: &[Column],
    preamble: &Preamble,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let title_md = "# ssecheck matrix\n\n";
    let title_html = "<h1>ssecheck matrix</h1>\n";
    let md = markdown(columns).replacen(title_md, &format!("{title_md}{}", preamble.markdown), 1);
    let page = html(columns).replacen(title_html, &format!("{title_html}{}", preamble.html), 1);
    for (file, text) in [("matrix.html", page), ("matrix.md", md)] {
        let path = dir.join(file);
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}

/// The Markdown table: the counts, then every row where some
/// implementation does not pass (rows where all pass are only counted).
pub fn markdown(columns: &[Column]) -> String {
    let mut md = String::from("# ssecheck matrix\n\n");
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let _ = writeln!(md, "| | {} |", names.join(" | "));
    let _ = writeln!(md, "|---|{}", "---|".repeat(columns.len()));
    for status in STATUS_ORDER {
        let counts: Vec<String> =
            columns.iter().map(|c| c.report.summary.count(status).to_string()).collect();
        let _ = writeln!(md, "| **{}** | {} |", status.name(), counts.join(" | "));
    }
    let statuses = statuses(columns);
    let mut all_pass = 0;
    let _ = writeln!(md, "\n| case | {} |", names.join(" | "));
    let _ = writeln!(md, "|---|{}", "---|".repeat(columns.len()));
    for (id, _, spec) in rows(columns) {
        let cells: Vec<Option<Status>> = statuses.iter().map(|s| s.get(id).copied()).collect();
        if cells.iter().all(|c| *c == Some(Status::Pass)) {
            all_pass += 1;
            continue;
        }
        let cells: Vec<String> = cells
            .iter()
            .map(|c| match c {
                Some(Status::Fail) => "**fail**".to_owned(),
                Some(status) => status.name().to_owned(),
                None => "–".to_owned(),
            })
            .collect();
        let id = match spec {
            Some(key) => format!("[`{id}`]({})", spec_url(key)),
            None => format!("`{id}`"),
        };
        let _ = writeln!(md, "| {id} | {} |", cells.join(" | "));
    }
    let _ = writeln!(md, "\n{all_pass} more case(s) pass in every implementation.");
    md
}

/// The HTML page: counts, then every case as a row with a coloured cell per
/// implementation; a checkbox hides rows where all agree.
pub fn html(columns: &[Column]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>ssecheck matrix</title>\n<style>\n\
         body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem 1.5rem; }\n\
         table { border-collapse: collapse; } th, td { border: 1px solid #ddd; padding: .15rem .5rem; }\n\
         th { position: sticky; top: 0; background: #fff; }\n\
         td.fail { background: #fdd; color: #b71c1c; font-weight: 600; } td.warn { background: #fff3cd; }\n\
         td.info { background: #e3f2fd; } td.skip { color: #888; } td.pass { background: #e8f5e9; }\n\
         td.id { font-family: ui-monospace, monospace; }\n\
         </style>\n</head>\n<body>\n<h1>ssecheck matrix</h1>\n",
    );
    let _ = writeln!(
        html,
        "<p><label><input type=\"checkbox\" id=\"differ\" checked> only cases where the implementations differ</label></p>"
    );
    html.push_str("<table>\n<thead><tr><th>case</th>");
    for column in columns {
        let _ = write!(html, "<th title=\"{}\">{}</th>", escape(&column.report.target), escape(&column.name));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for status in STATUS_ORDER {
        let _ = write!(html, "<tr><td><strong>{}</strong></td>", status.name());
        for column in columns {
            let _ =
                write!(html, "<td class=\"{}\">{}</td>", status.name(), column.report.summary.count(status));
        }
        html.push_str("</tr>\n");
    }
    let statuses = statuses(columns);
    for (id, title, spec) in rows(columns) {
        let cells: Vec<Option<Status>> = statuses.iter().map(|s| s.get(id).copied()).collect();
        let same = cells.windows(2).all(|w| w[0] == w[1]);
        let link = spec.map_or(String::new(), |key| format!(" <a href=\"{}\">§</a>", escape(&spec_url(key))));
        let _ = write!(
            html,
            "<tr class=\"{}\"><td class=\"id\" title=\"{}\">{}{link}</td>",
            if same { "same" } else { "differ" },
            escape(title),
            escape(id)
        );
        for cell in cells {
            let name = cell.map_or("–", Status::name);
            let _ = write!(html, "<td class=\"{name}\">{name}</td>");
        }
        html.push_str("</tr>\n");
    }
    html.push_str(
        "</tbody>\n</table>\n<script>\nconst differ = document.getElementById('differ');\n\
         function apply() { for (const r of document.querySelectorAll('tr.same')) r.hidden = differ.checked; }\n\
         differ.addEventListener('input', apply); apply();\n</script>\n</body>\n</html>\n",
    );
    html
}
