//! The scan of a module for everything the Stylus activation rules refuse.

use wasmparser::{
    BinaryReaderError, BlockType, CompositeInnerType, DataKind, DataSectionReader, ElementItems,
    ElementKind, ElementSectionReader, Encoding, ExportSectionReader, ExternalKind, FuncType,
    FunctionBody, GlobalSectionReader, ImportSectionReader, MemorySectionReader, Operator,
    OperatorsReader, Parser, Payload, RefType, TableInit, TableSectionReader, TypeRef,
    TypeSectionReader, ValType, Validator, WasmFeatures,
};

use crate::ops::{self, OpClass};
use crate::{Violation, ENTRYPOINT, HOST_MODULE, MEMORY};

/// The feature set Stylus enables: the MVP plus mutable globals, sign extension, saturating
/// float-to-int and bulk memory, without floats (contracts must not use them).
const STRICT_FEATURES: WasmFeatures = WasmFeatures::MUTABLE_GLOBAL
    .union(WasmFeatures::SIGN_EXTENSION)
    .union(WasmFeatures::SATURATING_FLOAT_TO_INT)
    .union(WasmFeatures::BULK_MEMORY);

/// Prefix of names the runtime reserves for itself.
const RESERVED_PREFIX: &str = "stylus";

/// Activation limits: data segments.
const MAX_DATA_SEGMENTS: u64 = 128;
/// Activation limits: element segments.
const MAX_ELEMENT_SEGMENTS: u64 = 128;
/// Activation limits: exports.
const MAX_EXPORTS: u64 = 1024;
/// Activation limits: functions defined by the module.
const MAX_FUNCTIONS: u64 = 4096;
/// Activation limits: declared locals of one function.
const MAX_LOCALS: u64 = 348;
/// Activation limits: instructions in one function body.
const MAX_OPCODES: u64 = 65_536;
/// Activation limits: initial table entries.
const MAX_TABLE_ENTRIES: u64 = 4096;
/// Activation limits: entries of all element segments.
const MAX_ELEMENT_ENTRIES: u64 = 4096;
/// Activation limits: bytes in an export name.
const MAX_NAME_LEN: u64 = 512;

/// Validates `wasm` under [`STRICT_FEATURES`].
pub(crate) fn validate_strict(wasm: &[u8]) -> Result<(), BinaryReaderError> {
    Validator::new_with_features(STRICT_FEATURES)
        .validate_all(wasm)
        .map(|_| ())
}

/// Scans `wasm` and returns every violation found, each distinct one once.
pub(crate) fn scan(wasm: &[u8]) -> Vec<Violation> {
    let mut scanner = Scanner::new(wasm);
    match scanner.run() {
        Ok(()) => scanner.finish(),
        Err(error) => scanner.push(Violation::Invalid {
            offset: error.offset() as u64,
            message: crate::one_line(error.message()),
        }),
    }
    scanner.found
}

/// Name of an export kind as the violations spell it.
fn export_kind_name(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func => "function",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}

/// Name of an import kind as the violations spell it.
fn import_kind_name(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::Func(_) => "function",
        TypeRef::Table(_) => "table",
        TypeRef::Memory(_) => "memory",
        TypeRef::Global(_) => "global",
        TypeRef::Tag(_) => "tag",
    }
}

/// True when the `call_indirect` instruction in `bytes` (opcode, LEB type index, table index)
/// encodes its table index as the single zero byte the MVP requires.
fn table_index_is_single_zero(bytes: &[u8]) -> bool {
    let Some((&0x11, rest)) = bytes.split_first() else {
        return false;
    };
    match rest.iter().position(|b| b & 0x80 == 0) {
        Some(end) => rest.get(end + 1..) == Some(&[0u8][..]),
        None => false,
    }
}

/// State of one scan.
struct Scanner<'a> {
    wasm: &'a [u8],
    found: Vec<Violation>,
    /// Function types by type index (`None` for GC composite types).
    types: Vec<Option<FuncType>>,
    /// Type index of every function, imports first.
    func_types: Vec<u32>,
    imported_funcs: u32,
    defined_funcs: u32,
    exports: Vec<(String, ExternalKind, u32)>,
    tables: u64,
    memories: u64,
    table_entries: u64,
    element_entries: u64,
}

impl<'a> Scanner<'a> {
    fn new(wasm: &'a [u8]) -> Self {
        Self {
            wasm,
            found: Vec::new(),
            types: Vec::new(),
            func_types: Vec::new(),
            imported_funcs: 0,
            defined_funcs: 0,
            exports: Vec::new(),
            tables: 0,
            memories: 0,
            table_entries: 0,
            element_entries: 0,
        }
    }

    /// Records `violation` unless an equal one is already recorded.
    fn push(&mut self, violation: Violation) {
        if !self.found.contains(&violation) {
            self.found.push(violation);
        }
    }

    fn limit(&mut self, what: &'static str, count: u64, limit: u64) {
        if count > limit {
            self.push(Violation::LimitExceeded { what, count, limit });
        }
    }

    fn unsupported(&mut self, feature: &str, what: String) {
        self.push(Violation::UnsupportedFeature {
            feature: feature.to_owned(),
            what,
        });
    }

    fn value_type(&mut self, ty: ValType, location: &str) {
        match ty {
            ValType::I32 | ValType::I64 => {}
            ValType::F32 | ValType::F64 => self.push(Violation::FloatType {
                location: location.to_owned(),
            }),
            ValType::V128 => self.unsupported("simd", format!("v128 value type in {location}")),
            ValType::Ref(_) => self.push(Violation::ReferenceTypes {
                what: format!("value type `{ty}` in {location}"),
            }),
        }
    }

    fn block_type(&mut self, blockty: BlockType) {
        match blockty {
            BlockType::Empty => {}
            BlockType::Type(ty) => self.value_type(ty, "a block type"),
            BlockType::FuncType(index) => {
                let what = match self.types.get(index as usize) {
                    Some(Some(ty)) => format!("block of type {}", show_func_type(ty)),
                    _ => format!("block type given by type index {index}"),
                };
                self.push(Violation::MultiValue { what });
            }
        }
    }

    /// Scans the instructions of a function body or constant expression and returns their
    /// number.
    fn operators(&mut self, mut reader: OperatorsReader<'a>) -> Result<u64, BinaryReaderError> {
        let mut count = 0u64;
        while !reader.eof() {
            let (op, offset) = reader.read_with_offset()?;
            let end = reader.original_position();
            count += 1;
            match &op {
                Operator::CallIndirect { table_index, .. } => {
                    if *table_index != 0 {
                        self.push(Violation::ReferenceTypes {
                            what: format!("call_indirect through table {table_index}"),
                        });
                    } else {
                        let bytes = self.wasm.get(offset..end).unwrap_or_default();
                        if !table_index_is_single_zero(bytes) {
                            self.push(Violation::ReferenceTypes {
                                what: "call_indirect table index encoded as a multi-byte LEB \
                                       instead of a single zero byte"
                                    .to_owned(),
                            });
                        }
                    }
                }
                Operator::Block { blockty }
                | Operator::Loop { blockty }
                | Operator::If { blockty } => self.block_type(*blockty),
                _ => {}
            }
            match ops::classify(&op) {
                OpClass::Allowed => {}
                OpClass::Float(op) => self.push(Violation::FloatInstruction { op }),
                OpClass::Reference(name) => self.push(Violation::ReferenceTypes {
                    what: format!("`{name}` instruction"),
                }),
                OpClass::Unsupported { feature, name } => {
                    self.unsupported(&feature, format!("`{name}` instruction"))
                }
            }
        }
        Ok(count)
    }

    /// Reads the module section by section.
    fn run(&mut self) -> Result<(), BinaryReaderError> {
        let mut parser = Parser::new(0);
        parser.set_features(WasmFeatures::all());
        for payload in parser.parse_all(self.wasm) {
            match payload? {
                Payload::Version {
                    encoding, range, ..
                } if encoding != Encoding::Module => {
                    self.push(Violation::Invalid {
                        offset: range.start as u64,
                        message: "a component, not a core module".to_owned(),
                    });
                    return Ok(());
                }
                Payload::TypeSection(reader) => self.types(reader)?,
                Payload::ImportSection(reader) => self.imports(reader)?,
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        self.func_types.push(ty?);
                    }
                }
                Payload::TableSection(reader) => self.tables(reader)?,
                Payload::MemorySection(reader) => self.memories(reader)?,
                Payload::TagSection(_) => {
                    self.unsupported("exceptions", "tag section".to_owned());
                }
                Payload::GlobalSection(reader) => self.globals(reader)?,
                Payload::ExportSection(reader) => self.exports(reader)?,
                Payload::StartSection { func, .. } => {
                    self.push(Violation::StartFunction { func });
                }
                Payload::ElementSection(reader) => self.elements(reader)?,
                Payload::DataSection(reader) => self.data(reader)?,
                Payload::CodeSectionStart { count, .. } => {
                    self.limit("functions", count.into(), MAX_FUNCTIONS);
                }
                Payload::CodeSectionEntry(body) => self.code(body)?,
                Payload::UnknownSection { id, range, .. } => {
                    self.push(Violation::Invalid {
                        offset: range.start as u64,
                        message: format!("unknown section id {id}"),
                    });
                }
                Payload::End(_) => break,
                _ => {}
            }
        }
        Ok(())
    }

    fn types(&mut self, reader: TypeSectionReader<'a>) -> Result<(), BinaryReaderError> {
        for group in reader {
            let group = group?;
            if group.is_explicit_rec_group() {
                self.unsupported("gc", "recursive type group".to_owned());
            }
            for sub in group.into_types() {
                let index = self.types.len();
                if !sub.is_final || sub.supertype_idx.is_some() {
                    self.unsupported("gc", format!("subtyping in type {index}"));
                }
                if sub.composite_type.shared {
                    self.unsupported("shared-everything-threads", format!("shared type {index}"));
                }
                let CompositeInnerType::Func(ty) = sub.composite_type.inner else {
                    self.unsupported("gc", format!("non-function type {index}"));
                    self.types.push(None);
                    continue;
                };
                let params = format!("type {index} params");
                for &param in ty.params() {
                    self.value_type(param, &params);
                }
                let results = format!("type {index} results");
                for &result in ty.results() {
                    self.value_type(result, &results);
                }
                if ty.results().len() > 1 {
                    self.push(Violation::MultiValue {
                        what: format!("function type {index} is {}", show_func_type(&ty)),
                    });
                }
                self.types.push(Some(ty));
            }
        }
        Ok(())
    }

    fn imports(&mut self, reader: ImportSectionReader<'a>) -> Result<(), BinaryReaderError> {
        for import in reader.into_iter() {
            let import = import?;
            if import.module != HOST_MODULE {
                self.push(Violation::ForeignImport {
                    module: import.module.to_owned(),
                    name: import.name.to_owned(),
                });
            }
            if import.name.starts_with(RESERVED_PREFIX) {
                self.push(Violation::ReservedName {
                    name: import.name.to_owned(),
                });
            }
            match import.ty {
                TypeRef::Func(ty) => {
                    self.func_types.push(ty);
                    self.imported_funcs += 1;
                }
                other => {
                    match other {
                        TypeRef::Table(_) => self.tables += 1,
                        TypeRef::Memory(_) => self.memories += 1,
                        _ => {}
                    }
                    self.push(Violation::NonFunctionImport {
                        module: import.module.to_owned(),
                        name: import.name.to_owned(),
                        kind: import_kind_name(&other),
                    });
                }
            }
        }
        Ok(())
    }

    fn tables(&mut self, reader: TableSectionReader<'a>) -> Result<(), BinaryReaderError> {
        for table in reader {
            let table = table?;
            self.tables += 1;
            if table.ty.element_type != RefType::FUNCREF {
                self.push(Violation::ReferenceTypes {
                    what: format!("table of `{}`", table.ty.element_type),
                });
            }
            if table.ty.table64 {
                self.unsupported("memory64", "64-bit table".to_owned());
            }
            if table.ty.shared {
                self.unsupported("shared-everything-threads", "shared table".to_owned());
            }
            if let TableInit::Expr(_) = table.init {
                self.push(Violation::ReferenceTypes {
                    what: "table with an initializer expression".to_owned(),
                });
            }
            self.table_entries = self.table_entries.saturating_add(table.ty.initial);
        }
        Ok(())
    }

    fn memories(&mut self, reader: MemorySectionReader<'a>) -> Result<(), BinaryReaderError> {
        for memory in reader {
            let memory = memory?;
            self.memories += 1;
            if memory.memory64 {
                self.unsupported("memory64", "64-bit memory".to_owned());
            }
            if memory.shared {
                self.unsupported("threads", "shared memory".to_owned());
            }
            if memory.page_size_log2.is_some() {
                self.unsupported("custom-page-sizes", "custom page size".to_owned());
            }
        }
        Ok(())
    }

    fn globals(&mut self, reader: GlobalSectionReader<'a>) -> Result<(), BinaryReaderError> {
        for (index, global) in reader.into_iter().enumerate() {
            let global = global?;
            self.value_type(global.ty.content_type, &format!("global {index}"));
            if global.ty.shared {
                self.unsupported(
                    "shared-everything-threads",
                    format!("shared global {index}"),
                );
            }
            self.operators(global.init_expr.get_operators_reader())?;
        }
        Ok(())
    }

    fn exports(&mut self, reader: ExportSectionReader<'a>) -> Result<(), BinaryReaderError> {
        for export in reader {
            let export = export?;
            let base = export.name.rsplit("__").next().unwrap_or(export.name);
            if base.starts_with(RESERVED_PREFIX) {
                self.push(Violation::ReservedName {
                    name: export.name.to_owned(),
                });
            }
            self.limit(
                "bytes in an export name",
                export.name.len() as u64,
                MAX_NAME_LEN,
            );
            self.exports
                .push((export.name.to_owned(), export.kind, export.index));
        }
        self.limit("exports", self.exports.len() as u64, MAX_EXPORTS);
        Ok(())
    }

    fn elements(&mut self, reader: ElementSectionReader<'a>) -> Result<(), BinaryReaderError> {
        self.limit(
            "element segments",
            reader.count().into(),
            MAX_ELEMENT_SEGMENTS,
        );
        for element in reader {
            let element = element?;
            match element.kind {
                ElementKind::Active {
                    table_index,
                    offset_expr,
                } => {
                    if table_index.is_some() {
                        self.push(Violation::ReferenceTypes {
                            what: "element segment with an explicit table index".to_owned(),
                        });
                    }
                    self.operators(offset_expr.get_operators_reader())?;
                }
                ElementKind::Passive | ElementKind::Declared => {
                    self.push(Violation::ReferenceTypes {
                        what: "passive or declarative element segment".to_owned(),
                    });
                }
            }
            let entries = match element.items {
                ElementItems::Functions(items) => items.count(),
                ElementItems::Expressions(_, items) => {
                    self.push(Violation::ReferenceTypes {
                        what: "element segment of expressions".to_owned(),
                    });
                    items.count()
                }
            };
            self.element_entries = self.element_entries.saturating_add(entries.into());
        }
        Ok(())
    }

    fn data(&mut self, reader: DataSectionReader<'a>) -> Result<(), BinaryReaderError> {
        self.limit("data segments", reader.count().into(), MAX_DATA_SEGMENTS);
        for data in reader {
            if let DataKind::Active {
                memory_index,
                offset_expr,
            } = data?.kind
            {
                if memory_index != 0 {
                    self.unsupported(
                        "multi-memory",
                        format!("data segment for memory {memory_index}"),
                    );
                }
                self.operators(offset_expr.get_operators_reader())?;
            }
        }
        Ok(())
    }

    fn code(&mut self, body: FunctionBody<'a>) -> Result<(), BinaryReaderError> {
        let index = self.imported_funcs + self.defined_funcs;
        self.defined_funcs += 1;
        let mut locals = body.get_locals_reader()?;
        let mut declared = 0u64;
        let location = format!("locals of function {index}");
        for _ in 0..locals.get_count() {
            let (count, ty) = locals.read()?;
            declared = declared.saturating_add(count.into());
            self.value_type(ty, &location);
        }
        self.limit("locals in one function", declared, MAX_LOCALS);
        let opcodes = self.operators(body.get_operators_reader()?)?;
        self.limit("instructions in one function", opcodes, MAX_OPCODES);
        Ok(())
    }

    /// Checks what can only be judged once the whole module is read: required exports, the
    /// entrypoint's type and the totals.
    fn finish(&mut self) {
        if self.tables > 1 {
            self.push(Violation::ReferenceTypes {
                what: format!("{} tables", self.tables),
            });
        }
        if self.memories > 1 {
            self.unsupported("multi-memory", format!("{} memories", self.memories));
        }
        self.limit("table entries", self.table_entries, MAX_TABLE_ENTRIES);
        self.limit("element entries", self.element_entries, MAX_ELEMENT_ENTRIES);

        let entry = self
            .exports
            .iter()
            .find(|(name, ..)| name == ENTRYPOINT)
            .map(|&(_, kind, index)| (kind, index));
        match entry {
            None => self.push(Violation::MissingExport(ENTRYPOINT.to_owned())),
            Some((ExternalKind::Func, index)) => self.entrypoint_type(index),
            Some((kind, _)) => self.push(Violation::WrongExportKind {
                name: ENTRYPOINT.to_owned(),
                expected: "function",
                found: export_kind_name(kind),
            }),
        }
        let memory = self
            .exports
            .iter()
            .find(|(name, ..)| name == MEMORY)
            .map(|&(_, kind, _)| kind);
        match memory {
            None => self.push(Violation::MissingExport(MEMORY.to_owned())),
            Some(ExternalKind::Memory) => {}
            Some(kind) => self.push(Violation::WrongExportKind {
                name: MEMORY.to_owned(),
                expected: "memory",
                found: export_kind_name(kind),
            }),
        }
    }

    fn entrypoint_type(&mut self, func: u32) {
        let ty = self
            .func_types
            .get(func as usize)
            .and_then(|&ty| self.types.get(ty as usize))
            .and_then(Option::as_ref);
        let found = match ty {
            Some(ty) if ty.params() == [ValType::I32] && ty.results() == [ValType::I32] => return,
            Some(ty) => show_func_type(ty),
            None => format!("of unknown function {func}"),
        };
        self.push(Violation::EntrypointSignature { found });
    }
}

/// `(param ..) (result ..)` text of a function type.
fn show_func_type(ty: &FuncType) -> String {
    let mut out = String::from("(func");
    for (kw, types) in [("param", ty.params()), ("result", ty.results())] {
        if !types.is_empty() {
            let names: Vec<String> = types.iter().map(|t| t.to_string()).collect();
            out.push_str(&format!(" ({kw} {})", names.join(" ")));
        }
    }
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::table_index_is_single_zero;

    #[test]
    fn call_indirect_table_index_encodings() {
        assert!(table_index_is_single_zero(&[0x11, 0x03, 0x00]));
        assert!(table_index_is_single_zero(&[0x11, 0x83, 0x01, 0x00]));
        assert!(!table_index_is_single_zero(&[0x11, 0x03, 0x80, 0x00]));
        assert!(!table_index_is_single_zero(&[0x11, 0x83, 0x01, 0x80, 0x00]));
        assert!(!table_index_is_single_zero(&[0x11, 0x03]));
        assert!(!table_index_is_single_zero(&[0x10, 0x03, 0x00]));
        assert!(!table_index_is_single_zero(&[]));
    }
}
