//! The client matrix's two other dimensions, beside the cases: each
//! optional capability (offered and passing, offered and failing, not
//! offered) and each protocol (its counts, not supported, not run), read from
//! a client's adapter.toml and its reports.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use harness::registry::{Capability, OPTIONAL};
use harness::report::{Report, Status, xml_escape as escape};

use super::manifest::{Implementation, Protocol};

/// One capability of one client.
pub enum Offered {
    /// Not declared: the library does not offer it.
    No,
    /// Declared, with its cases' statuses over HTTP/1.1.
    Yes { pass: usize, fail: usize, warn: usize, other: usize },
}

impl Offered {
    /// One short cell: `✓`, `✗ 2`, `○` (offered, no case could run) or `–`.
    fn mark(&self) -> String {
        match *self {
            Self::No => "–".to_owned(),
            Self::Yes { fail: 0, warn: 0, pass: 0, .. } => "○".to_owned(),
            Self::Yes { fail: 0, warn: 0, .. } => "✓".to_owned(),
            Self::Yes { fail, warn, .. } => format!("✗ {}", fail + warn),
        }
    }

    /// One cell of the capability grid.
    fn cell(&self) -> String {
        match *self {
            Self::No => "not offered".to_owned(),
            Self::Yes { pass, fail, warn, other } => {
                let mut words = Vec::new();
                if fail > 0 {
                    words.push(format!("**{fail} fail**"));
                }
                if warn > 0 {
                    words.push(format!("{warn} warn"));
                }
                words.push(format!("{pass} pass"));
                if other > 0 {
                    words.push(format!("{other} skip/info"));
                }
                words.join(", ")
            }
        }
    }
}

/// One protocol of one client.
pub enum Over {
    /// The adapter says the library does not speak it, and why.
    Unsupported(String),
    /// Spoken, but no report is committed.
    NotRun,
    /// Its report, and the cases whose status differs from HTTP/1.1's
    /// (id, status over h1, status here).
    Ran { report: Box<Report>, differ: Vec<(String, Status, Status)> },
}

impl Over {
    fn mark(&self) -> String {
        match self {
            Self::Unsupported(_) => "not supported".to_owned(),
            Self::NotRun => "not run".to_owned(),
            Self::Ran { report, differ } => {
                let s = &report.summary;
                let mut cell = format!("{} fail, {} pass", s.fail, s.pass);
                if !differ.is_empty() {
                    let _ = write!(cell, " ({} differ from h1)", differ.len());
                }
                cell
            }
        }
    }
}

/// A client's capabilities and protocols.
pub struct Dimensions {
    /// Fail and pass counts over HTTP/1.1.
    pub h1: (usize, usize),
    pub capabilities: Vec<(Capability, Offered)>,
    pub protocols: Vec<(Protocol, Over)>,
}

/// The capability each case needs, by case id, of the cases that need one.
pub fn needs() -> anyhow::Result<HashMap<String, Vec<Capability>>> {
    let cases = harness::client_mode::select(&[], &[])
        .map_err(|e| anyhow::anyhow!("cannot load the client cases: {e}"))?;
    Ok(cases
        .into_iter()
        .map(|c| {
            let optional: Vec<Capability> = c.needs.into_iter().filter(|n| OPTIONAL.contains(n)).collect();
            (c.id, optional)
        })
        .filter(|(_, optional)| !optional.is_empty())
        .collect())
}

/// `implementation`'s dimensions, from its HTTP/1.1 report (in `folder`)
/// and the reports of its other protocols beneath it.
pub fn of(
    implementation: &Implementation,
    h1: &Report,
    folder: &Path,
    needs: &HashMap<String, Vec<Capability>>,
) -> anyhow::Result<Dimensions> {
    let capabilities = OPTIONAL
        .iter()
        .map(|capability| {
            if !implementation.capabilities.iter().any(|c| c == capability.name()) {
                return (*capability, Offered::No);
            }
            let (mut pass, mut fail, mut warn, mut other) = (0, 0, 0, 0);
            for case in h1.cases.iter().filter(|c| needs.get(&c.id).is_some_and(|n| n.contains(capability))) {
                match case.status {
                    Status::Pass => pass += 1,
                    Status::Fail => fail += 1,
                    Status::Warn => warn += 1,
                    Status::Info | Status::Skip => other += 1,
                }
            }
            (*capability, Offered::Yes { pass, fail, warn, other })
        })
        .collect();
    let was: HashMap<&str, Status> = h1.cases.iter().map(|c| (c.id.as_str(), c.status)).collect();
    let mut protocols = Vec::new();
    for (protocol, support) in implementation.protocols.iter().filter(|(p, _)| **p != Protocol::H1) {
        let over = match support {
            Err(reason) => Over::Unsupported(reason.clone()),
            Ok(()) => {
                let path = protocol.folder(folder).join("report.json");
                match std::fs::read(&path) {
                    Err(_) => Over::NotRun,
                    Ok(bytes) => {
                        let report: Report = serde_json::from_slice(&bytes)
                            .map_err(|e| anyhow::anyhow!("{} is not a report: {e}", path.display()))?;
                        let differ = report
                            .cases
                            .iter()
                            .filter_map(|c| {
                                let before = *was.get(c.id.as_str())?;
                                (before != c.status).then(|| (c.id.clone(), before, c.status))
                            })
                            .collect();
                        Over::Ran { report: Box::new(report), differ }
                    }
                }
            }
        };
        protocols.push((*protocol, over));
    }
    Ok(Dimensions { h1: (h1.summary.fail, h1.summary.pass), capabilities, protocols })
}

/// The legend the short cells need.
pub const LEGEND: &str = "Protocols: each beyond plain HTTP/1.1 (h1-tls: https with HTTP/1.1; h2c: HTTP/2 by prior \
knowledge; h2-tls: https with HTTP/2) with its fail count, or `n/s` where the library does not speak it (its \
adapter.toml says why). Capabilities: each optional feature the library offers, `✓` passing, `✗ N` with N cases \
failing or warning, `○` offered but no case could run (they need what the library lacks); one not named is not \
offered.";

impl Dimensions {
    /// The README's and the index's short protocol cell.
    pub fn protocols_short(&self) -> String {
        let cells: Vec<String> = self
            .protocols
            .iter()
            .map(|(p, over)| match over {
                Over::Unsupported(_) => format!("{} n/s", p.name()),
                Over::NotRun => format!("{} not run", p.name()),
                Over::Ran { report, .. } => format!("{} {}", p.name(), report.summary.fail),
            })
            .collect();
        cells.join(" · ")
    }

    /// The README's and the index's short capability cell.
    pub fn capabilities_short(&self) -> String {
        let cells: Vec<String> = self
            .capabilities
            .iter()
            .filter(|(_, o)| !matches!(o, Offered::No))
            .map(|(c, o)| format!("{} {}", c.name(), o.mark()))
            .collect();
        if cells.is_empty() { "none".to_owned() } else { cells.join(" · ") }
    }
}

/// The sections at the top of the clients' matrix.md and matrix.html: the
/// protocol table, the capability grid, and every case whose status over a
/// protocol differs from HTTP/1.1's.
pub fn preamble(clients: &[(String, &Dimensions)]) -> (String, String) {
    let mut md = String::from("## Protocols\n\nEach client over every protocol it speaks ");
    md.push_str(
        "(`cargo xtask matrix clients --protocol P`; reports in `<name>/<protocol>/`). The case-by-case table \
below is HTTP/1.1's.\n\n",
    );
    let mut html = String::from("<h2>Protocols</h2>\n<table>\n<thead><tr><th>client</th>");
    let titles: Vec<&str> = Protocol::ALL.iter().map(|p| p.title()).collect();
    let _ = writeln!(md, "| client | {} |\n|---|{}", titles.join(" | "), "---|".repeat(titles.len()));
    for title in &titles {
        let _ = write!(html, "<th>{}</th>", escape(title));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    let mut reasons = BTreeMap::new();
    for (name, dims) in clients {
        let cells: Vec<String> = dims
            .protocols
            .iter()
            .map(|(p, over)| {
                if let Over::Unsupported(reason) = over {
                    let n = reasons.len() + 1;
                    reasons.insert(n, (name.clone(), *p, reason.clone()));
                    format!("not supported [{n}]")
                } else {
                    over.mark()
                }
            })
            .collect();
        let h1 = format!("{} fail, {} pass", dims.h1.0, dims.h1.1);
        let _ = writeln!(md, "| {name} | {h1} | {} |", cells.join(" | "));
        let _ = write!(
            html,
            "<tr><td>{}</td><td class=\"{}\">{h1}</td>",
            escape(name),
            if dims.h1.0 > 0 { "fail" } else { "pass" }
        );
        for (_, over) in &dims.protocols {
            let (class, title) = match over {
                Over::Unsupported(reason) => ("skip", reason.as_str()),
                Over::NotRun => ("skip", ""),
                Over::Ran { report, .. } if report.summary.fail > 0 => ("fail", ""),
                Over::Ran { .. } => ("pass", ""),
            };
            let _ = write!(
                html,
                "<td class=\"{class}\" title=\"{}\">{}</td>",
                escape(title),
                escape(&over.mark())
            );
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n");
    if !reasons.is_empty() {
        md.push('\n');
        html.push_str("<ol class=\"reasons\">\n");
        for (n, (name, protocol, reason)) in &reasons {
            let _ = writeln!(md, "{n}. {name}, {}: {reason}", protocol.name());
            let _ = writeln!(html, "<li>{}, {}: {}</li>", escape(name), protocol.name(), escape(reason));
        }
        html.push_str("</ol>\n");
    }
    let differ: Vec<(&str, Protocol, &str, Status, Status)> = clients
        .iter()
        .flat_map(|(name, dims)| {
            dims.protocols.iter().flat_map(move |(p, over)| match over {
                Over::Ran { differ, .. } => {
                    differ.iter().map(|(id, h1, now)| (name.as_str(), *p, id.as_str(), *h1, *now)).collect()
                }
                _ => Vec::new(),
            })
        })
        .collect();
    md.push_str("\n### Cases whose status differs from HTTP/1.1\n\n");
    html.push_str("<h3>Cases whose status differs from HTTP/1.1</h3>\n");
    if differ.is_empty() {
        md.push_str("None.\n");
        html.push_str("<p>None.</p>\n");
    } else {
        md.push_str("| client | protocol | case | h1 | there |\n|---|---|---|---|---|\n");
        html.push_str(
            "<table>\n<thead><tr><th>client</th><th>protocol</th><th>case</th><th>h1</th><th>there</th></tr></thead>\n<tbody>\n",
        );
        for (name, protocol, id, h1, now) in differ {
            let _ =
                writeln!(md, "| {name} | {} | `{id}` | {} | {} |", protocol.name(), h1.name(), now.name());
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td class=\"id\">{}</td><td class=\"{h1}\">{h1}</td><td class=\"{now}\">{now}</td></tr>",
                escape(name),
                protocol.name(),
                escape(id),
                h1 = h1.name(),
                now = now.name()
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
    md.push_str(
        "\n## Capabilities\n\nEach optional capability of shared/contracts.md section 3: offered (declared in the \
adapter.toml, implemented through the library's own API) with its cases' statuses over HTTP/1.1, or not offered.\n\n",
    );
    html.push_str("<h2>Capabilities</h2>\n<table>\n<thead><tr><th>client</th>");
    let names: Vec<&str> = OPTIONAL.iter().map(|c| c.name()).collect();
    let _ = writeln!(md, "| client | {} |\n|---|{}", names.join(" | "), "---|".repeat(names.len()));
    for name in &names {
        let _ = write!(html, "<th>{name}</th>");
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for (name, dims) in clients {
        let cells: Vec<String> = dims.capabilities.iter().map(|(_, o)| o.cell()).collect();
        let _ = writeln!(md, "| {name} | {} |", cells.join(" | "));
        let _ = write!(html, "<tr><td>{}</td>", escape(name));
        for (_, offered) in &dims.capabilities {
            let class = match offered {
                Offered::No => "skip",
                Offered::Yes { fail: 0, warn: 0, .. } => "pass",
                Offered::Yes { .. } => "fail",
            };
            let _ = write!(html, "<td class=\"{class}\">{}</td>", escape(&offered.cell().replace("**", "")));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n<h2>Cases (HTTP/1.1)</h2>\n");
    md.push_str("\n## Cases (HTTP/1.1)\n\n");
    (md, html)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::matrix::manifest::Ecosystem;

    fn reference() -> Report {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../reports/clients/reference/report.json");
        serde_json::from_slice(&std::fs::read(path).expect("the committed reference report"))
            .expect("a report")
    }

    fn set(report: &mut Report, id: &str, status: Status) {
        report.cases.iter_mut().find(|c| c.id == id).unwrap_or_else(|| panic!("no case {id}")).status =
            status;
    }

    fn client(protocols: BTreeMap<Protocol, Result<(), String>>) -> Implementation {
        Implementation {
            name: "x".to_owned(),
            dir: PathBuf::from("x"),
            ecosystem: Ecosystem::Npm,
            library: "x".to_owned(),
            version: "1".to_owned(),
            notes: Vec::new(),
            check_args: Vec::new(),
            upstream_x_accel_buffering_no: false,
            proxy: None,
            packages: Vec::new(),
            capabilities: vec!["headers".to_owned(), "close".to_owned()],
            protocols,
            protocol_args: BTreeMap::new(),
        }
    }

    #[test]
    fn capabilities_and_protocols_are_read_from_the_manifest_and_the_reports() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let mut h1 = reference();
        set(&mut h1, "connection.capability.close", Status::Fail);
        let mut tls = h1.clone();
        set(&mut tls, "parse.comments.empty.whole", Status::Fail);
        std::fs::create_dir_all(folder.path().join("h1-tls")).expect("mkdir");
        std::fs::write(folder.path().join("h1-tls/report.json"), serde_json::to_vec(&tls).expect("JSON"))
            .expect("write");
        let implementation = client(BTreeMap::from([
            (Protocol::H1, Ok(())),
            (Protocol::H1Tls, Ok(())),
            (Protocol::H2c, Err("no prior knowledge".to_owned())),
            (Protocol::H2Tls, Ok(())),
        ]));
        let dims = of(&implementation, &h1, folder.path(), &needs().expect("the cases")).expect("dimensions");

        assert_eq!(dims.capabilities_short(), "headers ✓ · close ✗ 1");
        let restart = dims.capabilities.iter().find(|(c, _)| *c == Capability::Restart).expect("restart");
        assert!(matches!(restart.1, Offered::No));
        assert_eq!(dims.protocols_short(), format!("h1-tls {} · h2c n/s · h2-tls not run", tls.summary.fail));

        let (md, html) = preamble(&[("x".to_owned(), &dims)]);
        assert!(md.contains("not supported [1]") && md.contains("1. x, h2c: no prior knowledge"), "{md}");
        assert!(md.contains(&format!("| x | {} fail, {} pass | ", h1.summary.fail, h1.summary.pass)), "{md}");
        assert!(md.contains("| x | h1-tls | `parse.comments.empty.whole` | pass | fail |"), "{md}");
        let grid = md.lines().rev().find(|l| l.starts_with("| x | ")).expect("the capability row");
        assert!(grid.contains("**1 fail**") && grid.ends_with("| not offered |"), "{grid}");
        assert!(html.contains("title=\"no prior knowledge\""), "{html}");
    }
}
