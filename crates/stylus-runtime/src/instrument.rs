//! Loading a Stylus WASM: the activation checks, and the ink meter.
//!
//! The meter mirrors the one an Arbitrum node adds at activation: every
//! basic block is charged, before its first operator runs, the sum of its
//! operators' ink plus [`INK_HEADER`]; `memory.copy`/`memory.fill` are charged
//! per byte; `memory.grow` is preceded by a call to `pay_for_memory_grow`. The
//! ink counter is a global the host reads and writes around host I/Os.

use crate::error::LoadError;
use crate::host::{hostio_signature, WasmTy};
use crate::pricing::{ends_basic_block, opcode_ink, INK_HEADER, MEMORY_BYTE_INK};
use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{BlockType, ConstExpr, ExportKind, GlobalType, Instruction, SectionId, ValType};
use wasmparser::{ExternalKind, FuncType, Parser, Payload, TypeRef, Validator, WasmFeatures};

/// Name of the exported ink counter.
pub(crate) const INK_LEFT: &str = "stylus_ink_left";
/// Name of the exported ink status (1 once ink ran out).
pub(crate) const INK_STATUS: &str = "stylus_ink_status";

/// Globals a node adds when it instruments a program (ink, status, scratch,
/// stack depth); they count in the program's cached init cost.
const NODE_ADDED_GLOBALS: u64 = 4;

/// What loading learnt about a program.
#[derive(Debug, Clone)]
pub(crate) struct Instrumented {
    /// The metered module.
    pub wasm: Vec<u8>,
    /// Activation's estimate of the cost to instantiate from scratch.
    pub init_cost: u64,
    /// Activation's estimate of the cost to instantiate when cached.
    pub cached_cost: u64,
    /// Initial memory pages.
    pub footprint: u16,
}

/// Module facts gathered in a first pass.
#[derive(Default)]
struct Facts {
    types: Vec<FuncType>,
    imported_funcs: u32,
    imported_globals: u32,
    defined_globals: u32,
    func_types: Vec<u32>,
    pay_func: Option<u32>,
    has_global_section: bool,
    has_export_section: bool,
    data_len: u64,
    elem_len: u64,
    footprint: u16,
    memories: u32,
    exports_entrypoint: bool,
    exports_memory: bool,
}

fn wasm_ty(ty: wasmparser::ValType) -> Option<WasmTy> {
    match ty {
        wasmparser::ValType::I32 => Some(WasmTy::I32),
        wasmparser::ValType::I64 => Some(WasmTy::I64),
        _ => None,
    }
}

fn features() -> WasmFeatures {
    (WasmFeatures::WASM1
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::SATURATING_FLOAT_TO_INT)
        .difference(WasmFeatures::FLOATS)
}

fn gather(wasm: &[u8]) -> Result<Facts, LoadError> {
    Validator::new_with_features(features())
        .validate_all(wasm)
        .map_err(|e| LoadError::Invalid(e.to_string()))?;
    let mut facts = Facts::default();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| LoadError::Invalid(e.to_string()))? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    facts
                        .types
                        .push(ty.map_err(|e| LoadError::Invalid(e.to_string()))?);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(|e| LoadError::Invalid(e.to_string()))?;
                    match import.ty {
                        TypeRef::Func(type_index) => {
                            let ty = &facts.types[type_index as usize];
                            let params: Option<Vec<_>> =
                                ty.params().iter().map(|t| wasm_ty(*t)).collect();
                            let results: Option<Vec<_>> =
                                ty.results().iter().map(|t| wasm_ty(*t)).collect();
                            let Some(expected) = hostio_signature(import.module, import.name)
                            else {
                                return Err(LoadError::UnsupportedImport {
                                    module: import.module.to_string(),
                                    name: import.name.to_string(),
                                });
                            };
                            if params.as_deref() != Some(expected.0)
                                || results.as_deref() != Some(expected.1)
                            {
                                return Err(LoadError::ImportSignature {
                                    module: import.module.to_string(),
                                    name: import.name.to_string(),
                                });
                            }
                            if import.module == "vm_hooks" && import.name == "pay_for_memory_grow" {
                                facts.pay_func = Some(facts.imported_funcs);
                            }
                            facts.imported_funcs += 1;
                        }
                        _ => {
                            return Err(LoadError::UnsupportedImport {
                                module: import.module.to_string(),
                                name: import.name.to_string(),
                            })
                        }
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for f in reader {
                    facts
                        .func_types
                        .push(f.map_err(|e| LoadError::Invalid(e.to_string()))?);
                }
            }
            Payload::MemorySection(reader) => {
                for mem in reader {
                    let mem = mem.map_err(|e| LoadError::Invalid(e.to_string()))?;
                    facts.memories += 1;
                    facts.footprint =
                        u16::try_from(mem.initial).map_err(|_| LoadError::MemoryTooLarge)?;
                }
            }
            Payload::GlobalSection(reader) => {
                facts.has_global_section = true;
                facts.defined_globals = reader.count();
            }
            Payload::ExportSection(reader) => {
                facts.has_export_section = true;
                for export in reader {
                    let export = export.map_err(|e| LoadError::Invalid(e.to_string()))?;
                    match (export.name, export.kind) {
                        ("user_entrypoint", ExternalKind::Func) => {
                            let local = export.index.checked_sub(facts.imported_funcs);
                            let ty = local
                                .and_then(|i| facts.func_types.get(i as usize))
                                .map(|t| &facts.types[*t as usize]);
                            let ok = ty.is_some_and(|t| {
                                t.params() == [wasmparser::ValType::I32]
                                    && t.results() == [wasmparser::ValType::I32]
                            });
                            if !ok {
                                return Err(LoadError::BadEntrypoint);
                            }
                            facts.exports_entrypoint = true;
                        }
                        ("memory", ExternalKind::Memory) => facts.exports_memory = true,
                        (INK_LEFT | INK_STATUS, _) => {
                            return Err(LoadError::Invalid(format!(
                                "export name {} is reserved",
                                export.name
                            )))
                        }
                        _ => {}
                    }
                }
            }
            Payload::StartSection { .. } => return Err(LoadError::StartFunction),
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data.map_err(|e| LoadError::Invalid(e.to_string()))?;
                    facts.data_len += data.data.len() as u64;
                }
            }
            Payload::ElementSection(reader) => {
                for elem in reader {
                    let elem = elem.map_err(|e| LoadError::Invalid(e.to_string()))?;
                    facts.elem_len += u64::from(match elem.items {
                        wasmparser::ElementItems::Functions(r) => r.count(),
                        wasmparser::ElementItems::Expressions(_, r) => r.count(),
                    });
                }
            }
            _ => {}
        }
    }
    if facts.imported_globals != 0 {
        return Err(LoadError::Invalid("imported globals".into()));
    }
    if facts.memories != 1 || !facts.exports_memory {
        return Err(LoadError::MissingMemory);
    }
    if !facts.exports_entrypoint {
        return Err(LoadError::BadEntrypoint);
    }
    Ok(facts)
}

/// Validates a program as activation does and returns its metered form.
pub(crate) fn instrument(wasm: &[u8]) -> Result<Instrumented, LoadError> {
    let facts = gather(wasm)?;
    let base = facts.imported_globals + facts.defined_globals;
    let mut meter = Meter {
        facts: &facts,
        ink: base,
        status: base + 1,
        scratch: base + 2,
        globals_done: false,
        exports_done: false,
        error: None,
    };
    let mut module = wasm_encoder::Module::new();
    let result = meter.parse_core_module(&mut module, Parser::new(0), wasm);
    if let Some(err) = meter.error.take() {
        return Err(err);
    }
    result.map_err(|e| LoadError::Invalid(e.to_string()))?;

    let funcs = facts.func_types.len() as u64;
    let type_len: u64 = facts
        .func_types
        .iter()
        .map(|t| {
            let ty = &facts.types[*t as usize];
            (ty.params().len() + ty.results().len()) as u64
        })
        .sum();
    let wasm_len = wasm.len() as u64;
    let globals = u64::from(facts.defined_globals) + NODE_ADDED_GLOBALS;
    let data_len = facts.data_len + facts.elem_len;
    let footprint = facts.footprint;

    let cached_cost = funcs * 13_420 / 100_000
        + type_len * 89 / 100_000
        + wasm_len * 122 / 100_000
        + globals * 1_628 / 1_000
        + data_len * 75_244 / 100_000
        + u64::from(footprint) * 5;
    let init_cost = funcs * 8_252 / 1_000 + type_len * 1_059 / 1_000 + wasm_len * 1_286 / 10_000;

    Ok(Instrumented {
        wasm: module.finish(),
        init_cost,
        cached_cost,
        footprint,
    })
}

struct Meter<'f> {
    facts: &'f Facts,
    ink: u32,
    status: u32,
    scratch: u32,
    globals_done: bool,
    exports_done: bool,
    error: Option<LoadError>,
}

fn rank(id: SectionId) -> u8 {
    match id {
        SectionId::Type => 1,
        SectionId::Import => 2,
        SectionId::Function => 3,
        SectionId::Table => 4,
        SectionId::Memory => 5,
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
        _ => 0,
    }
}

impl Meter<'_> {
    fn add_globals(&self, globals: &mut wasm_encoder::GlobalSection) {
        let mutable = |val_type| GlobalType {
            val_type,
            mutable: true,
            shared: false,
        };
        globals.global(mutable(ValType::I64), &ConstExpr::i64_const(0));
        globals.global(mutable(ValType::I32), &ConstExpr::i32_const(0));
        globals.global(mutable(ValType::I32), &ConstExpr::i32_const(0));
    }

    fn add_exports(&self, exports: &mut wasm_encoder::ExportSection) {
        exports.export(INK_LEFT, ExportKind::Global, self.ink);
        exports.export(INK_STATUS, ExportKind::Global, self.status);
    }

    fn header(&self, cost: u64, out: &mut Vec<Instruction<'static>>) {
        let cost = i64::try_from(cost).unwrap_or(i64::MAX);
        out.extend([
            Instruction::GlobalGet(self.ink),
            Instruction::I64Const(cost),
            Instruction::I64LtU,
            Instruction::If(BlockType::Empty),
            Instruction::I32Const(1),
            Instruction::GlobalSet(self.status),
            Instruction::Unreachable,
            Instruction::End,
            Instruction::GlobalGet(self.ink),
            Instruction::I64Const(cost),
            Instruction::I64Sub,
            Instruction::GlobalSet(self.ink),
        ]);
    }

    fn per_byte(&self, out: &mut Vec<Instruction<'_>>) {
        out.extend([
            Instruction::GlobalSet(self.scratch),
            Instruction::GlobalGet(self.ink),
            Instruction::GlobalGet(self.ink),
            Instruction::GlobalGet(self.scratch),
            Instruction::I64ExtendI32U,
            Instruction::I64Const(MEMORY_BYTE_INK as i64),
            Instruction::I64Mul,
            Instruction::I64Sub,
            Instruction::GlobalSet(self.ink),
            Instruction::GlobalGet(self.ink),
            Instruction::I64LtU,
            Instruction::If(BlockType::Empty),
            Instruction::I32Const(1),
            Instruction::GlobalSet(self.status),
            Instruction::Unreachable,
            Instruction::End,
            Instruction::GlobalGet(self.scratch),
        ]);
    }
}

impl Reencode for Meter<'_> {
    type Error = LoadError;

    fn parse_global_section(
        &mut self,
        globals: &mut wasm_encoder::GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), reencode::Error<LoadError>> {
        reencode::utils::parse_global_section(self, globals, section)?;
        self.add_globals(globals);
        self.globals_done = true;
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), reencode::Error<LoadError>> {
        reencode::utils::parse_export_section(self, exports, section)?;
        self.add_exports(exports);
        self.exports_done = true;
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), reencode::Error<LoadError>> {
        let next = before.map_or(u8::MAX, rank);
        if !self.facts.has_global_section && !self.globals_done && next > rank(SectionId::Global) {
            let mut globals = wasm_encoder::GlobalSection::new();
            self.add_globals(&mut globals);
            module.section(&globals);
            self.globals_done = true;
        }
        if !self.facts.has_export_section && !self.exports_done && next > rank(SectionId::Export) {
            let mut exports = wasm_encoder::ExportSection::new();
            self.add_exports(&mut exports);
            module.section(&exports);
            self.exports_done = true;
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), reencode::Error<LoadError>> {
        let mut f = self.new_function_with_parsed_locals(&func)?;
        let mut reader = func.get_operators_reader()?;
        let mut block: Vec<Instruction<'_>> = Vec::new();
        let mut cost = 0u64;
        let types = &self.facts.types;
        while !reader.eof() {
            let op = reader.read()?;
            let Some(ink) = opcode_ink(&op, |t| {
                types.get(t as usize).map_or(0, |ty| ty.params().len())
            }) else {
                let name = format!("{op:?}");
                let name = name
                    .split([' ', '{', '('])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                self.error = Some(LoadError::UnsupportedOperator(name.clone()));
                return Err(reencode::Error::UserError(LoadError::UnsupportedOperator(
                    name,
                )));
            };
            cost = cost.saturating_add(ink);
            let ends = ends_basic_block(&op);
            match op {
                wasmparser::Operator::MemoryCopy { .. }
                | wasmparser::Operator::MemoryFill { .. } => {
                    self.per_byte(&mut block);
                }
                wasmparser::Operator::MemoryGrow { .. } => {
                    if let Some(pay) = self.facts.pay_func {
                        block.extend([
                            Instruction::GlobalSet(self.scratch),
                            Instruction::GlobalGet(self.scratch),
                            Instruction::GlobalGet(self.scratch),
                            Instruction::Call(pay),
                        ]);
                    } else {
                        self.error = Some(LoadError::MissingPayForMemoryGrow);
                        return Err(reencode::Error::UserError(
                            LoadError::MissingPayForMemoryGrow,
                        ));
                    }
                }
                _ => {}
            }
            block.push(self.instruction(op)?);
            if ends {
                let mut head = Vec::with_capacity(12);
                self.header(cost.saturating_add(INK_HEADER), &mut head);
                for ins in head.iter().chain(block.iter()) {
                    f.instruction(ins);
                }
                block.clear();
                cost = 0;
            }
        }
        for ins in &block {
            f.instruction(ins);
        }
        code.function(&f);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_import_by_name() {
        let mut module = wasm_encoder::Module::new();
        let mut types = wasm_encoder::TypeSection::new();
        types.ty().function([], []);
        module.section(&types);
        let mut imports = wasm_encoder::ImportSection::new();
        imports.import(
            "vm_hooks",
            "does_not_exist",
            wasm_encoder::EntityType::Function(0),
        );
        module.section(&imports);
        let err = instrument(&module.finish()).unwrap_err();
        assert_eq!(
            err,
            LoadError::UnsupportedImport {
                module: "vm_hooks".into(),
                name: "does_not_exist".into()
            }
        );
    }
}
