//! Parameter names of the exported interface: camelCase (the SDK's exporter prints the Rust
//! names, `maker_sig`), every custom-error parameter named (the exporter prints types only; the
//! names come from the crate's `sol!` declarations or, for library errors, the workspace's
//! `[workspace.metadata.abi] errors`), every output named (from the method's doc tuple such as
//! `` `(equity, maintenance, initial)` ``, from `crates/abi-json/outputs.toml`, or `result` for a
//! lone value), and no name a Solidity keyword.

use crate::AbiError;
use std::collections::BTreeMap;
use std::{fs, path::Path};

/// Words Solidity reserves or gives a meaning (units, keywords), which no parameter may use.
pub const RESERVED: &[&str] = &[
    "abstract",
    "address",
    "after",
    "alias",
    "anonymous",
    "apply",
    "as",
    "assembly",
    "auto",
    "bool",
    "break",
    "byte",
    "bytes",
    "calldata",
    "case",
    "catch",
    "constant",
    "constructor",
    "continue",
    "contract",
    "copyof",
    "days",
    "default",
    "define",
    "delete",
    "do",
    "else",
    "emit",
    "enum",
    "error",
    "ether",
    "event",
    "external",
    "fallback",
    "false",
    "final",
    "finney",
    "for",
    "function",
    "gwei",
    "hours",
    "if",
    "immutable",
    "implements",
    "import",
    "in",
    "indexed",
    "inline",
    "interface",
    "internal",
    "is",
    "let",
    "library",
    "macro",
    "mapping",
    "match",
    "memory",
    "minutes",
    "modifier",
    "mutable",
    "new",
    "null",
    "of",
    "override",
    "partial",
    "payable",
    "pragma",
    "private",
    "promise",
    "public",
    "pure",
    "receive",
    "reference",
    "relocatable",
    "return",
    "returns",
    "revert",
    "sealed",
    "seconds",
    "sizeof",
    "static",
    "storage",
    "string",
    "struct",
    "super",
    "supports",
    "switch",
    "szabo",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typedef",
    "typeof",
    "unchecked",
    "unicode",
    "using",
    "var",
    "view",
    "virtual",
    "weeks",
    "wei",
    "while",
    "years",
];

/// `snake_case` as `camelCase` (names without underscores unchanged).
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut up = false;
    for (i, c) in name.chars().enumerate() {
        if c == '_' && i > 0 {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `camelCase` as `snake_case` (the Rust name of an exported function).
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a parameter list at its top-level commas.
fn split_list(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in list.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// A parameter as `(type and qualifiers, name)`.
fn parts(param: &str) -> (String, Option<String>) {
    let words: Vec<&str> = param.split_whitespace().collect();
    let qualifier =
        |w: &str| matches!(w, "memory" | "calldata" | "storage" | "indexed" | "payable");
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() && !qualifier(last) => {
            (rest.join(" "), Some((*last).to_string()))
        }
        _ => (words.join(" "), None),
    }
}

/// The parameter lists of a declaration line: `(start, end)` byte ranges inside the line of its
/// inputs and, for functions, its outputs.
fn lists(line: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    for _ in 0..2 {
        let Some(open) = line[from..].find('(').map(|p| p + from) else {
            break;
        };
        let mut depth = 0;
        let mut close = None;
        for (k, c) in line[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(open + k);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else { break };
        out.push((open + 1, close));
        from = close + 1;
        match line[from..].find("returns (") {
            Some(p) => from += p + "returns ".len(),
            None => break,
        }
    }
    out
}

/// Rewrites the parameter names of one list with `f(index, type, name)`.
fn rewrite(list: &str, mut f: impl FnMut(usize, &str, Option<&str>) -> Option<String>) -> String {
    split_list(list)
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (ty, name) = parts(p);
            match f(i, &ty, name.as_deref()) {
                Some(n) => format!("{ty} {n}"),
                None => p.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn declaration(line: &str) -> Option<&'static str> {
    let t = line.trim_start();
    ["function ", "event ", "error ", "constructor"]
        .into_iter()
        .find(|k| t.starts_with(k))
}

/// Every parameter name of the interface (and constructor line) in camelCase.
pub fn camel_case_parameters(text: &str) -> String {
    map_lines(text, |line| {
        if declaration(line).is_none() {
            return line.to_string();
        }
        let mut l = line.to_string();
        for (a, b) in lists(line).into_iter().rev() {
            let new = rewrite(&line[a..b], |_, _, n| n.map(camel));
            l.replace_range(a..b, &new);
        }
        l
    })
}

fn map_lines(text: &str, mut f: impl FnMut(&str) -> String) -> String {
    let mut out: Vec<String> = text.lines().map(&mut f).collect();
    if text.ends_with('\n') {
        out.push(String::new());
    }
    out.join("\n")
}

/// The declaration's name (`error Name(`).
fn decl_name(line: &str) -> Option<String> {
    let t = line.trim_start();
    let rest = t.split_once(' ')?.1;
    Some(rest[..rest.find('(')?].trim().to_string())
}

/// Types of a list, without names.
fn types(list: &str) -> Vec<String> {
    split_list(list).iter().map(|p| parts(p).0).collect()
}

/// Gives every custom-error parameter its name from `known` declarations (`error Name(type name,
/// ...)`) with the same name and types.
///
/// # Errors
/// [`AbiError::Parse`] naming an error whose parameters stay unnamed.
pub fn name_errors(text: &str, known: &[String]) -> Result<String, AbiError> {
    let mut missing = Vec::new();
    let out = map_lines(text, |line| {
        if declaration(line) != Some("error ") {
            return line.to_string();
        }
        let Some(&(a, b)) = lists(line).first() else {
            return line.to_string();
        };
        let params = split_list(&line[a..b]);
        if params.iter().all(|p| parts(p).1.is_some()) {
            return line.to_string();
        }
        let name = decl_name(line).unwrap_or_default();
        let ty = types(&line[a..b]);
        let found = known.iter().find(|k| {
            decl_name(k).as_deref() == Some(name.as_str())
                && lists(k)
                    .first()
                    .is_some_and(|&(x, y)| types(&k[x..y]) == ty)
        });
        match found {
            Some(k) => {
                let (x, y) = lists(k)[0];
                let named = rewrite(&k[x..y], |_, _, n| n.map(camel));
                let mut l = line.to_string();
                l.replace_range(a..b, &named);
                l
            }
            None => {
                missing.push(line.trim().to_string());
                line.to_string()
            }
        }
    });
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(AbiError::Parse(format!(
            "custom errors with unnamed parameters (declare them in a sol! block of the crate, or under [workspace.metadata.abi] errors for library errors): {}",
            missing.join(" ")
        )))
    }
}

/// Every `error Name(...)` declaration in Rust source (as [`crate::events_in_source`] for
/// events).
pub fn errors_in_source(src: &str) -> Vec<String> {
    crate::declarations_in_source(src, "error ")
}

/// The doc comment above `pub fn name(` in `src`, joined into one line.
fn doc_of(src: &str, rust_name: &str) -> Option<String> {
    let lines: Vec<&str> = src.lines().collect();
    let at = lines.iter().position(|l| {
        let t = l.trim_start();
        t.starts_with(&format!("pub fn {rust_name}("))
            || t.starts_with(&format!("pub fn {rust_name}<"))
    })?;
    let mut doc = Vec::new();
    for l in lines[..at].iter().rev() {
        let t = l.trim_start();
        if let Some(d) = t.strip_prefix("///") {
            doc.push(d.trim());
        } else if t.starts_with("#[") {
            continue;
        } else {
            break;
        }
    }
    doc.reverse();
    Some(doc.join(" "))
}

/// The names of the first backticked tuple `(a, b, ...)` with `n` plain names in `doc`.
fn doc_tuple(doc: &str, n: usize) -> Option<Vec<String>> {
    let mut rest = doc;
    while let Some(p) = rest.find("`(") {
        let after = &rest[p + 2..];
        let Some(end) = after.find(")`") else { break };
        let names: Vec<String> = after[..end]
            .split(',')
            .map(|s| s.trim().to_string())
            .collect();
        if names.len() == n
            && names.iter().all(|s| {
                s.starts_with(|c: char| c.is_ascii_alphabetic())
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        {
            return Some(names.iter().map(|s| camel(s)).collect());
        }
        rest = &after[end + 2..];
    }
    None
}

/// Output names configured for a contract in `outputs.toml` (`[contract] function = [names]`).
pub fn configured_outputs(
    file: &Path,
    package: &str,
) -> Result<BTreeMap<String, Vec<String>>, AbiError> {
    let text = match fs::read_to_string(file) {
        Ok(t) => t,
        Err(_) => return Ok(BTreeMap::new()),
    };
    let value: toml::Value = text
        .parse()
        .map_err(|e| AbiError::Io(format!("{}: {e}", file.display())))?;
    let mut out = BTreeMap::new();
    if let Some(t) = value.get(package).and_then(|v| v.as_table()) {
        for (f, names) in t {
            let names = names
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            out.insert(f.clone(), names);
        }
    }
    Ok(out)
}

/// Names every unnamed function output: from `configured` (by function name), from the doc
/// tuple of the Rust method in `sources`, or `result` for a lone value.
///
/// # Errors
/// [`AbiError::Parse`] naming the functions whose several outputs have no names.
pub fn name_outputs(
    text: &str,
    sources: &[String],
    configured: &BTreeMap<String, Vec<String>>,
) -> Result<String, AbiError> {
    let mut missing = Vec::new();
    let out = map_lines(text, |line| {
        if declaration(line) != Some("function ") {
            return line.to_string();
        }
        let ls = lists(line);
        let Some(&(a, b)) = ls.get(1) else {
            return line.to_string();
        };
        let outs = split_list(&line[a..b]);
        if outs.iter().all(|p| parts(p).1.is_some()) {
            return line.to_string();
        }
        let name = decl_name(line).unwrap_or_default();
        let names = configured
            .get(&name)
            .cloned()
            .filter(|n| n.len() == outs.len())
            .or_else(|| {
                sources
                    .iter()
                    .find_map(|s| doc_of(s, &snake(&name)).and_then(|d| doc_tuple(&d, outs.len())))
            });
        let names = match names {
            Some(n) => n,
            None if outs.len() == 1 => vec!["result".to_string()],
            None => {
                missing.push(name);
                return line.to_string();
            }
        };
        let inputs: Vec<String> = ls
            .first()
            .map(|&(x, y)| {
                split_list(&line[x..y])
                    .iter()
                    .filter_map(|p| parts(p).1)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(n) = names.iter().find(|n| inputs.contains(n)) {
            missing.push(format!("{name} (output {n:?} is also an input's name)"));
            return line.to_string();
        }
        let mut l = line.to_string();
        l.replace_range(
            a..b,
            &rewrite(&line[a..b], |i, _, _| Some(names[i].clone())),
        );
        l
    });
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(AbiError::Parse(format!(
            "functions with several unnamed outputs (write `(a, b, ...)` in the method's doc, or list the names in crates/abi-json/outputs.toml): {}",
            missing.join(", ")
        )))
    }
}

/// Refuses a parameter name Solidity reserves.
///
/// # Errors
/// [`AbiError::Parse`] naming the declaration and the word.
pub fn check_reserved(text: &str) -> Result<(), AbiError> {
    for line in text.lines() {
        if declaration(line).is_none() {
            continue;
        }
        for (a, b) in lists(line) {
            for p in split_list(&line[a..b]) {
                if let (_, Some(n)) = parts(&p) {
                    if RESERVED.contains(&n.as_str()) {
                        return Err(AbiError::Parse(format!(
                            "{}: the parameter name {n:?} is a Solidity keyword",
                            line.trim()
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_cases_parameters_of_every_declaration() {
        let text = "interface I {\n    function settleFill(Order calldata maker, bytes calldata maker_sig, uint256 fill_size) external returns (uint256, int256 open_interest);\n    event E(address indexed some_thing, uint256 x);\n}\n";
        assert_eq!(
            camel_case_parameters(text),
            "interface I {\n    function settleFill(Order calldata maker, bytes calldata makerSig, uint256 fillSize) external returns (uint256, int256 openInterest);\n    event E(address indexed someThing, uint256 x);\n}\n"
        );
        assert_eq!(camel("init_shocks"), "initShocks");
        assert_eq!(snake("accountSummary"), "account_summary");
    }

    #[test]
    fn names_errors_and_outputs() {
        let text = "    error TooEarly(bytes32, uint64);\n    function proposal(bytes32 id) external view returns (uint8, uint64, uint64);\n    function admin() external view returns (address);\n";
        let known = vec!["error TooEarly(bytes32 id, uint64 eta)".to_string()];
        let named = name_errors(text, &known).unwrap();
        assert!(named.contains("error TooEarly(bytes32 id, uint64 eta);"));
        let src = "    /// Proposal `id`: `(state, eta, expires_at)`; states 0 none.\n    #[inline]\n    pub fn proposal(&self, id: B256) -> (u8, u64, u64) {\n".to_string();
        let out = name_outputs(&named, &[src], &BTreeMap::new()).unwrap();
        assert!(
            out.contains("returns (uint8 state, uint64 eta, uint64 expiresAt);"),
            "{out}"
        );
        assert!(out.contains("returns (address result);"), "{out}");
        let err = name_errors("    error Nope(uint8);\n", &known).unwrap_err();
        assert!(err.to_string().contains("error Nope(uint8);"));
        let err = name_outputs(
            "    function f() external returns (uint8, uint8);\n",
            &[],
            &BTreeMap::new(),
        )
        .unwrap_err();
        assert!(err.to_string().ends_with(": f"), "{err}");
    }

    #[test]
    fn refuses_reserved_words() {
        assert!(
            check_reserved("    event AdminAccepted(address old, address newAdmin);\n").is_ok()
        );
        let e = check_reserved("    event AdminAccepted(address old, address new);\n").unwrap_err();
        assert!(
            e.to_string().contains("\"new\" is a Solidity keyword"),
            "{e}"
        );
        assert!(check_reserved("    function lockFor(uint64 seconds) external;\n").is_err());
    }
}
