//! `wasm-check [--limit N] [--markdown OUT] FILE...`
//!
//! Checks each WASM file against the Stylus activation rules and the brotli size limit, prints a
//! table (contract, raw bytes, brotli bytes, share of the limit, status) and exits with 1 when
//! any file has a violation, 2 on a usage or I/O error, 0 otherwise.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wasm_check::{check, format_markdown, format_table, Row, DEFAULT_BROTLI_LIMIT};

const USAGE: &str = "\
usage: wasm-check [--limit N] [--markdown OUT] FILE...

Checks WASM files against the Stylus activation rules and a brotli size limit.

  --limit N        brotli size limit in bytes (default 24576)
  --markdown OUT   also write the table as Markdown to OUT
  -h, --help       print this help

Exit status: 0 all files pass, 1 a file has a violation, 2 usage or I/O error.";

/// Parsed command line.
#[derive(Debug, PartialEq, Eq)]
struct Options {
    limit: usize,
    markdown: Option<PathBuf>,
    files: Vec<PathBuf>,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Help,
    Check(Options),
}

/// Everything that stops the tool before it can judge the files.
#[derive(Debug)]
enum CliError {
    /// The command line is malformed.
    Usage(String),
    /// A WASM file could not be read.
    Read { path: PathBuf, source: io::Error },
    /// Compressing a file failed.
    Compress { path: PathBuf, source: io::Error },
    /// The Markdown file could not be written.
    Write { path: PathBuf, source: io::Error },
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(message) => write!(f, "{message}\n\n{USAGE}"),
            CliError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            CliError::Compress { path, source } => {
                write!(f, "cannot compress {}: {source}", path.display())
            }
            CliError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
        }
    }
}

/// Parses the arguments after the program name.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, CliError> {
    let mut options = Options {
        limit: DEFAULT_BROTLI_LIMIT,
        markdown: None,
        files: Vec::new(),
    };
    let mut args = args.into_iter();
    let mut only_files = false;
    while let Some(arg) = args.next() {
        if only_files {
            options.files.push(arg.into());
            continue;
        }
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--" => only_files = true,
            "--limit" => {
                let value = args
                    .next()
                    .ok_or_else(|| CliError::Usage("--limit needs a value".into()))?;
                options.limit = value.parse().map_err(|_| {
                    CliError::Usage(format!("--limit wants a byte count, got `{value}`"))
                })?;
            }
            "--markdown" => {
                let value = args
                    .next()
                    .ok_or_else(|| CliError::Usage("--markdown needs a file".into()))?;
                options.markdown = Some(value.into());
            }
            other if other.starts_with('-') => {
                return Err(CliError::Usage(format!("unknown option `{other}`")));
            }
            _ => options.files.push(arg.into()),
        }
    }
    if options.files.is_empty() {
        return Err(CliError::Usage("no WASM file given".into()));
    }
    Ok(Command::Check(options))
}

/// Contract name of a file: its stem, or the whole path when it has none.
fn contract_name(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Checks every file, prints the table and writes the Markdown file; returns whether every
/// file passed.
fn run(options: &Options) -> Result<bool, CliError> {
    let mut rows = Vec::with_capacity(options.files.len());
    for path in &options.files {
        let wasm = std::fs::read(path).map_err(|source| CliError::Read {
            path: path.clone(),
            source,
        })?;
        let report = check(&wasm, options.limit).map_err(|source| CliError::Compress {
            path: path.clone(),
            source,
        })?;
        rows.push(Row {
            contract: contract_name(path),
            report,
        });
    }
    print!("{}", format_table(&rows));
    if let Some(path) = &options.markdown {
        std::fs::write(path, format_markdown(&rows)).map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(rows.iter().all(|row| row.report.is_ok()))
}

fn main() -> ExitCode {
    let result = parse_args(std::env::args().skip(1)).and_then(|command| match command {
        Command::Help => {
            println!("{USAGE}");
            Ok(true)
        }
        Command::Check(options) => run(&options),
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("wasm-check: {error}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_options_and_files() {
        let command = parse_args(args(&[
            "--limit",
            "1000",
            "a.wasm",
            "--markdown",
            "t.md",
            "b",
        ]));
        assert_eq!(
            command.ok(),
            Some(Command::Check(Options {
                limit: 1000,
                markdown: Some("t.md".into()),
                files: vec!["a.wasm".into(), "b".into()],
            }))
        );
        let command = parse_args(args(&["--", "--limit"]));
        assert_eq!(
            command.ok(),
            Some(Command::Check(Options {
                limit: DEFAULT_BROTLI_LIMIT,
                markdown: None,
                files: vec!["--limit".into()],
            }))
        );
        assert_eq!(parse_args(args(&["x", "--help"])).ok(), Some(Command::Help));
    }

    #[test]
    fn rejects_bad_command_lines() {
        for bad in [
            &["--limit"][..],
            &["--limit", "many", "a.wasm"],
            &["--markdown"],
            &["--verbose", "a.wasm"],
            &[],
        ] {
            assert!(
                matches!(parse_args(args(bad)), Err(CliError::Usage(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn contract_names_are_file_stems() {
        assert_eq!(
            contract_name(Path::new("target/stylus/mock-aggregator.wasm")),
            "mock-aggregator"
        );
        assert_eq!(contract_name(Path::new("plain")), "plain");
    }
}
