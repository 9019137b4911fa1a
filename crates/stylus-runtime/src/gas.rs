//! The gas estimate of a transaction and its floor.

use crate::pricing::INK_PER_GAS;
use crate::state::Tally;
use std::fmt;

/// Gas of one transaction, split by what it paid for.
///
/// `used` is what the transaction consumed under the runtime's model
/// (intrinsic gas plus the gas every frame burnt); the other fields split it.
/// Fields ending in `_ink` are in ink (10,000 per gas), the rest in gas,
/// rounded to the nearest unit. See `GAS.md` for the method and its limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GasReport {
    /// Gas the transaction was given.
    pub gas_limit: u64,
    /// Gas consumed before the refund.
    pub used: u64,
    /// Refund granted (EIP-3529, capped at a fifth of `used`).
    pub refund: u64,
    /// 21,000 plus calldata.
    pub intrinsic: u64,
    /// Entering programs: the init gas of a program not cached, plus the
    /// cached-init gas paid on every call.
    pub program_entry: u64,
    /// Memory pages (initial footprint and growth) under the Stylus model.
    pub memory: u64,
    /// Storage reads and writes by the EVM rules (cold/warm loads,
    /// EIP-2200 stores), and transient storage.
    pub storage: u64,
    /// The Stylus storage cache's surcharges on reads and writes.
    pub storage_cache: u64,
    /// Account access of calls and balance/code queries, value transfers.
    pub accounts: u64,
    /// Logs: 375 per log and per topic, 8 per data byte.
    pub logs: u64,
    /// Host I/O overhead (fixed host I/O ink, pointer and copy prices).
    pub hostio: u64,
    /// `native_keccak256`.
    pub keccak: u64,
    /// WASM execution: opcodes by the ink table, block headers, per-byte
    /// memory copy/fill.
    pub wasm: u64,
    /// Contract creation.
    pub create: u64,
    /// Precompiles.
    pub precompiles: u64,
    /// WASM execution in ink.
    pub wasm_ink: u64,
    /// Host I/O overhead in ink.
    pub hostio_ink: u64,
}

fn gas(ink: u64) -> u64 {
    (ink + INK_PER_GAS / 2) / INK_PER_GAS
}

impl GasReport {
    pub(crate) fn new(gas_limit: u64, used: u64, refund: u64, intrinsic: u64, t: &Tally) -> Self {
        Self {
            gas_limit,
            used,
            refund,
            intrinsic,
            program_entry: gas(t.entry),
            memory: gas(t.memory),
            storage: gas(t.storage),
            storage_cache: gas(t.storage_cache),
            accounts: gas(t.accounts),
            logs: gas(t.logs),
            hostio: gas(t.hostio),
            keccak: gas(t.keccak),
            wasm: gas(t.wasm),
            create: gas(t.create),
            precompiles: gas(t.precompiles),
            wasm_ink: t.wasm,
            hostio_ink: t.hostio,
        }
    }

    /// The estimate: gas used after the refund.
    pub fn estimate(&self) -> u64 {
        self.used - self.refund
    }

    /// The floor: what the transaction's intrinsic cost, storage and account
    /// accesses alone cost (after the same refund) — the least any
    /// implementation making the same state accesses pays.
    pub fn floor(&self) -> u64 {
        (self.intrinsic + self.storage + self.accounts).saturating_sub(self.refund)
    }

    /// `estimate / floor`: how far the code is above the state-access floor.
    pub fn ratio(&self) -> f64 {
        self.estimate() as f64 / self.floor().max(1) as f64
    }

    /// Gas not attributed to a category: frames that failed or ran out of gas
    /// (their remaining gas is burnt), and rounding.
    pub fn unattributed(&self) -> i64 {
        let parts = self.intrinsic
            + self.program_entry
            + self.memory
            + self.storage
            + self.storage_cache
            + self.accounts
            + self.logs
            + self.hostio
            + self.keccak
            + self.wasm
            + self.create
            + self.precompiles;
        self.used as i64 - parts as i64
    }
}

impl fmt::Display for GasReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "estimate {} gas (used {}, refund {}), floor {}, ratio {:.2}",
            self.estimate(),
            self.used,
            self.refund,
            self.floor(),
            self.ratio()
        )?;
        writeln!(f, "  intrinsic      {:>8}", self.intrinsic)?;
        writeln!(f, "  program entry  {:>8}", self.program_entry)?;
        writeln!(f, "  memory         {:>8}", self.memory)?;
        writeln!(f, "  storage        {:>8}", self.storage)?;
        writeln!(f, "  storage cache  {:>8}", self.storage_cache)?;
        writeln!(f, "  accounts       {:>8}", self.accounts)?;
        writeln!(f, "  logs           {:>8}", self.logs)?;
        writeln!(
            f,
            "  host I/O       {:>8}  ({} ink)",
            self.hostio, self.hostio_ink
        )?;
        writeln!(f, "  keccak         {:>8}", self.keccak)?;
        writeln!(
            f,
            "  wasm           {:>8}  ({} ink)",
            self.wasm, self.wasm_ink
        )?;
        writeln!(f, "  create         {:>8}", self.create)?;
        writeln!(f, "  precompiles    {:>8}", self.precompiles)?;
        write!(f, "  unattributed   {:>8}", self.unattributed())
    }
}
