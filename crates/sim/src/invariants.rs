//! The system's books, checked: the invariants of `tests/wasm_invariants.rs` (issue 13) as one
//! function, for that test, its long run (`scripts/soak-invariants`) and the risk simulator
//! (`crates/risk-sim`), which checks them after every block.
//!
//! 1. per asset, the tokens the vault holds equal what its books say: each non-quote token,
//!    the sum of the accounts' balances; the quote token, the vault's cash;
//! 2. quote is conserved: every account's net quote position, unrealised PnL and pending
//!    funding, plus the uncollected reserve, never add up to more than the cash (the gap,
//!    rounding, is always in the protocol's favour: it is returned for the caller to bound);
//! 3. per market, open interest long equals short, and equals PerpMarkets' figure.
//!
//! The caller lists every account that may hold anything (traders, keepers, the insurance
//! fund's and the treasury's sub-accounts) and says which of them to read positions for: an
//! account whose positions are not read must hold none.

use crate::{abi::*, System};
use alloy_primitives::{Address, B256, I256, U256};

/// 10^12: a USDC unit (6 decimals) in WAD.
const E12: u64 = 1_000_000_000_000;

/// Why a check did not pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// A view the check needs reverted (a stale price makes the Clearinghouse's position view
    /// refuse, for instance): the books could not be read, nothing is known to be wrong.
    View(String),
    /// An invariant is broken.
    Broken(String),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::View(e) => write!(f, "books unreadable: {e}"),
            CheckError::Broken(e) => write!(f, "{e}"),
        }
    }
}

/// What a check saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Books {
    /// The quote cash the vault holds (WAD).
    pub cash: I256,
    /// The quote every account and the reserve can claim (WAD).
    pub claims: I256,
    /// `cash - claims`: never negative (rounding for the protocol).
    pub gap: I256,
    /// Per market checked: open interest (one side, WAD).
    pub open_interest: Vec<U256>,
    /// Per account and market checked: the position's size (zero when not read).
    pub sizes: Vec<Vec<I256>>,
    /// Per account: its balance of each non-quote token (WETH, then the tokens listed later, in
    /// order), WAD.
    pub collateral: Vec<Vec<U256>>,
}

/// `CollateralVault.holdings` (several values with dynamic ones among them: see
/// `Runtime::view_tuple`).
///
/// # Errors
/// The vault's revert, as [`CheckError::View`].
pub fn holdings(s: &mut System, account: B256) -> Result<Vault::holdingsReturn, CheckError> {
    let (admin, vault) = (s.admin, s.vault);
    s.rt.view_tuple(admin, vault, &Vault::holdingsCall { account })
        .map_err(|e| CheckError::View(format!("holdings: {e}")))
}

/// Checks invariants 1 to 3 over `accounts` (each with whether to read its positions) and
/// `markets`, after accruing the quote market's interest to now (as a keeper would, so that
/// the policy's reserve and the vault's books are as of the same time).
///
/// # Errors
/// [`CheckError::Broken`] naming the invariant that failed, or [`CheckError::View`] naming the
/// view that reverted.
pub fn check(
    s: &mut System,
    accounts: &[(B256, bool)],
    markets: &[u32],
) -> Result<Books, CheckError> {
    let view = |what: &str| {
        let what = what.to_string();
        move |e: stylus_runtime::CallError| CheckError::View(format!("{what}: {e}"))
    };
    s.accrue().map_err(view("accrue"))?;
    let (admin, usdc, vault) = (s.admin, s.usdc, s.vault);
    let mut tokens: Vec<Address> = vec![s.weth];
    tokens.extend(s.extra.iter().map(|e| e.0));
    let m = s.quote_market().map_err(view("quote market"))?;
    let mut books = vec![U256::ZERO; tokens.len()];
    let mut total = I256::from_raw(m[7]);
    let mut long = vec![U256::ZERO; markets.len()];
    let mut short = vec![U256::ZERO; markets.len()];
    let mut sizes = Vec::with_capacity(accounts.len());
    let mut collateral = Vec::with_capacity(accounts.len());
    for (a, read) in accounts {
        // One read of the vault's books per account: its collateral (WAD) and its quote
        // balance with interest.
        let h = holdings(s, *a)?;
        total += h._3;
        let mut own = vec![U256::ZERO; tokens.len()];
        for (asset, amount) in h._0.iter().zip(&h._1) {
            if *asset == usdc {
                total += *amount;
            } else if let Some(i) = tokens.iter().position(|t| t == asset) {
                books[i] += amount.into_raw();
                own[i] = amount.into_raw();
            }
        }
        collateral.push(own);
        let mut row = vec![I256::ZERO; markets.len()];
        if *read {
            for (j, market) in markets.iter().enumerate() {
                // PnL and pending funding are `size * price - (openNotional - pendingFunding)`,
                // and the sizes of a market sum to zero (3.), so summed over all accounts they
                // are `-(openNotional - pendingFunding)`.
                let (size, notional, _, pending) =
                    s.position(*a, *market).map_err(view("position"))?;
                row[j] = size;
                total -= notional - pending;
                if size.is_negative() {
                    short[j] += size.unsigned_abs();
                } else {
                    long[j] += size.into_raw();
                }
            }
        }
        sizes.push(row);
    }
    let held = |s: &mut System, t: Address| {
        s.rt.view(admin, t, &Token::balanceOfCall { account: vault })
            .map(|r| r._0)
            .map_err(view("balanceOf"))
    };
    // 1. Tokens equal the books (18-decimal tokens: WAD amounts are token units).
    for (t, b) in tokens.iter().zip(&books) {
        let h = held(s, *t)?;
        if h != *b {
            return Err(CheckError::Broken(format!(
                "token {t} in the vault ({h}) differs from its books ({b})"
            )));
        }
    }
    let usdc_held = held(s, usdc)?;
    if usdc_held != m[8] {
        return Err(CheckError::Broken(format!(
            "USDC in the vault ({usdc_held}) differs from its cash ({})",
            m[8]
        )));
    }
    // 2. Quote is conserved, rounding for the protocol.
    let cash = I256::from_raw(m[8] * U256::from(E12));
    let gap = cash - total;
    if gap.is_negative() {
        return Err(CheckError::Broken(format!(
            "the books owe more quote than the vault holds: gap {gap}"
        )));
    }
    // 3. Open interest balances.
    let markets_addr = s.markets;
    let mut open_interest = Vec::with_capacity(markets.len());
    for (j, market) in markets.iter().enumerate() {
        if long[j] != short[j] {
            return Err(CheckError::Broken(format!(
                "market {market}: open interest long {} differs from short {}",
                long[j], short[j]
            )));
        }
        let oi =
            s.rt.view(
                admin,
                markets_addr,
                &Markets::marketCall { market: *market },
            )
            .map_err(view("market"))?
            ._7;
        if oi != long[j] {
            return Err(CheckError::Broken(format!(
                "market {market}: PerpMarkets' open interest {oi} differs from the positions {}",
                long[j]
            )));
        }
        open_interest.push(oi);
    }
    Ok(Books {
        cash,
        claims: total,
        gap,
        open_interest,
        sizes,
        collateral,
    })
}
