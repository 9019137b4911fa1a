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

pub mod names;

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
    declarations_in_source(src, "event ")
}

/// Every declaration `keyword Name(...);` (`keyword` is `"event "` or `"error "`) in a piece of
/// Rust source, normalised to one line without the trailing semicolon.
pub fn declarations_in_source(src: &str, keyword: &str) -> Vec<String> {
    let src = strip_line_comments(src);
    let k = keyword.len();
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(pos) = src[i..].find(keyword) {
        let start = i + pos;
        i = start + k;
        let boundary =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        if !boundary {
            continue;
        }
        let rest = &src[start + k..];
        let name_len = rest
            .trim_start()
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(0);
        let lead = rest.len() - rest.trim_start().len();
        let after_name = &rest[lead + name_len..];
        if name_len == 0 || !after_name.trim_start().starts_with('(') {
            continue;
        }
        let open = start + k + lead + name_len + (after_name.len() - after_name.trim_start().len());
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

/// Every `struct Name { .. }` declaration in a piece of Rust source whose
/// fields are Solidity declarations (`type name;`), normalised to one line.
/// Rust structs (fields `name: Type,`) are skipped.
pub fn structs_in_source(src: &str) -> Vec<String> {
    let src = strip_line_comments(src);
    let mut out = Vec::new();
    let mut rest = src.as_str();
    while let Some(p) = rest.find("struct ") {
        let boundary = p == 0 || {
            let c = rest.as_bytes()[p - 1];
            !(c.is_ascii_alphanumeric() || c == b'_')
        };
        let after = &rest[p + 7..];
        rest = after;
        if !boundary {
            continue;
        }
        let (Some(open), Some(close)) = (after.find('{'), after.find('}')) else {
            break;
        };
        let name = after[..open].trim();
        if open > close
            || name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            continue;
        }
        let body = &after[open + 1..close];
        let fields: Vec<&str> = body
            .split(';')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect();
        let solidity = !fields.is_empty()
            && body.trim_end().ends_with(';')
            && fields
                .iter()
                .all(|f| f.split_whitespace().count() == 2 && !f.contains(':'));
        if solidity {
            out.push(squash(&format!(
                "struct {name} {{ {} }}",
                fields
                    .iter()
                    .map(|f| format!("{f};"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )));
        }
        rest = &after[close + 1..];
    }
    out
}

/// Struct declarations of a contract crate's `src/` tree (see
/// [`structs_in_source`]), without duplicates.
///
/// # Errors
/// [`AbiError::Io`] when a file cannot be read.
pub fn crate_structs(crate_dir: &Path) -> Result<Vec<String>, AbiError> {
    let mut out: Vec<String> = crate_sources(crate_dir)?
        .iter()
        .flat_map(|s| structs_in_source(s))
        .collect();
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| seen.insert(e.clone()));
    Ok(out)
}

/// Adds the struct definitions the exported interface uses but does not
/// define (the SDK's exporter prints `AbiType` struct names only), right after
/// the interface's opening brace, and gives struct parameters of functions
/// their `calldata` location so the interface compiles.
///
/// # Errors
/// [`AbiError::NoInterface`] when the text has no interface body.
pub fn add_structs(exported: &str, structs: &[String]) -> Result<String, AbiError> {
    let open = exported.find('{').ok_or(AbiError::NoInterface)?;
    let mut used = Vec::new();
    for s in structs {
        let name = s[7..s.find('{').unwrap_or(7)].trim().to_string();
        let mentioned = exported
            .lines()
            .filter(|l| l.trim_start().starts_with("function "))
            .any(|l| mentions(l, &name));
        if mentioned && !exported.contains(&format!("struct {name} ")) {
            used.push((name, s.clone()));
        }
    }
    if used.is_empty() {
        return Ok(exported.to_string());
    }
    let mut text = String::new();
    text.push_str(&exported[..=open]);
    for (_, s) in &used {
        text.push_str("\n    ");
        text.push_str(s);
        text.push('\n');
    }
    let body: Vec<String> = exported[open + 1..]
        .lines()
        .map(|l| {
            let mut l = l.to_string();
            if l.trim_start().starts_with("function ") {
                for (name, _) in &used {
                    while let Some(next) = replace_word_followed(&l, name, " calldata") {
                        l = next;
                    }
                }
            }
            l
        })
        .collect();
    text.push_str(&body.join("\n"));
    if exported.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Whether a declaration uses the type `name` (a whole word followed by a
/// space, as in `Order calldata maker` or `Order maker`).
fn mentions(line: &str, name: &str) -> bool {
    let bytes = line.as_bytes();
    line.match_indices(name).any(|(at, _)| {
        let end = at + name.len();
        at > 0 && matches!(bytes[at - 1], b'(' | b' ') && line[end..].starts_with(' ')
    })
}

/// In a function declaration, the first parameter of type `name` without a
/// data location gets `suffix` after its type; `None` when there is none.
fn replace_word_followed(line: &str, name: &str, suffix: &str) -> Option<String> {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(p) = line[from..].find(name) {
        let at = from + p;
        let end = at + name.len();
        from = end;
        let before_ok = at > 0 && matches!(bytes[at - 1], b'(' | b' ');
        let after = &line[end..];
        let after_ok = after.starts_with(' ');
        if !(before_ok && after_ok) {
            continue;
        }
        let next_word = after
            .trim_start()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("");
        if matches!(next_word, "calldata" | "memory" | "storage") {
            continue;
        }
        return Some(format!("{}{}{}", &line[..end], suffix, after));
    }
    None
}

/// Events of a contract crate: from its `src/` tree (test modules named
/// `tests.rs` excepted) and its `Cargo.toml` metadata, without duplicates, in order of first appearance.
///
/// # Errors
/// [`AbiError::Io`] when a file cannot be read.
pub fn crate_events(crate_dir: &Path) -> Result<Vec<String>, AbiError> {
    let mut events: Vec<String> = crate_sources(crate_dir)?
        .iter()
        .flat_map(|s| events_in_source(s))
        .collect();
    events.extend(metadata_list(
        &crate_dir.join("Cargo.toml"),
        "package",
        "events",
    )?);
    let mut seen = std::collections::HashSet::new();
    events.retain(|e| seen.insert(e.clone()));
    Ok(events)
}

/// The texts of a contract crate's `src/` files, in path order (test modules named `tests.rs`
/// excepted: test doubles are not part of the contract's interface).
///
/// # Errors
/// [`AbiError::Io`] when a file cannot be read.
pub fn crate_sources(crate_dir: &Path) -> Result<Vec<String>, AbiError> {
    let mut files = Vec::new();
    collect_rs(&crate_dir.join("src"), &mut files)?;
    files.sort();
    let mut out = Vec::new();
    for f in files {
        if f.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        out.push(
            fs::read_to_string(&f).map_err(|e| AbiError::Io(format!("{}: {e}", f.display())))?,
        );
    }
    Ok(out)
}

/// The workspace root above `dir` (the first folder whose `Cargo.toml` has `[workspace]`).
pub fn workspace_root(dir: &Path) -> Option<std::path::PathBuf> {
    let mut d = fs::canonicalize(dir).ok()?;
    loop {
        if fs::read_to_string(d.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]")) {
            return Some(d);
        }
        d = d.parent()?.to_path_buf();
    }
}

/// Named custom-error declarations for a contract crate: its sources' `sol!` errors, then the
/// library errors listed under `[workspace.metadata.abi] errors` in the workspace's `Cargo.toml`.
///
/// # Errors
/// [`AbiError::Io`] when a file cannot be read.
pub fn crate_errors(crate_dir: &Path) -> Result<Vec<String>, AbiError> {
    let mut out: Vec<String> = crate_sources(crate_dir)?
        .iter()
        .flat_map(|s| names::errors_in_source(s))
        .collect();
    if let Some(root) = workspace_root(crate_dir) {
        out.extend(metadata_list(
            &root.join("Cargo.toml"),
            "workspace",
            "errors",
        )?);
    }
    Ok(out)
}

/// Names the interface's parameters (see [`names`]): camelCase, named errors and outputs, no
/// Solidity keywords. `outputs` is the `outputs.toml` of names that docs do not give.
///
/// # Errors
/// [`AbiError::Parse`] naming what stays unnamed or reserved.
pub fn name_parameters(
    interface: &str,
    crate_dir: &Path,
    outputs: &Path,
) -> Result<String, AbiError> {
    let package = crate_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = names::camel_case_parameters(interface);
    let text = names::name_errors(&text, &crate_errors(crate_dir)?)?;
    let configured = names::configured_outputs(outputs, &package)?;
    let text = names::name_outputs(&text, &crate_sources(crate_dir)?, &configured)?;
    names::check_reserved(&text)?;
    Ok(text)
}

/// The crate's own `sol!` errors that `exported` does not declare (compared by name), when the
/// crate's `Cargo.toml` sets `[package.metadata.abi] declared-errors = true`. For contracts whose
/// methods return raw revert data (`Vec<u8>`, so that a callee's error passes through
/// unchanged): the SDK's exporter cannot see their errors, and a dApp needs them to decode a
/// revert.
///
/// # Errors
/// [`AbiError::Io`] when a file cannot be read.
pub fn undeclared_errors(crate_dir: &Path, exported: &str) -> Result<Vec<String>, AbiError> {
    let wanted = abi_metadata(&crate_dir.join("Cargo.toml"), "package")?
        .and_then(|a| a.get("declared-errors").and_then(toml::Value::as_bool))
        .unwrap_or(false);
    if !wanted {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for e in crate_sources(crate_dir)?
        .iter()
        .flat_map(|s| names::errors_in_source(s))
    {
        let head = e.split('(').next().unwrap_or_default().to_string();
        if !exported.contains(&format!("{head}(")) && !out.iter().any(|o| o.starts_with(&head)) {
            out.push(e);
        }
    }
    Ok(out)
}

/// The declarations listed under `[TABLE.metadata.abi] KEY` of a `Cargo.toml` (`table` is
/// `package` or `workspace`), normalised to one line without the trailing semicolon.
fn metadata_list(manifest: &Path, table: &str, key: &str) -> Result<Vec<String>, AbiError> {
    Ok(abi_metadata(manifest, table)?
        .and_then(|a| a.get(key).and_then(|e| e.as_array()).cloned())
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str())
                .map(|s| squash(s.trim_end_matches(';')))
                .collect()
        })
        .unwrap_or_default())
}

/// The `[TABLE.metadata.abi]` table of a `Cargo.toml`, if it has one.
fn abi_metadata(manifest: &Path, table: &str) -> Result<Option<toml::Value>, AbiError> {
    let text = fs::read_to_string(manifest)
        .map_err(|e| AbiError::Io(format!("{}: {e}", manifest.display())))?;
    let value: toml::Value = text
        .parse()
        .map_err(|e| AbiError::Io(format!("{}: {e}", manifest.display())))?;
    Ok(value
        .get(table)
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("abi"))
        .cloned())
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
    fn declared_errors_are_added_only_when_asked_and_only_when_missing() {
        let dir = std::env::temp_dir().join(format!("abi-json-errors-{}", std::process::id()));
        fs::create_dir_all(dir.join("src")).unwrap();
        fs::write(
            dir.join("src/lib.rs"),
            "sol! {\n    error Known(uint256 a);\n    error Missing(int256 equity, uint256 minimum);\n}\n",
        )
        .unwrap();
        let exported = "interface I {\n    error Known(uint256);\n}\n";
        fs::write(dir.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        assert!(undeclared_errors(&dir, exported).unwrap().is_empty());
        fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"x\"\n[package.metadata.abi]\ndeclared-errors = true\n",
        )
        .unwrap();
        assert_eq!(
            undeclared_errors(&dir, exported).unwrap(),
            vec!["error Missing(int256 equity, uint256 minimum)".to_string()]
        );
        fs::remove_dir_all(&dir).unwrap();
    }

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
    fn adds_used_structs_with_calldata_parameters() {
        let src = r#"
            sol! {
                /// A signed order.
                #[derive(AbiType)]
                struct Order {
                    bytes32 account;
                    int256 size;
                }
            }
            struct Rusty { a: u8, }
            struct Unused { uint8 x; }
        "#;
        let found = structs_in_source(src);
        assert_eq!(
            found,
            vec![
                "struct Order { bytes32 account; int256 size; }".to_string(),
                "struct Unused { uint8 x; }".to_string()
            ]
        );
        let exported = "interface IX {\n    function settle(Order maker, bytes calldata s, Order calldata taker) external;\n\n    function digest(Order order) external view returns (bytes32);\n}\n";
        let full = add_structs(exported, &found).unwrap();
        assert_eq!(
            full,
            "interface IX {\n    struct Order { bytes32 account; int256 size; }\n\n    function settle(Order calldata maker, bytes calldata s, Order calldata taker) external;\n\n    function digest(Order calldata order) external view returns (bytes32);\n}\n"
        );
        let abi = json_abi(&full, None).unwrap();
        let f = &abi.function("settle").unwrap()[0];
        assert_eq!(f.inputs[0].ty, "tuple");
        assert_eq!(f.inputs[0].components.len(), 2);
        assert_eq!(f.inputs[2].components[1].ty, "int256");
        // Nothing to add: unchanged.
        assert_eq!(
            add_structs("interface I {\n}\n", &found).unwrap(),
            "interface I {\n}\n"
        );
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
