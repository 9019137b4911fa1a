//! Checks contract WASM modules against the Stylus activation rules and the compressed size limit.
//!
//! [`check`] parses a module, scans it for everything Stylus refuses at activation and measures
//! its brotli-compressed size; the result is a [`Report`] that lists every [`Violation`] found.
//! [`format_table`] and [`format_markdown`] render reports of several contracts side by side.
//!
//! ```
//! let module = wat::parse_str(
//!     r#"(module
//!          (import "vm_hooks" "pay_for_memory_grow" (func (param i32)))
//!          (memory (export "memory") 1)
//!          (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
//! )
//! .unwrap();
//! let report = wasm_check::check(&module, wasm_check::DEFAULT_BROTLI_LIMIT).unwrap();
//! assert!(report.is_ok());
//! ```

mod ops;
mod rules;
mod table;

use std::fmt;
use std::io;

pub use table::{format_markdown, format_table, Row};

/// Default limit on the brotli-compressed module size: 24 KiB.
pub const DEFAULT_BROTLI_LIMIT: usize = 24_576;

/// Name of the function Stylus calls for every transaction.
pub const ENTRYPOINT: &str = "user_entrypoint";

/// Name of the memory export Stylus requires.
pub const MEMORY: &str = "memory";

/// The only module a contract may import from.
pub const HOST_MODULE: &str = "vm_hooks";

/// Brotli quality used for the size measurement (the maximum).
pub const BROTLI_QUALITY: i32 = 11;

/// Brotli window (log2 of its size in bytes) used for the size measurement.
pub const BROTLI_WINDOW: i32 = 22;

/// One way in which a module breaks the Stylus activation rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// The module is malformed, or fails validation under the Stylus feature set (MVP with
    /// bulk-memory, sign-extension, mutable-globals and saturating float-to-int, without floats)
    /// for a reason that no more specific violation in the same report names.
    Invalid {
        /// Byte offset of the problem in the module.
        offset: u64,
        /// The parser's or validator's description, on one line.
        message: String,
    },
    /// A required export (`user_entrypoint` or `memory`) is absent.
    MissingExport(String),
    /// A required export exists but is of the wrong kind.
    WrongExportKind {
        /// Export name.
        name: String,
        /// Kind the rules require (`function` or `memory`).
        expected: &'static str,
        /// Kind found in the module.
        found: &'static str,
    },
    /// `user_entrypoint` does not have the type `(i32) -> i32`.
    EntrypointSignature {
        /// The type found, in text format.
        found: String,
    },
    /// An import comes from a module other than `vm_hooks`.
    ForeignImport {
        /// Module the import names.
        module: String,
        /// Imported item.
        name: String,
    },
    /// An import is not a function (tables, memories, globals and tags cannot be imported).
    NonFunctionImport {
        /// Module the import names.
        module: String,
        /// Imported item.
        name: String,
        /// Kind of the imported item.
        kind: &'static str,
    },
    /// An import or export name uses the prefix `stylus`, which the runtime reserves.
    ReservedName {
        /// The offending name.
        name: String,
    },
    /// The module uses reference-types: the overlong `call_indirect` table index, reference
    /// value types, more than one table, table instructions or non-MVP element segments.
    ReferenceTypes {
        /// What was found.
        what: String,
    },
    /// The module uses multi-value: a function type with several results, or a block type
    /// given by a type index.
    MultiValue {
        /// What was found.
        what: String,
    },
    /// A float instruction, including the saturating float-to-int conversions.
    FloatInstruction {
        /// Text-format name of the instruction, e.g. `f64.add`.
        op: String,
    },
    /// A float value type in a signature, global, local or block type.
    FloatType {
        /// Where it was found, e.g. `type 0 params`.
        location: String,
    },
    /// An instruction or construct from a proposal Stylus does not enable (SIMD, threads,
    /// tail calls, exceptions, multi-memory, memory64, GC, ...).
    UnsupportedFeature {
        /// Proposal name, e.g. `simd`.
        feature: String,
        /// What was found.
        what: String,
    },
    /// The module declares a start function.
    StartFunction {
        /// Index of the start function.
        func: u32,
    },
    /// A count exceeds one of the limits Stylus enforces at activation.
    LimitExceeded {
        /// What was counted.
        what: &'static str,
        /// The count found.
        count: u64,
        /// The largest count allowed.
        limit: u64,
    },
    /// The brotli-compressed module is larger than the limit.
    TooLarge {
        /// Compressed size in bytes.
        brotli: usize,
        /// The limit in bytes.
        limit: usize,
    },
}

impl Violation {
    /// True for the violations that the strict validator also reports, so a validation error
    /// next to one of them adds nothing.
    fn explains_validation_error(&self) -> bool {
        matches!(
            self,
            Violation::ReferenceTypes { .. }
                | Violation::MultiValue { .. }
                | Violation::FloatInstruction { .. }
                | Violation::FloatType { .. }
                | Violation::UnsupportedFeature { .. }
        )
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Invalid { offset, message } => {
                write!(f, "invalid module at offset {offset:#x}: {message}")
            }
            Violation::MissingExport(name) => write!(f, "missing export `{name}`"),
            Violation::WrongExportKind {
                name,
                expected,
                found,
            } => write!(f, "export `{name}` is a {found}, expected a {expected}"),
            Violation::EntrypointSignature { found } => {
                write!(f, "`{ENTRYPOINT}` has type {found}, expected (i32) -> i32")
            }
            Violation::ForeignImport { module, name } => {
                write!(f, "import `{module}::{name}` is not from `{HOST_MODULE}`")
            }
            Violation::NonFunctionImport { module, name, kind } => {
                write!(f, "import `{module}::{name}` is a {kind}, not a function")
            }
            Violation::ReservedName { name } => {
                write!(f, "name `{name}` uses the reserved prefix `stylus`")
            }
            Violation::ReferenceTypes { what } => write!(f, "reference-types: {what}"),
            Violation::MultiValue { what } => write!(f, "multi-value: {what}"),
            Violation::FloatInstruction { op } => write!(f, "float instruction `{op}`"),
            Violation::FloatType { location } => write!(f, "float value type in {location}"),
            Violation::UnsupportedFeature { feature, what } => {
                write!(f, "unsupported feature {feature}: {what}")
            }
            Violation::StartFunction { func } => write!(f, "start function (function {func})"),
            Violation::LimitExceeded { what, count, limit } => {
                write!(f, "too many {what}: {count} > {limit}")
            }
            Violation::TooLarge { brotli, limit } => {
                write!(f, "brotli size {brotli} B exceeds the limit of {limit} B")
            }
        }
    }
}

/// The outcome of checking one module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Size of the module in bytes.
    pub raw_size: usize,
    /// Size of the module after brotli compression (quality 11, window 22) in bytes.
    pub brotli_size: usize,
    /// The brotli size limit the module was checked against, in bytes.
    pub limit: usize,
    /// Every violation found, in the order the module declares the offending items; each
    /// distinct violation appears once.
    pub violations: Vec<Violation>,
}

impl Report {
    /// True when the module has no violation.
    pub fn is_ok(&self) -> bool {
        self.violations.is_empty()
    }

    /// The brotli size as a share of the limit in tenths of a percent, rounded half up
    /// (`325` means 32.5 %). A zero limit counts as an infinitely full budget (`u64::MAX`).
    pub fn limit_share_tenths(&self) -> u64 {
        if self.limit == 0 {
            return u64::MAX;
        }
        let limit = self.limit as u128;
        let tenths = (self.brotli_size as u128 * 1000 + limit / 2) / limit;
        u64::try_from(tenths).unwrap_or(u64::MAX)
    }

    /// The brotli size as a share of the limit, formatted with one decimal, e.g. `32.5%`.
    pub fn limit_share(&self) -> String {
        let tenths = self.limit_share_tenths();
        if tenths == u64::MAX {
            return "inf%".to_owned();
        }
        format!("{}.{}%", tenths / 10, tenths % 10)
    }

    /// The status text: `ok`, or every violation separated by `; `.
    pub fn status(&self) -> String {
        if self.is_ok() {
            return "ok".to_owned();
        }
        self.violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `wasm` compressed with brotli at quality 11 and a 4 MiB (2^22) window, the settings used for
/// Stylus deployments.
///
/// # Errors
///
/// Returns the compressor's I/O error; compressing from and to memory does not fail in practice.
pub fn compress(wasm: &[u8]) -> io::Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: BROTLI_WINDOW,
        size_hint: wasm.len(),
        ..Default::default()
    };
    let mut input = wasm;
    let mut output = Vec::with_capacity(wasm.len() / 2);
    brotli::BrotliCompress(&mut input, &mut output, &params)?;
    Ok(output)
}

/// Size in bytes of `wasm` after brotli compression ([`compress`]).
///
/// # Errors
///
/// As [`compress`].
pub fn brotli_size(wasm: &[u8]) -> io::Result<usize> {
    compress(wasm).map(|c| c.len())
}

/// The Stylus prefix of deployed program code: `EFF000` and the dictionary byte (00: none).
pub const STYLUS_PREFIX: [u8; 4] = [0xef, 0xf0, 0x00, 0x00];

/// The code a Stylus program is deployed as (what cargo-stylus writes): [`STYLUS_PREFIX`]
/// followed by the [`compress`]ed WASM.
///
/// # Errors
///
/// As [`compress`].
pub fn stylus_code(wasm: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = STYLUS_PREFIX.to_vec();
    out.extend(compress(wasm)?);
    Ok(out)
}

/// Collapses every run of whitespace in a parser message into one space, so it fits a table row.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks the activation rules only (no size measurement) and returns every violation found.
///
/// Never fails: a module that cannot be parsed yields [`Violation::Invalid`] next to whatever
/// was found before the parse error.
pub fn check_rules(wasm: &[u8]) -> Vec<Violation> {
    let mut found = rules::scan(wasm);
    if let Err(error) = rules::validate_strict(wasm) {
        if !found.iter().any(Violation::explains_validation_error) {
            let invalid = Violation::Invalid {
                offset: error.offset() as u64,
                message: one_line(error.message()),
            };
            if !found.iter().any(|v| matches!(v, Violation::Invalid { .. })) {
                found.push(invalid);
            }
        }
    }
    found
}

/// Checks `wasm` against every activation rule and a brotli size limit of `limit` bytes.
///
/// # Errors
///
/// Returns the compressor's I/O error (see [`brotli_size`]); rule violations are not errors but
/// entries of [`Report::violations`].
pub fn check(wasm: &[u8], limit: usize) -> io::Result<Report> {
    let brotli = brotli_size(wasm)?;
    let mut violations = check_rules(wasm);
    if brotli > limit {
        violations.push(Violation::TooLarge { brotli, limit });
    }
    Ok(Report {
        raw_size: wasm.len(),
        brotli_size: brotli,
        limit,
        violations,
    })
}
