//! Turns the Solidity interface that a Stylus contract prints under its
//! `export-abi` feature into the checked-in ABI files.
//!
//! The SDK's exporter lists functions and errors but not events, so events are
//! collected from the contract crate's own sources (every `event Name(..);`
//! declaration inside its `sol!` blocks) and from the optional
//! `[package.metadata.abi] events = [..]` list in its `Cargo.toml` (for events
//! emitted by library code, such as the ERC-20 `Transfer`). The completed
//! interface is written as `.sol`, and a JSON ABI is derived from it with
//! `alloy-json-abi`'s human-readable parser.

use alloy_json_abi::JsonAbi;
use std::{fmt, fs, path::Path};

/// Why an interface could not be converted.
#[derive(Debug)]
pub enum AbiError {
    /// A file could not be read.
    Io(String),
    /// A declaration was not understood by the ABI parser.
    Parse(String),
    /// The interface text has no `interface X { .. }` body.
    NoInterface,
}

impl fmt::Display for AbiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AbiError::Io(m) => write!(f, "i/o: {m}"),
            AbiError::Parse(m) => write!(f, "cannot parse declaration: {m}"),
            AbiError::NoInterface => write!(f, "no interface body in the exported text"),
        }
    }
}

impl std::error::Error for AbiError {}

/// Removes `//` comments (rustdoc included) from Rust source text.
fn strip_line_comments(src: &str) -> String {
    src.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Collapses runs of white space to one space and trims.
fn squash(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")")
}

/// Every `event Name(...)` declaration in a piece of Rust source, normalised
/// to one line without the trailing semicolon.
pub fn events_in_source(src: &str) -> Vec<String> {
    let src = strip_line_comments(src);
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(pos) = src[i..].find("event ") {
        let start = i + pos;
        i = start + 6;
        let boundary =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        if !boundary {
            continue;
        }
        let rest = &src[start + 6..];
        let name_len = rest
            .trim_start()
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(0);
        let lead = rest.len() - rest.trim_start().len();
        let after_name = &rest[lead + name_len..];
        if name_len == 0 || !after_name.trim_start().starts_with('(') {
            continue;
        }
        let open = start + 6 + lead + name_len + (after_name.len() - after_name.trim_start().len());
        let mut depth = 0usize;
        let mut end = None;
        for (k, c) in src[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(open + k + 1);
                        break;
                    }
                }
                _ => {}
            }
        }
        if let Some(end) = end {
            if src[end..].trim_start().starts_with(';') {
                out.push(squash(&src[start..end]));
                i = end;
            }
        }
    }
    out
}

/// Events of a contract crate: from its `src/` tree and its `Cargo.toml`
/// metadata, without duplicates, in order of first appearance.
///
/// # Errors
/// [`AbiError::Io`] when a file cannot be read.
pub fn crate_events(crate_dir: &Path) -> Result<Vec<String>, AbiError> {
    let mut files = Vec::new();
    collect_rs(&crate_dir.join("src"), &mut files)?;
    files.sort();
    let mut events = Vec::new();
    for f in files {
        let text =
            fs::read_to_string(&f).map_err(|e| AbiError::Io(format!("{}: {e}", f.display())))?;
        events.extend(events_in_source(&text));
    }
    let manifest = crate_dir.join("Cargo.toml");
    let text = fs::read_to_string(&manifest)
        .map_err(|e| AbiError::Io(format!("{}: {e}", manifest.display())))?;
    let value: toml::Value = text
        .parse()
        .map_err(|e| AbiError::Io(format!("{}: {e}", manifest.display())))?;
    if let Some(list) = value
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("abi"))
        .and_then(|a| a.get("events"))
        .and_then(|e| e.as_array())
    {
        events.extend(
            list.iter()
                .filter_map(|v| v.as_str())
                .map(|s| squash(s.trim_end_matches(';'))),
        );
    }
    let mut seen = std::collections::HashSet::new();
    events.retain(|e| seen.insert(e.clone()));
    Ok(events)
}

fn collect_rs(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), AbiError> {
    let rd = fs::read_dir(dir).map_err(|e| AbiError::Io(format!("{}: {e}", dir.display())))?;
    for entry in rd {
        let p = entry.map_err(|e| AbiError::Io(e.to_string()))?.path();
        if p.is_dir() {
            collect_rs(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    Ok(())
}

/// Inserts the events into the exported interface text, before the closing
/// brace of the (last) interface, one per line.
///
/// # Errors
/// [`AbiError::NoInterface`] when the text has no closing brace.
pub fn complete_interface(exported: &str, events: &[String]) -> Result<String, AbiError> {
    let close = exported.rfind('}').ok_or(AbiError::NoInterface)?;
    let (head, tail) = exported.split_at(close);
    let mut s = head.trim_end().to_string();
    s.push('\n');
    for e in events {
        if !exported.contains(e.as_str()) {
            s.push_str("\n    ");
            s.push_str(e);
            s.push(';');
            s.push('\n');
        }
    }
    s.push_str(tail);
    if !s.ends_with('\n') {
        s.push('\n');
    }
    Ok(s)
}

/// Struct definitions of the interface as `(name, tuple type)` pairs, with
/// nested struct names already expanded.
fn structs(interface: &str) -> Vec<(String, String)> {
    let mut defs: Vec<(String, String)> = Vec::new();
    let mut rest = interface;
    while let Some(p) = rest.find("struct ") {
        let after = &rest[p + 7..];
        let Some(open) = after.find('{') else { break };
        let Some(close) = after.find('}') else { break };
        let name = after[..open].trim().to_string();
        let fields: Vec<String> = after[open + 1..close]
            .split(';')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| f.split_whitespace().next().unwrap_or("").to_string())
            .collect();
        defs.push((name, format!("({})", fields.join(","))));
        rest = &after[close + 1..];
    }
    // Expand nested names; definitions are acyclic, so a bounded number of passes suffices.
    for _ in 0..defs.len() {
        let snapshot = defs.clone();
        for d in defs.iter_mut() {
            d.1 = replace_types(&d.1, &snapshot);
        }
    }
    defs
}

/// Replaces whole-word struct names (optionally qualified `I.Name`) by tuple types.
fn replace_types(sig: &str, defs: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let bare = word.rsplit('.').next().unwrap_or(word).to_string();
        match defs.iter().find(|(n, _)| *n == bare) {
            Some((_, t)) => out.push_str(t),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in sig.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Builds the JSON ABI of a completed interface (and optional constructor
/// signature line as printed by the exporter).
///
/// # Errors
/// [`AbiError::Parse`] naming the declaration the parser rejected.
pub fn json_abi(interface: &str, constructor: Option<&str>) -> Result<JsonAbi, AbiError> {
    let defs = structs(interface);
    let mut decls: Vec<String> = Vec::new();
    for line in interface.lines() {
        let t = line.trim();
        if t.starts_with("function ") || t.starts_with("event ") || t.starts_with("error ") {
            decls.push(replace_types(t.trim_end_matches(';'), &defs));
        }
    }
    if let Some(c) = constructor
        .map(str::trim)
        .filter(|c| c.starts_with("constructor"))
    {
        decls.push(replace_types(c.trim_end_matches(';'), &defs));
    }
    for d in &decls {
        JsonAbi::parse([d.as_str()]).map_err(|e| AbiError::Parse(format!("{d}: {e}")))?;
    }
    JsonAbi::parse(decls.iter().map(String::as_str)).map_err(|e| AbiError::Parse(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_events_across_lines_and_ignores_comments() {
        let src = r#"
            sol! {
                /// event Fake(uint256 x); in a comment
                #[derive(Debug)]
                event Deposited(
                    bytes32 indexed account,
                    address indexed asset,
                    uint256 amount
                );
                error Nope(uint256 a);
                event Empty();
            }
            fn prevent(x: u8) {} // event Bogus(uint a);
        "#;
        assert_eq!(
            events_in_source(src),
            vec![
                "event Deposited(bytes32 indexed account, address indexed asset, uint256 amount)"
                    .to_string(),
                "event Empty()".to_string()
            ]
        );
    }

    #[test]
    fn completes_interface_and_converts_with_structs() {
        let exported = "interface IX {\n    struct P { int256 size; uint256 basis; }\n\n    function position(bytes32 a) external view returns (P memory);\n\n    error Bad(uint8);\n}\n";
        let full = complete_interface(
            exported,
            &["event Moved(address indexed a, uint256 b)".into()],
        )
        .unwrap();
        assert!(full.contains("    event Moved(address indexed a, uint256 b);\n}"));
        let abi = json_abi(&full, Some("constructor(uint8 d)")).unwrap();
        let f = &abi.function("position").unwrap()[0];
        assert_eq!(f.outputs[0].ty, "tuple");
        assert_eq!(f.outputs[0].components.len(), 2);
        assert_eq!(abi.events().count(), 1);
        assert_eq!(abi.errors().count(), 1);
        assert_eq!(abi.constructor().unwrap().inputs.len(), 1);
    }

    #[test]
    fn rejects_garbage() {
        let bad = "interface I {\n    function (uint256 x) external;\n}";
        assert!(matches!(json_abi(bad, None), Err(AbiError::Parse(_))));
        assert!(matches!(
            complete_interface("no body", &[]),
            Err(AbiError::NoInterface)
        ));
    }
}
