//! Where a `next=` parameter may send a person: only a path on this site.
//!
//! A prefix test is not enough: browsers read `/\evil.example` and `/<TAB>/evil.example`
//! as `//evil.example`, another host. So the value is parsed the way a browser parses a
//! `Location` (the WHATWG URL rules, against a stand-in origin), refused unless it stays
//! on that origin, and what is sent back is the re-serialised path, never the raw input.

/// The same-site path `next` names, or `/` when it names anything else.
pub fn same_site_path(next: Option<&str>) -> String {
    next.and_then(parse).unwrap_or_else(|| "/".to_owned())
}

fn parse(next: &str) -> Option<String> {
    const ORIGIN: &str = "https://same-site.invalid/";
    if !next.starts_with('/') {
        return None;
    }
    let base = url::Url::parse(ORIGIN).ok()?;
    let url = base.join(next).ok()?;
    if url.origin() != base.origin() || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let mut path = url.path().to_owned();
    // A path that a browser could still read as protocol-relative is refused outright.
    if path.starts_with("//") || path.contains('\\') {
        return None;
    }
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    if let Some(f) = url.fragment() {
        path.push('#');
        path.push_str(f);
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths_pass() {
        for ok in [
            "/",
            "/t/NA-LH/CC001",
            "/manage?x=1#trees",
            "/join?code=ABCD-EFGH",
        ] {
            assert_eq!(same_site_path(Some(ok)), ok);
        }
        // Each of these is another host (or scheme) to a browser: all go home.
        for evil in [
            "//evil.example/x",
            "/\\evil.example/x",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "http:evil.example",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(same_site_path(Some(evil)), "/", "{evil:?}");
        }
        // A space stays a (harmless) path segment on this site.
        assert_eq!(same_site_path(Some("/ /x")), "/%20/x");
        assert_eq!(same_site_path(None), "/");
        // Dot segments are resolved, not passed on.
        assert_eq!(same_site_path(Some("/a/../manage")), "/manage");
    }
}
