//! Invariants at scale on the deployable WASM (issue 13): seeded random runs of deposits,
//! withdrawals, fills between several accounts, price and time moves, pokes, liquidations,
//! collateral sales, bad debt, interest accrual and liquidity restoration, with the system's
//! books checked after every action:
//!
//! 1. per asset, the tokens the vault holds equal what its books say: WETH, the sum of the
//!    accounts' balances; the quote token, the vault's cash;
//! 2. quote is conserved: every account's net quote position, unrealised PnL and pending
//!    funding, plus the uncollected reserve, never add up to more than the cash, and the gap
//!    (rounding, always in the protocol's favour) stays within a few wei per action;
//! 3. open interest long equals short, and equals PerpMarkets' figure;
//! 4. a liquidation or collateral sale only ever succeeds on an account below maintenance,
//!    and always leaves its maintenance health higher;
//! 5. a debt-free account can always withdraw what it owns, or gets the liquidity error.
//!
//! `INVARIANT_ACTIONS` (default 20,000) sets the actions in all, spread over
//! `INVARIANT_SEEDS` (default 4, at most 4) seeds, one test each (they run in parallel);
//! `INVARIANT_FIRST_SEED` (default 1) numbers the first seed; `INVARIANT_SECONDS`, when set,
//! also stops each seed at the first action that ends past that many seconds (the long run,
//! `scripts/soak-invariants`). Needs `scripts/build-wasm` first.
use alloy_primitives::{B256, I256, U256};
use alloy_sol_types::SolError;
use clearing_core::WAD;
use clearing_sim::{abi::*, invariants, System, Trader, ETH_PERP};
use std::time::{Duration, Instant};
use stylus_runtime::CallError;

/// SplitMix64: a small deterministic generator, so a failing seed replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

const E12: u64 = 1_000_000_000_000;

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

/// `x` hundredths as a WAD.
fn cwad(x: u64) -> U256 {
    U256::from(x) * WAD / U256::from(100u8)
}

fn signed(x: U256) -> I256 {
    I256::from_raw(x)
}

/// The selector of a revert, for matching expected refusals.
fn selector(e: &CallError) -> Option<[u8; 4]> {
    match e {
        CallError::Revert(d) if d.len() >= 4 => Some([d[0], d[1], d[2], d[3]]),
        _ => None,
    }
}

struct Run {
    s: System,
    traders: Vec<Trader>,
    keeper: Trader,
    rng: Rng,
    nonce: u64,
    actions: u64,
    /// Counters of what happened, for the summary line.
    fills: u64,
    liquidations: u64,
    sales: u64,
    bad_debts: u64,
    restorations: u64,
    refused_withdrawals: u64,
    /// Withdrawals of everything a debt-free account owns (invariant 5 checked).
    debt_free_withdrawals: u64,
    /// Each trader's (and the keeper's) last seen ETH-perp size: sizes move only through the
    /// fills and liquidations this run makes, so a check reads the positions of the accounts
    /// with a size and of those the last action touched.
    sizes: Vec<I256>,
    touched: Vec<usize>,
}

impl Run {
    fn new(seed: u64) -> Self {
        let mut s = System::deploy().unwrap_or_else(|e| panic!("{e}"));
        s.open_rate_limit().unwrap();
        let traders: Vec<Trader> = (0..6)
            .map(|i| Trader::from_seed(&format!("inv-{seed}-{i}")))
            .collect();
        let keeper = Trader::from_seed(&format!("inv-{seed}-keeper"));
        let (usdc, weth) = (s.usdc, s.weth);
        for (i, t) in traders.iter().enumerate() {
            // Half the traders back their positions with WETH only: their losses become
            // quote debt, the money market's borrowers.
            if i.is_multiple_of(2) {
                s.deposit(t, 0, usdc, U256::from(20_000u64 * 1_000_000))
                    .unwrap();
            } else {
                s.deposit(t, 0, weth, wad(8)).unwrap();
            }
        }
        s.deposit(&keeper, 0, usdc, U256::from(1_000_000u64 * 1_000_000))
            .unwrap();
        Self {
            s,
            traders,
            keeper,
            rng: Rng(seed),
            nonce: 0,
            actions: 0,
            fills: 0,
            liquidations: 0,
            sales: 0,
            bad_debts: 0,
            restorations: 0,
            refused_withdrawals: 0,
            debt_free_withdrawals: 0,
            sizes: vec![I256::ZERO; 7],
            touched: Vec::new(),
        }
    }

    fn accounts(&self) -> Vec<B256> {
        let mut v: Vec<B256> = self.traders.iter().map(|t| t.account(0)).collect();
        v.push(self.keeper.account(0));
        v.push(self.s.insurance);
        v.push(self.s.treasury);
        v
    }

    fn maint_health(&mut self, a: B256) -> I256 {
        let (eq, mm, _) = self.s.health(a).unwrap();
        eq - signed(mm)
    }

    fn step(&mut self) {
        self.actions += 1;
        let n = self.traders.len() as u64;
        match self.rng.range(0, 99) {
            0..=9 => {
                let i = self.rng.range(0, n - 1) as usize;
                let (usdc, weth) = (self.s.usdc, self.s.weth);
                let t = self.traders[i].clone();
                if i.is_multiple_of(2) {
                    let amt = U256::from(self.rng.range(1, 5_000) * 1_000_000);
                    self.s.deposit(&t, 0, usdc, amt).unwrap();
                } else {
                    let amt = U256::from(self.rng.range(1, 2_000)) * WAD / U256::from(1000u16);
                    self.s.deposit(&t, 0, weth, amt).unwrap();
                }
            }
            10..=19 => self.withdraw_some(),
            20..=54 => self.fill(),
            55..=66 => {
                // Price moves up to 8 % either way, within the feed's band.
                let p = self.s.eth_price;
                let pct = self.rng.range(0, 1600) as i64 - 800;
                let next = (p + p * pct / 10_000).clamp(500, 20_000);
                self.s.set_eth_price(next).unwrap();
            }
            67..=76 => {
                let secs = self.rng.range(60, 4 * 3600);
                self.s.advance(secs).unwrap();
            }
            77..=80 => {
                let (risk, weth, k) = (self.s.risk, self.s.weth, self.keeper.address);
                let _ = self
                    .s
                    .rt
                    .call(k, risk, &Risk::pokeCall { asset: weth }, U256::ZERO);
                let _ = self.s.poke_breaker(k);
            }
            81..=90 => self.liquidate_someone(),
            91..=94 => self.sell_collateral(),
            95..=96 => self.settle_bad_debt(),
            97 => {
                let (admin, policy) = (self.s.admin, self.s.policy);
                self.s
                    .rt
                    .call(admin, policy, &Policy::collectReserveCall {}, U256::ZERO)
                    .unwrap();
            }
            _ => self.restore(),
        }
        self.check();
    }

    fn fill(&mut self) {
        let n = self.traders.len() as u64;
        let i = self.rng.range(0, n - 1) as usize;
        let mut j = self.rng.range(0, n - 1) as usize;
        if j == i {
            j = (j + 1) % n as usize;
        }
        let size = I256::try_from(self.rng.range(1, 1000)).unwrap()
            * I256::from_raw(cwad(1))
            * if self.rng.next().is_multiple_of(2) {
                I256::ONE
            } else {
                I256::MINUS_ONE
            };
        // Within half a percent of the index, on the 0.01 tick.
        let p = self.s.eth_price as u64 * 100;
        let price = cwad(self.rng.range(p - p / 200, p + p / 200));
        self.nonce += 1;
        let (a, b) = (self.traders[i].clone(), self.traders[j].clone());
        match self.s.trade((&a, 0), (&b, 0), size, price, self.nonce) {
            Ok(()) => {
                self.fills += 1;
                self.touched.extend([i, j]);
            }
            Err(e) => {
                // Margin, open-interest and pricing refusals are expected; nothing else.
                let ok = [
                    Exchange::InsufficientMargin::SELECTOR,
                    Vault::TooManyAssets::SELECTOR,
                    Vault::InsufficientLiquidity::SELECTOR,
                ];
                assert!(
                    selector(&e).is_some_and(|s| ok.contains(&s)),
                    "fill failed unexpectedly: {e:?}"
                );
            }
        }
    }

    fn withdraw_some(&mut self) {
        let n = self.traders.len() as u64;
        let i = self.rng.range(0, n - 1) as usize;
        let t = self.traders[i].clone();
        let a = t.account(0);
        let (usdc, weth) = (self.s.usdc, self.s.weth);
        let (ch, admin) = (self.s.clearinghouse, self.s.admin);
        let open = self
            .s
            .rt
            .view(admin, ch, &Ledger::openMarketsCall { account: a })
            .unwrap()
            ._0;
        let quote = self.s.quote_balance(a).unwrap();
        let held = self.s.vault_balance(a, usdc).unwrap();
        let debt_free = open.is_empty() && !quote.is_negative();
        if debt_free {
            // Invariant 5: it takes what it owns, or learns what the vault can pay.
            self.debt_free_withdrawals += 1;
            let claim = held + quote.into_raw() / U256::from(E12);
            if !claim.is_zero() {
                match self.s.withdraw(&t, 0, usdc, claim) {
                    Ok(()) => {}
                    Err(e) => {
                        assert_eq!(
                            selector(&e),
                            Some(Vault::InsufficientLiquidity::SELECTOR),
                            "a debt-free account could not withdraw its quote: {e:?}"
                        );
                        self.refused_withdrawals += 1;
                    }
                }
            }
            let w = self.s.vault_balance(a, weth).unwrap();
            if !w.is_zero() {
                self.s.withdraw(&t, 0, weth, w).unwrap_or_else(|e| {
                    panic!("a debt-free account could not withdraw WETH: {e:?}")
                });
            }
            return;
        }
        // Otherwise a random part of a balance, which margin may refuse.
        let (asset, bal) = if i.is_multiple_of(2) {
            (usdc, held)
        } else {
            (weth, self.s.vault_balance(a, weth).unwrap())
        };
        if bal.is_zero() {
            return;
        }
        let part = bal * U256::from(self.rng.range(1, 100)) / U256::from(100u8);
        if part.is_zero() {
            return;
        }
        if let Err(e) = self.s.withdraw(&t, 0, asset, part) {
            let ok = [
                Exchange::InsufficientMargin::SELECTOR,
                Vault::InsufficientLiquidity::SELECTOR,
            ];
            assert!(
                selector(&e).is_some_and(|s| ok.contains(&s)),
                "withdrawal failed unexpectedly: {e:?}"
            );
        }
    }

    fn liquidate_someone(&mut self) {
        let n = self.traders.len() as u64;
        let i = self.rng.range(0, n - 1) as usize;
        let a = self.traders[i].account(0);
        let before = self.maint_health(a);
        let keeper = self.keeper.clone();
        let max = wad(self.rng.range(1, 20));
        if self.s.liquidate(&keeper, 0, a, ETH_PERP, max).is_ok() {
            // Invariant 4.
            assert!(before.is_negative(), "a healthy account was liquidated");
            let after = self.maint_health(a);
            assert!(after > before, "a liquidation lowered health");
            self.liquidations += 1;
            self.touched.extend([i, self.traders.len()]);
        }
    }

    fn sell_collateral(&mut self) {
        let n = self.traders.len() as u64;
        let i = self.rng.range(0, n - 1) as usize;
        let a = self.traders[i].account(0);
        let before = self.maint_health(a);
        let (backstop, weth, k) = (self.s.backstop, self.s.weth, self.keeper.address);
        let r = self.s.rt.call(
            k,
            backstop,
            &Backstop::liquidateCollateralCall {
                account: a,
                liquidatorSubaccount: 0,
                asset: weth,
                maxAmount: wad(100),
            },
            U256::ZERO,
        );
        if r.is_ok() {
            assert!(
                before.is_negative(),
                "collateral of a healthy account was sold"
            );
            assert!(
                self.maint_health(a) > before,
                "a collateral sale lowered health"
            );
            self.sales += 1;
        }
    }

    fn settle_bad_debt(&mut self) {
        let n = self.traders.len() as u64;
        let i = self.rng.range(0, n - 1) as usize;
        let a = self.traders[i].account(0);
        let k = self.keeper.address;
        if self.s.settle_bad_debt(k, a).is_ok() {
            self.bad_debts += 1;
        }
    }

    fn restore(&mut self) {
        let m = self.s.quote_market().unwrap();
        if m[2] <= cwad(95) {
            return;
        }
        let n = self.traders.len() as u64;
        let i = self.rng.range(0, n - 1) as usize;
        let a = self.traders[i].account(0);
        let before = self.maint_health(a);
        let keeper = self.keeper.clone();
        let weth = self.s.weth;
        let amt = U256::from(self.rng.range(1, 100) * 1_000_000);
        if self.s.restore_liquidity(&keeper, 1, a, weth, amt).is_ok() {
            assert!(
                self.maint_health(a) >= before,
                "a restoration lowered health"
            );
            self.restorations += 1;
        }
    }

    /// Every invariant, after every action: 1 to 3 by `clearing_sim::invariants::check` (which
    /// accrues interest first, as a keeper would), the rounding gap bounded here.
    fn check(&mut self) {
        let traders = self.traders.len() + 1;
        let accounts: Vec<(B256, bool)> = self
            .accounts()
            .into_iter()
            .enumerate()
            .map(|(k, a)| {
                let read = k < traders && (!self.sizes[k].is_zero() || self.touched.contains(&k));
                (a, read)
            })
            .collect();
        let books = invariants::check(&mut self.s, &accounts, &[ETH_PERP])
            .unwrap_or_else(|e| panic!("{e}"));
        for (k, (_, read)) in accounts.iter().enumerate() {
            if *read {
                self.sizes[k] = books.sizes[k][0];
            }
        }
        let allowance = I256::try_from(1_000_000u64 * (self.actions + 1)).unwrap();
        assert!(
            books.gap <= allowance,
            "rounding gap {} too large",
            books.gap
        );
        self.touched.clear();
    }
}

/// Runs `actions` actions from `seed`, or fewer if `budget` passes first; returns the summary.
fn run(seed: u64, actions: u64, budget: Option<Duration>) -> String {
    let start = Instant::now();
    let mut r = Run::new(seed);
    while r.actions < actions && budget.is_none_or(|b| start.elapsed() < b) {
        r.step();
    }
    format!(
        "seed {seed}: {} actions in {:.0} s, every invariant held after each; {} fills, {} liquidations, {} collateral sales (invariant 4 checked on each), {} bad debts, {} restorations, {} debt-free withdrawals (invariant 5), {} refused for liquidity",
        r.actions,
        start.elapsed().as_secs_f64(),
        r.fills,
        r.liquidations,
        r.sales,
        r.bad_debts,
        r.restorations,
        r.debt_free_withdrawals,
        r.refused_withdrawals
    )
}

fn env(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Runs the `index`-th seed's share of `INVARIANT_ACTIONS` (default 20,000 over 4 seeds).
fn seed(index: u64) {
    let total = env("INVARIANT_ACTIONS").unwrap_or(20_000);
    let seeds = env("INVARIANT_SEEDS").unwrap_or(4).max(1);
    if index > seeds {
        return;
    }
    let first = env("INVARIANT_FIRST_SEED").unwrap_or(1);
    let budget = env("INVARIANT_SECONDS").map(Duration::from_secs);
    println!("{}", run(first + index - 1, total / seeds, budget));
}

// One test per seed, so that the harness runs them in parallel.
#[test]
fn random_actions_keep_every_invariant_seed_1() {
    seed(1);
}

#[test]
fn random_actions_keep_every_invariant_seed_2() {
    seed(2);
}

#[test]
fn random_actions_keep_every_invariant_seed_3() {
    seed(3);
}

#[test]
fn random_actions_keep_every_invariant_seed_4() {
    seed(4);
}
