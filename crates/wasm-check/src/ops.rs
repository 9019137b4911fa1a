//! Classification of WASM instructions by the proposal that introduced them.

use wasmparser::Operator;

/// The proposal an instruction belongs to and its text-format name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpInfo {
    /// Proposal identifier as used by `wasmparser` (`mvp`, `simd`, `threads`, ...).
    pub proposal: &'static str,
    /// Text-format name of the instruction, e.g. `f64.add` or `call_indirect`.
    pub name: String,
}

/// What the Stylus rules say about one instruction, judged from its proposal and name alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OpClass {
    /// Allowed (immediates may still need a closer look).
    Allowed,
    /// Takes or produces a float.
    Float(String),
    /// Part of reference-types, or a table instruction.
    Reference(String),
    /// Part of another proposal Stylus does not enable.
    Unsupported {
        /// Proposal name in kebab case.
        feature: String,
        /// Text-format name of the instruction.
        name: String,
    },
}

/// Text-format prefixes after which the first `_` of a visitor name is a `.`.
const PREFIXES: &[&str] = &[
    "i32", "i64", "f32", "f64", "v128", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2",
    "ref", "table", "memory", "local", "global", "elem", "data", "struct", "array", "any",
    "extern", "i31",
];

/// Turns a `visit_*` method name into the instruction's text-format name.
fn mnemonic(visit: &str) -> String {
    let bare = visit.strip_prefix("visit_").unwrap_or(visit);
    match bare.split_once('_') {
        Some((head, tail)) if PREFIXES.contains(&head) => format!("{head}.{tail}"),
        _ => bare.to_owned(),
    }
}

/// Looks up the proposal and name of `op`.
pub(crate) fn info(op: &Operator<'_>) -> OpInfo {
    macro_rules! define_info {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
            match op {
                $(
                    Operator::$op { .. } => (stringify!($proposal), stringify!($visit)),
                )*
                _ => ("unknown", "unknown"),
            }
        };
    }
    let (proposal, visit) = wasmparser::for_each_operator!(define_info);
    OpInfo {
        proposal,
        name: mnemonic(visit),
    }
}

/// True when a text-format instruction name involves an `f32` or `f64` operand or result.
fn names_float(name: &str) -> bool {
    name.contains("f32") || name.contains("f64")
}

/// Classifies `op` by its proposal and name.
pub(crate) fn classify(op: &Operator<'_>) -> OpClass {
    let OpInfo { proposal, name } = info(op);
    match proposal {
        "mvp" | "saturating_float_to_int" if names_float(&name) => OpClass::Float(name),
        "mvp" | "saturating_float_to_int" | "sign_extension" => OpClass::Allowed,
        "bulk_memory" if name.starts_with("memory.") || name.starts_with("data.") => {
            OpClass::Allowed
        }
        "bulk_memory" | "reference_types" => OpClass::Reference(name),
        other => OpClass::Unsupported {
            feature: other.replace('_', "-"),
            name,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::{BlockType, Ieee64};

    #[test]
    fn mnemonics_follow_the_text_format() {
        assert_eq!(mnemonic("visit_f64_add"), "f64.add");
        assert_eq!(mnemonic("visit_i32_trunc_sat_f32_s"), "i32.trunc_sat_f32_s");
        assert_eq!(mnemonic("visit_call_indirect"), "call_indirect");
        assert_eq!(mnemonic("visit_ref_is_null"), "ref.is_null");
        assert_eq!(mnemonic("visit_nop"), "nop");
    }

    #[test]
    fn classification_by_proposal() {
        assert_eq!(
            classify(&Operator::F64Add),
            OpClass::Float("f64.add".into())
        );
        assert_eq!(
            classify(&Operator::F64Const {
                value: Ieee64::from(0.5f64)
            }),
            OpClass::Float("f64.const".into())
        );
        assert_eq!(
            classify(&Operator::I64TruncSatF64U),
            OpClass::Float("i64.trunc_sat_f64_u".into())
        );
        assert_eq!(
            classify(&Operator::F32ReinterpretI32),
            OpClass::Float("f32.reinterpret_i32".into())
        );
        assert_eq!(classify(&Operator::I32Add), OpClass::Allowed);
        assert_eq!(classify(&Operator::I64Extend32S), OpClass::Allowed);
        assert_eq!(
            classify(&Operator::MemoryCopy {
                dst_mem: 0,
                src_mem: 0
            }),
            OpClass::Allowed
        );
        assert_eq!(
            classify(&Operator::DataDrop { data_index: 0 }),
            OpClass::Allowed
        );
        assert_eq!(
            classify(&Operator::Block {
                blockty: BlockType::Empty
            }),
            OpClass::Allowed
        );
        assert_eq!(
            classify(&Operator::TableInit {
                elem_index: 0,
                table: 0
            }),
            OpClass::Reference("table.init".into())
        );
        assert_eq!(
            classify(&Operator::RefFunc { function_index: 1 }),
            OpClass::Reference("ref.func".into())
        );
        assert_eq!(
            classify(&Operator::ReturnCall { function_index: 1 }),
            OpClass::Unsupported {
                feature: "tail-call".into(),
                name: "return_call".into()
            }
        );
        assert_eq!(
            classify(&Operator::I8x16Splat),
            OpClass::Unsupported {
                feature: "simd".into(),
                name: "i8x16.splat".into()
            }
        );
    }
}
