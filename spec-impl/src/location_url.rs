//! Fetch's "location URL": a `Location` value parsed relative to the URL of the
//! response that carried it.
//!
//! spec-impl is std-only, so this is RFC 3986 section 5.2 reference resolution
//! for hierarchical http(s) URLs, which is what the URL Standard's parser does
//! for them in every case the suite produces (no percent-encoding, IDNA or
//! Windows drive letters are involved on loopback).

/// Resolves `reference` against `base`; `None` is failure ("If locationURL is
/// failure, then return a network error"), including a scheme that is not
/// http or https.
pub fn resolve(base: &str, reference: &str) -> Option<String> {
    // The URL parser strips leading and trailing C0 control or space.
    let reference = reference.trim_matches(|c: char| c <= ' ');
    let base = Parts::of(base)?;
    if let Some(scheme) = scheme_of(reference) {
        // "If locationURL's scheme is not an HTTP(S) scheme, then return a
        // network error."
        if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
            return None;
        }
        let parts = Parts::of(reference)?;
        return Some(parts.join(&remove_dot_segments(parts.path)));
    }
    let (reference, fragment) = match reference.split_once('#') {
        Some((before, after)) => (before, Some(after)),
        None => (reference, None),
    };
    let (ref_path, ref_query) = match reference.split_once('?') {
        Some((before, after)) => (before, Some(after)),
        None => (reference, None),
    };
    let mut resolved = if let Some(network_path) = ref_path.strip_prefix("//") {
        let (authority, path) = split_authority(network_path);
        format!("{}://{}{}", base.scheme, authority, remove_dot_segments(path))
    } else {
        let path = if ref_path.is_empty() {
            base.path.to_owned()
        } else if ref_path.starts_with('/') {
            remove_dot_segments(ref_path)
        } else {
            let directory = &base.path[..base.path.rfind('/').map_or(0, |slash| slash + 1)];
            let directory = if directory.is_empty() { "/" } else { directory };
            remove_dot_segments(&format!("{directory}{ref_path}"))
        };
        let query = if ref_path.is_empty() && ref_query.is_none() { base.query } else { ref_query };
        let mut url = format!("{}://{}{}", base.scheme, base.authority, path);
        if let Some(query) = query {
            url.push('?');
            url.push_str(query);
        }
        url
    };
    if ref_path.starts_with("//") {
        if let Some(query) = ref_query {
            resolved.push('?');
            resolved.push_str(query);
        }
    }
    if let Some(fragment) = fragment {
        resolved.push('#');
        resolved.push_str(fragment);
    }
    Some(resolved)
}

struct Parts<'a> {
    scheme: String,
    authority: &'a str,
    path: &'a str,
    query: Option<&'a str>,
}

impl<'a> Parts<'a> {
    fn of(url: &'a str) -> Option<Self> {
        let scheme = scheme_of(url)?;
        let rest = url[scheme.len() + 1..].strip_prefix("//")?;
        let rest = rest.split('#').next().unwrap_or_default();
        let (authority, path_and_query) = split_authority(rest);
        if authority.is_empty() {
            return None;
        }
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path_and_query, None),
        };
        let path = if path.is_empty() { "/" } else { path };
        Some(Self { scheme: scheme.to_ascii_lowercase(), authority, path, query })
    }

    fn join(&self, path: &str) -> String {
        match self.query {
            Some(query) => format!("{}://{}{}?{}", self.scheme, self.authority, path, query),
            None => format!("{}://{}{}", self.scheme, self.authority, path),
        }
    }
}

/// The scheme of an absolute URL (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`).
fn scheme_of(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .then_some(scheme)
}

fn split_authority(rest: &str) -> (&str, &str) {
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    rest.split_at(end)
}

/// RFC 3986 section 5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut output: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (index, segment) in segments.iter().enumerate() {
        let last = index + 1 == segments.len();
        match *segment {
            "." => {
                if last {
                    output.push("");
                }
            }
            ".." => {
                output.pop();
                if last {
                    output.push("");
                }
            }
            other => output.push(other),
        }
    }
    format!("/{}", output.join("/"))
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn rfc_3986_examples() {
        let base = "http://a/b/c/d;p?q";
        for (reference, expected) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("https://x.test/y", "https://x.test/y"),
        ] {
            assert_eq!(resolve(base, reference).as_deref(), Some(expected), "{reference}");
        }
        assert_eq!(resolve(base, "ftp://x/y"), None);
        assert_eq!(resolve(base, "mailto:x@y"), None);
    }
}
