//! Prices: the Stylus ink table, host I/O ink, EVM gas constants and the
//! Stylus memory and program-entry models.
//!
//! Every number here is a published Arbitrum parameter (see `GAS.md` for the
//! sources and what is left out). Ink converts to gas at [`INK_PER_GAS`].

use wasmparser::Operator;

/// Ink bought by one unit of EVM gas (the chain's initial `InkPrice`).
pub const INK_PER_GAS: u64 = 10_000;

/// Ink charged by the meter at the head of every basic block, on top of the
/// block's opcodes (the cost of checking and decrementing the ink counter).
pub const INK_HEADER: u64 = 2_450;

/// Per-byte ink of `memory.copy` and `memory.fill`.
pub const MEMORY_BYTE_INK: u64 = 100;

/// Base ink of any host I/O.
pub const HOSTIO_INK: u64 = 8_400;
/// Ink for each pointer a host I/O dereferences.
pub const PTR_INK: u64 = 13_440 - HOSTIO_INK;
/// Ink for host I/Os that go through the EVM API.
pub const EVM_API_INK: u64 = 59_673;
/// Ink of the `div`/`mod` math host I/Os.
pub const DIV_INK: u64 = 20_000;
/// Ink of the `mulmod` host I/O.
pub const MUL_MOD_INK: u64 = 24_100;
/// Ink of the `addmod` host I/O.
pub const ADD_MOD_INK: u64 = 21_000;

/// Ink to copy `bytes` from the host into WASM memory.
pub fn write_price(bytes: u32) -> u64 {
    5_040 + 30 * u64::from(bytes.saturating_sub(32))
}

/// Ink to copy `bytes` from WASM memory into the host.
pub fn read_price(bytes: u32) -> u64 {
    16_381 + 55 * u64::from(bytes.saturating_sub(32))
}

/// Ink of `native_keccak256` over `bytes` (I/O included).
pub fn keccak_price(bytes: u32) -> u64 {
    let words = u64::from(bytes).div_ceil(32).saturating_sub(2);
    121_800 + 21_000 * words
}

/// Ink of `math_pow` for an exponent (big-endian bytes).
pub fn pow_price(exponent: &[u8; 32]) -> u64 {
    let leading_zeros = exponent.iter().take_while(|b| **b == 0).count() as u64;
    3_000 + (33 - leading_zeros) * 17_500
}

/// Ink of one WASM operator, `None` for operators Stylus does not accept
/// (floats, SIMD, reference types, atomics, tables, exceptions, tail calls).
///
/// `params_of_type` gives the parameter count of a type index, needed for
/// `call_indirect`.
pub fn opcode_ink(op: &Operator<'_>, params_of_type: impl Fn(u32) -> usize) -> Option<u64> {
    use Operator::*;
    let ink = match op {
        Unreachable | Return | Nop | I32Const { .. } | I64Const { .. } => 1,
        Drop => 9,
        Block { .. } | Loop { .. } | Else | End => 1,
        Br { .. } | BrIf { .. } | If { .. } => 765,
        Select => 1_250,
        Call { .. } => 3_800,
        LocalGet { .. } | LocalTee { .. } => 75,
        LocalSet { .. } => 210,
        GlobalGet { .. } => 225,
        GlobalSet { .. } => 575,
        I32Load { .. }
        | I32Load8S { .. }
        | I32Load8U { .. }
        | I32Load16S { .. }
        | I32Load16U { .. } => 670,
        I64Load { .. }
        | I64Load8S { .. }
        | I64Load8U { .. }
        | I64Load16S { .. }
        | I64Load16U { .. }
        | I64Load32S { .. }
        | I64Load32U { .. } => 680,
        I32Store { .. } | I32Store8 { .. } | I32Store16 { .. } => 825,
        I64Store { .. } | I64Store8 { .. } | I64Store16 { .. } | I64Store32 { .. } => 950,
        MemorySize { .. } => 3_000,
        MemoryGrow { .. } => 8_050,
        I32Eqz | I32Eq | I32Ne | I32LtS | I32LtU | I32GtS | I32GtU | I32LeS | I32LeU | I32GeS
        | I32GeU => 170,
        I64Eqz | I64Eq | I64Ne | I64LtS | I64LtU | I64GtS | I64GtU | I64LeS | I64LeU | I64GeS
        | I64GeU => 225,
        I32Clz | I32Ctz => 210,
        I32Add | I32Sub => 70,
        I32Mul => 160,
        I32DivS | I32DivU | I32RemS | I32RemU => 1_120,
        I32And | I32Or | I32Xor | I32Shl | I32ShrS | I32ShrU | I32Rotl | I32Rotr => 70,
        I64Clz | I64Ctz => 210,
        I64Add | I64Sub => 100,
        I64Mul => 160,
        I64DivS | I64DivU | I64RemS | I64RemU => 1_270,
        I64And | I64Or | I64Xor | I64Shl | I64ShrS | I64ShrU | I64Rotl | I64Rotr => 100,
        I32Popcnt => 2_650,
        I64Popcnt => 6_000,
        I32WrapI64 | I64ExtendI32S | I64ExtendI32U => 100,
        I32Extend8S | I32Extend16S | I64Extend8S | I64Extend16S | I64Extend32S => 100,
        MemoryCopy { .. } | MemoryFill { .. } => 950,
        BrTable { targets } => 2_400 + 325 * u64::from(targets.len()),
        CallIndirect { type_index, .. } => 13_610 + 650 * params_of_type(*type_index) as u64,
        _ => return None,
    };
    Some(ink)
}

/// Whether an operator ends a metered basic block (the meter charges a block
/// before its first operator runs).
pub fn ends_basic_block(op: &Operator<'_>) -> bool {
    use Operator::*;
    matches!(
        op,
        End | Else
            | Return
            | Loop { .. }
            | Br { .. }
            | BrTable { .. }
            | BrIf { .. }
            | If { .. }
            | Call { .. }
            | CallIndirect { .. }
    )
}

/// EVM gas constants (Berlin/London/Shanghai rules as Arbitrum applies them).
pub mod evm {
    /// Intrinsic gas of a transaction.
    pub const TX_BASE: u64 = 21_000;
    /// Calldata gas per zero byte.
    pub const TX_DATA_ZERO: u64 = 4;
    /// Calldata gas per non-zero byte.
    pub const TX_DATA_NON_ZERO: u64 = 16;
    /// First access to a storage slot in a transaction.
    pub const COLD_SLOAD: u64 = 2_100;
    /// Access to a storage slot already touched.
    pub const WARM_READ: u64 = 100;
    /// First access to an account in a transaction.
    pub const COLD_ACCOUNT: u64 = 2_600;
    /// Storing a non-zero value into a zero slot.
    pub const SSTORE_SET: u64 = 20_000;
    /// Changing a non-zero slot (net of the cold surcharge).
    pub const SSTORE_RESET: u64 = 5_000 - COLD_SLOAD;
    /// Refund for clearing a slot (EIP-3529).
    pub const SSTORE_CLEARS_REFUND: i64 = 4_800;
    /// Gas that must remain for an `SSTORE` to proceed.
    pub const SSTORE_SENTRY: u64 = 2_300;
    /// Gas of transient storage access.
    pub const TRANSIENT: u64 = 100;
    /// Value transfer surcharge of a call.
    pub const CALL_VALUE: u64 = 9_000;
    /// Creating a new account through a value transfer.
    pub const NEW_ACCOUNT: u64 = 25_000;
    /// Stipend given to the callee of a value-carrying call.
    pub const CALL_STIPEND: u64 = 2_300;
    /// Per log plus per topic.
    pub const LOG_TOPIC: u64 = 375;
    /// Per byte of log data.
    pub const LOG_DATA: u64 = 8;
    /// `CREATE`.
    pub const CREATE: u64 = 32_000;
    /// Per 32-byte word hashed by `CREATE2`.
    pub const KECCAK_WORD: u64 = 6;
    /// Per byte of deployed code.
    pub const CODE_DEPOSIT_BYTE: u64 = 200;
    /// Maximum call depth.
    pub const MAX_DEPTH: usize = 1_024;
    /// `ecrecover` precompile.
    pub const ECRECOVER: u64 = 3_000;
    /// Per word of EVM memory (used for the return-data floor).
    pub const MEMORY_WORD: u64 = 3;

    /// Gas of EVM memory holding `size` bytes.
    pub fn memory_cost(size: u64) -> u64 {
        let words = size.div_ceil(32);
        words * MEMORY_WORD + words * words / 512
    }

    /// Intrinsic gas of a transaction with this calldata.
    pub fn intrinsic(calldata: &[u8]) -> u64 {
        calldata.iter().fold(TX_BASE, |gas, b| {
            gas + if *b == 0 {
                TX_DATA_ZERO
            } else {
                TX_DATA_NON_ZERO
            }
        })
    }
}

/// The Stylus memory model: a few free pages per transaction, then a linear
/// price per page plus an exponential term on the highest page count ever
/// open in the transaction.
pub mod memory {
    /// Pages a transaction gets for free.
    pub const FREE_PAGES: u16 = 2;
    /// Linear gas per page.
    pub const PAGE_GAS: u64 = 1_000;

    const EXPONENTS: [u32; 129] = [
        1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9, 11, 12, 14, 17, 19, 22, 25, 29, 33,
        38, 43, 50, 57, 65, 75, 85, 98, 112, 128, 147, 168, 193, 221, 253, 289, 331, 379, 434, 497,
        569, 651, 745, 853, 976, 1117, 1279, 1463, 1675, 1917, 2194, 2511, 2874, 3290, 3765, 4309,
        4932, 5645, 6461, 7395, 8464, 9687, 11087, 12689, 14523, 16621, 19024, 21773, 24919, 28521,
        32642, 37359, 42758, 48938, 56010, 64104, 73368, 83971, 96106, 109994, 125890, 144082,
        164904, 188735, 216010, 247226, 282953, 323844, 370643, 424206, 485509, 555672, 635973,
        727880, 833067, 953456, 1091243, 1248941, 1429429, 1636000, 1872423, 2143012, 2452704,
        2807151, 3212820, 3677113, 4208502, 4816684, 5512756, 6309419, 7221210, 8264766, 9459129,
        10826093, 12390601, 14181199, 16230562, 18576084, 21260563, 24332984, 27849408, 31873999,
    ];

    fn exp(pages: u16) -> u64 {
        EXPONENTS
            .get(usize::from(pages))
            .map_or(u64::MAX, |e| u64::from(*e))
    }

    /// Gas of opening `new` pages while `open` are open and `ever` were ever
    /// open in the transaction.
    pub fn gas_cost(new: u16, open: u16, ever: u16) -> u64 {
        let new_open = open.saturating_add(new);
        let new_ever = ever.max(new_open);
        if new_ever <= FREE_PAGES {
            return 0;
        }
        let sub_free = |p: u16| p.saturating_sub(FREE_PAGES);
        let adding = sub_free(new_open).saturating_sub(sub_free(open));
        let linear = u64::from(adding).saturating_mul(PAGE_GAS);
        let expand = exp(new_ever).saturating_sub(exp(ever));
        linear.saturating_add(expand)
    }
}

/// Program entry: the gas charged when a call enters a Stylus program.
pub mod entry {
    /// Minimum init gas (`MinInitGas` 72 × 128).
    pub const MIN_INIT_GAS: u64 = 72 * 128;
    /// Minimum cached init gas (`MinCachedInitGas` 11 × 32).
    pub const MIN_CACHED_GAS: u64 = 11 * 32;
    /// `InitCostScalar` and `CachedCostScalar`: 50 units of 2 % each.
    pub const COST_SCALAR_PERCENT: u64 = 50 * 2;

    /// Gas to enter a program that is not cached.
    pub fn init_gas(init_cost: u64) -> u64 {
        MIN_INIT_GAS + (init_cost * COST_SCALAR_PERCENT).div_ceil(100)
    }

    /// Gas to enter a program, paid on every call.
    pub fn cached_gas(cached_cost: u64) -> u64 {
        MIN_CACHED_GAS + (cached_cost * COST_SCALAR_PERCENT).div_ceil(100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_model_matches_published_points() {
        // the first two pages are free, then 1000 gas per page plus the ramp
        assert_eq!(memory::gas_cost(2, 0, 0), 0);
        assert_eq!(memory::gas_cost(3, 0, 0), 1_000);
        assert_eq!(memory::gas_cost(17, 0, 0), 15_008);
        // re-opening pages that were open before costs only the linear part
        assert_eq!(memory::gas_cost(17, 0, 17), 15_000);
    }

    #[test]
    fn io_prices() {
        assert_eq!(write_price(32), 5_040);
        assert_eq!(write_price(100), 5_040 + 30 * 68);
        assert_eq!(read_price(0), 16_381);
        assert_eq!(keccak_price(64), 121_800);
        assert_eq!(keccak_price(65), 121_800 + 21_000);
        let mut exp = [0u8; 32];
        exp[31] = 3;
        assert_eq!(pow_price(&exp), 3_000 + 17_500 * 2);
    }

    #[test]
    fn evm_helpers() {
        assert_eq!(evm::intrinsic(&[0, 1, 0xff]), 21_000 + 4 + 16 + 16);
        assert_eq!(evm::memory_cost(64), 6);
        assert_eq!(entry::init_gas(100), 9_216 + 100);
        assert_eq!(entry::cached_gas(10), 352 + 10);
    }
}
