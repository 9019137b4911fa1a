//! Every activation rule, proved on small modules: a good one passes, each bad one fails with
//! exactly the expected violation.

use wasm_check::{check, check_rules, Report, Violation, DEFAULT_BROTLI_LIMIT};

/// A minimal module that satisfies every rule, with `extra` spliced into its body.
fn module_with(extra: &str) -> Vec<u8> {
    module_importing("", extra)
}

/// Like [`module_with`], with `imports` placed after the module's own import.
fn module_importing(imports: &str, extra: &str) -> Vec<u8> {
    let text = format!(
        r#"(module
             (import "vm_hooks" "read_args" (func $read_args (param i32)))
             {imports}
             (memory (export "memory") 1)
             (func $entry (export "user_entrypoint") (param i32) (result i32)
               local.get 0
               call $read_args
               i32.const 0)
             {extra})"#
    );
    wat::parse_str(&text).expect("test module assembles")
}

/// Parses a whole module text.
fn module(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test module assembles")
}

fn report(wasm: &[u8]) -> Report {
    check(wasm, DEFAULT_BROTLI_LIMIT).expect("compression succeeds")
}

#[test]
fn good_module_passes() {
    let wasm = module_with(
        r#"(func $helper (param i64 i32) (result i64)
             local.get 0
             local.get 1
             i64.extend_i32_u
             i64.add
             i64.extend32_s)
           (func $copy (param i32 i32 i32)
             local.get 0 local.get 1 local.get 2 memory.copy
             local.get 0 i32.const 0 local.get 2 memory.fill)
           (global $counter (mut i32) (i32.const 0))
           (data (i32.const 16) "constant data")"#,
    );
    let report = report(&wasm);
    assert_eq!(report.violations, vec![]);
    assert!(report.is_ok());
    assert_eq!(report.status(), "ok");
    assert_eq!(report.raw_size, wasm.len());
    assert_eq!(report.limit, DEFAULT_BROTLI_LIMIT);
    assert!(report.brotli_size > 0 && report.brotli_size < wasm.len());
}

#[test]
fn foreign_import_namespace() {
    let wasm = module_importing(r#"(import "env" "abort" (func $abort))"#, "");
    assert_eq!(
        check_rules(&wasm),
        vec![Violation::ForeignImport {
            module: "env".into(),
            name: "abort".into()
        }]
    );
}

#[test]
fn non_function_import() {
    let wasm = module_importing(r#"(import "vm_hooks" "base" (global $base i32))"#, "");
    assert_eq!(
        check_rules(&wasm),
        vec![Violation::NonFunctionImport {
            module: "vm_hooks".into(),
            name: "base".into(),
            kind: "global"
        }]
    );
}

#[test]
fn float_instruction() {
    let wasm = module_with(
        r#"(func $sum (result i32)
             f64.const 1
             f64.const 2
             f64.add
             drop
             i32.const 0)"#,
    );
    assert_eq!(
        check_rules(&wasm),
        vec![
            Violation::FloatInstruction {
                op: "f64.const".into()
            },
            Violation::FloatInstruction {
                op: "f64.add".into()
            },
        ]
    );
}

#[test]
fn saturating_float_to_int_is_a_float_instruction() {
    let wasm = module_with(
        r#"(func $trunc (param i64) (result i64)
             local.get 0
             f64.reinterpret_i64
             i64.trunc_sat_f64_u)"#,
    );
    assert_eq!(
        check_rules(&wasm),
        vec![
            Violation::FloatInstruction {
                op: "f64.reinterpret_i64".into()
            },
            Violation::FloatInstruction {
                op: "i64.trunc_sat_f64_u".into()
            },
        ]
    );
}

#[test]
fn float_param_type() {
    // Type 0 is the import's, 1 the entrypoint's, 2 this one.
    let wasm = module_with("(func $takes_float (param f32))");
    assert_eq!(
        check_rules(&wasm),
        vec![Violation::FloatType {
            location: "type 2 params".into()
        }]
    );
}

#[test]
fn float_global_and_local() {
    let wasm = module_with(
        r#"(global $g f64 (f64.const 0))
           (func $locals (local i32 f64))"#,
    );
    assert_eq!(
        check_rules(&wasm),
        vec![
            Violation::FloatType {
                location: "global 0".into()
            },
            Violation::FloatInstruction {
                op: "f64.const".into()
            },
            Violation::FloatType {
                location: "locals of function 2".into()
            },
        ]
    );
}

#[test]
fn multi_value_function_type() {
    let wasm = module_with("(func $pair (result i32 i32) i32.const 1 i32.const 2)");
    assert_eq!(
        check_rules(&wasm),
        vec![Violation::MultiValue {
            what: "function type 2 is (func (result i32 i32))".into()
        }]
    );
}

#[test]
fn multi_value_block_type() {
    let wasm = module_with(
        r#"(type $binary (func (param i32 i32) (result i32)))
           (func $block (result i32)
             i32.const 1
             i32.const 2
             block (type $binary)
               i32.add
             end)"#,
    );
    assert_eq!(
        check_rules(&wasm),
        vec![Violation::MultiValue {
            what: "block of type (func (param i32 i32) (result i32))".into()
        }]
    );
}

#[test]
fn start_function() {
    let wasm = module_with("(func $init) (start $init)");
    assert_eq!(
        check_rules(&wasm),
        vec![Violation::StartFunction { func: 2 }]
    );
}

#[test]
fn missing_user_entrypoint() {
    let wasm = module(
        r#"(module
             (memory (export "memory") 1)
             (func (export "main") (param i32) (result i32) i32.const 0))"#,
    );
    let violations = check_rules(&wasm);
    assert_eq!(
        violations,
        vec![Violation::MissingExport("user_entrypoint".into())]
    );
    assert_eq!(
        violations[0].to_string(),
        "missing export `user_entrypoint`"
    );
}

#[test]
fn missing_memory_export() {
    let wasm = module(
        r#"(module
             (memory 1)
             (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#,
    );
    assert_eq!(
        check_rules(&wasm),
        vec![Violation::MissingExport("memory".into())]
    );
}

#[test]
fn wrong_export_kind_and_entrypoint_type() {
    let wasm = module(
        r#"(module
             (memory $m 1)
             (global (export "memory") i32 (i32.const 0))
             (func (export "user_entrypoint") (param i64) (result i32) i32.const 0))"#,
    );
    assert_eq!(
        check_rules(&wasm),
        vec![
            Violation::EntrypointSignature {
                found: "(func (param i64) (result i32))".into()
            },
            Violation::WrongExportKind {
                name: "memory".into(),
                expected: "memory",
                found: "global"
            },
        ]
    );
}

#[test]
fn reserved_names() {
    let wasm = module_importing(
        r#"(import "vm_hooks" "stylus_secret" (func $secret))"#,
        r#"(func (export "stylus_main"))"#,
    );
    assert_eq!(
        check_rules(&wasm),
        vec![
            Violation::ReservedName {
                name: "stylus_secret".into()
            },
            Violation::ReservedName {
                name: "stylus_main".into()
            },
        ]
    );
}

#[test]
fn reference_type_instructions_and_tables() {
    let wasm = module_with(
        r#"(table $a 1 funcref)
           (table $b 1 funcref)
           (func $refs (result i32)
             ref.null func
             ref.is_null
             drop
             table.size $b)"#,
    );
    assert_eq!(
        check_rules(&wasm),
        vec![
            Violation::ReferenceTypes {
                what: "`ref.null` instruction".into()
            },
            Violation::ReferenceTypes {
                what: "`ref.is_null` instruction".into()
            },
            Violation::ReferenceTypes {
                what: "`table.size` instruction".into()
            },
            Violation::ReferenceTypes {
                what: "2 tables".into()
            },
        ]
    );
}

#[test]
fn externref_value_type() {
    let wasm = module_with("(func $ext (param externref))");
    assert_eq!(
        check_rules(&wasm),
        vec![Violation::ReferenceTypes {
            what: "value type `externref` in type 2 params".into()
        }]
    );
}

#[test]
fn simd_is_unsupported() {
    let wasm = module_with(
        r#"(func $vec (param i32)
             local.get 0
             v128.load
             drop)"#,
    );
    assert_eq!(
        check_rules(&wasm),
        vec![Violation::UnsupportedFeature {
            feature: "simd".into(),
            what: "`v128.load` instruction".into()
        }]
    );
}

#[test]
fn garbage_is_invalid() {
    // A section id byte with nothing after it.
    assert_eq!(
        check_rules(b"\0asm\x01\0\0\0\x7f"),
        vec![Violation::Invalid {
            offset: 9,
            message: "unexpected end-of-file".into()
        }]
    );
    assert_eq!(
        check_rules(b"not wasm"),
        vec![Violation::Invalid {
            offset: 0,
            message: "magic header not detected: bad magic number - expected=[ 0x0, 0x61, 0x73, \
                      0x6d, ] actual=[ 0x6e, 0x6f, 0x74, 0x20, ]"
                .into()
        }]
    );
}

#[test]
fn validation_errors_without_a_named_rule_are_invalid() {
    // Well-formed but ill-typed: the body leaves an i64 where an i32 is expected.
    let wasm = module_with("(func $bad (result i32) i64.const 1)");
    let violations = check_rules(&wasm);
    assert!(
        matches!(violations.as_slice(), [Violation::Invalid { message, .. }] if message.contains("type mismatch")),
        "{violations:?}"
    );
}

/// Unsigned LEB128 encoding.
fn leb(mut value: u32) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// A vector: LEB count, then the items.
fn vector(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = leb(items.len() as u32);
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

/// A section: id, LEB size, contents.
fn section(id: u8, contents: Vec<u8>) -> Vec<u8> {
    let mut out = vec![id];
    out.extend(leb(contents.len() as u32));
    out.extend(contents);
    out
}

/// A name: LEB length, then UTF-8 bytes.
fn name(text: &str) -> Vec<u8> {
    let mut out = leb(text.len() as u32);
    out.extend_from_slice(text.as_bytes());
    out
}

/// A module whose entrypoint calls itself through `call_indirect` (never executed), with
/// `table_immediate` as the encoding of the table index.
fn call_indirect_module(table_immediate: &[u8]) -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    // Types: 0 = (i32) -> i32, 1 = (i32) -> ().
    wasm.extend(section(
        1,
        vector(&[
            vec![0x60, 0x01, 0x7f, 0x01, 0x7f],
            vec![0x60, 0x01, 0x7f, 0x00],
        ]),
    ));
    // Import vm_hooks.read_args as function 0.
    let mut import = name("vm_hooks");
    import.extend(name("read_args"));
    import.extend([0x00, 0x01]);
    wasm.extend(section(2, vector(&[import])));
    // Function 1 has type 0.
    wasm.extend(section(3, vector(&[vec![0x00]])));
    // One funcref table with exactly one entry.
    wasm.extend(section(4, vector(&[vec![0x70, 0x01, 0x01, 0x01]])));
    // One memory of one page.
    wasm.extend(section(5, vector(&[vec![0x00, 0x01]])));
    // Exports.
    let mut entry = name("user_entrypoint");
    entry.extend([0x00, 0x01]);
    let mut memory = name("memory");
    memory.extend([0x02, 0x00]);
    wasm.extend(section(7, vector(&[entry, memory])));
    // Element segment: table 0 at offset 0 holds function 1.
    wasm.extend(section(
        9,
        vector(&[vec![0x00, 0x41, 0x00, 0x0b, 0x01, 0x01]]),
    ));
    // Code: local.get 0; i32.const 0; call_indirect (type 0) <table>; end.
    let mut body = vec![0x00, 0x20, 0x00, 0x41, 0x00, 0x11, 0x00];
    body.extend_from_slice(table_immediate);
    body.push(0x0b);
    let mut code = leb(body.len() as u32);
    code.extend(body);
    wasm.extend(section(10, vector(&[code])));
    wasm
}

#[test]
fn single_byte_call_indirect_table_index_passes() {
    let wasm = call_indirect_module(&[0x00]);
    assert_eq!(report(&wasm).violations, vec![]);
}

#[test]
fn overlong_call_indirect_table_index() {
    let wasm = call_indirect_module(&[0x80, 0x00]);
    let violations = check_rules(&wasm);
    assert_eq!(
        violations,
        vec![Violation::ReferenceTypes {
            what: "call_indirect table index encoded as a multi-byte LEB instead of a single \
                   zero byte"
                .into()
        }]
    );
    assert_eq!(
        violations[0].to_string(),
        "reference-types: call_indirect table index encoded as a multi-byte LEB instead of a \
         single zero byte"
    );
}

/// Deterministic xorshift64* bytes.
fn random_bytes(len: usize, mut state: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

#[test]
fn over_size_module() {
    let data: String = random_bytes(30_000, 0x9e37_79b9_7f4a_7c15)
        .iter()
        .map(|b| format!("\\{b:02x}"))
        .collect();
    let wasm = module_with(&format!(r#"(data (i32.const 1024) "{data}")"#));
    assert_eq!(check_rules(&wasm), vec![]);
    let report = report(&wasm);
    assert!(report.brotli_size > 30_000, "{}", report.brotli_size);
    assert_eq!(
        report.violations,
        vec![Violation::TooLarge {
            brotli: report.brotli_size,
            limit: DEFAULT_BROTLI_LIMIT
        }]
    );
    // The same module passes under a limit it fits.
    let generous = check(&wasm, 40_000).expect("compression succeeds");
    assert_eq!(generous.violations, vec![]);
    assert_eq!(generous.brotli_size, report.brotli_size);
}

#[test]
fn violations_display() {
    let cases = [
        (
            Violation::ForeignImport {
                module: "env".into(),
                name: "abort".into(),
            },
            "import `env::abort` is not from `vm_hooks`",
        ),
        (
            Violation::FloatInstruction {
                op: "f64.add".into(),
            },
            "float instruction `f64.add`",
        ),
        (
            Violation::MultiValue {
                what: "function type 2 is (func (result i32 i32))".into(),
            },
            "multi-value: function type 2 is (func (result i32 i32))",
        ),
        (
            Violation::StartFunction { func: 3 },
            "start function (function 3)",
        ),
        (
            Violation::TooLarge {
                brotli: 30_123,
                limit: 24_576,
            },
            "brotli size 30123 B exceeds the limit of 24576 B",
        ),
        (
            Violation::LimitExceeded {
                what: "exports",
                count: 1025,
                limit: 1024,
            },
            "too many exports: 1025 > 1024",
        ),
        (
            Violation::Invalid {
                offset: 26,
                message: "type mismatch".into(),
            },
            "invalid module at offset 0x1a: type mismatch",
        ),
    ];
    for (violation, text) in cases {
        assert_eq!(violation.to_string(), text);
    }
}

#[test]
fn limit_share_rounds_to_tenths() {
    let mut report = Report {
        raw_size: 1,
        brotli_size: 8_000,
        limit: 24_576,
        violations: vec![],
    };
    assert_eq!(report.limit_share_tenths(), 326);
    assert_eq!(report.limit_share(), "32.6%");
    report.brotli_size = 24_576;
    assert_eq!(report.limit_share(), "100.0%");
    report.limit = 0;
    assert_eq!(report.limit_share(), "inf%");
}
