//! The whole clearing system on the offline runtime: deploys every
//! contract's release WASM (`target/stylus/`, built by `scripts/build-wasm`),
//! wires the contracts together as a deployment would, lists USDC (the quote
//! asset) and WETH with their feeds and the ETH perpetual, and drives it:
//! traders with real keys, EIP-712 signed orders, prices and block time.
//!
//! It is the harness of the WASM tests in `tests/`, and of the demo and the
//! gas report.

pub mod abi;
pub mod agents;
pub mod invariants;
pub mod largest;
pub mod options;

use abi::*;
use alloy_primitives::{keccak256, Address, Bytes, B256, I256, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{eip712_domain, SolCall, SolStruct};
use clearing_core::{governance::params::DAY, trading::account, WAD};
use std::fmt;
use stylus_runtime::{read_wasm, CallError, DeployError, LoadError, Runtime};

/// 10^8: one unit of an 8-decimal feed.
pub const E8: i64 = 100_000_000;
/// The id of the ETH perpetual listed by [`System::deploy`].
pub const ETH_PERP: u32 = 0;
/// The runtime's chain id (as a local Nitro dev node).
pub const CHAIN_ID: u64 = 412_346;
/// The EIP-712 domain name of the Exchange.
pub const DOMAIN_NAME: &str = "Cross-Margin Exchange";

/// Why a step of the simulation failed.
#[derive(Debug)]
pub enum SimError {
    /// A contract's WASM could not be read (run `scripts/build-wasm`).
    Load(LoadError),
    /// A deployment failed.
    Deploy(&'static str, DeployError),
    /// A call failed.
    Call(&'static str, CallError),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Load(e) => write!(f, "{e}"),
            SimError::Deploy(what, e) => write!(f, "deploying {what}: {e}"),
            SimError::Call(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl std::error::Error for SimError {}

/// A trader: an address with its private key.
#[derive(Clone)]
pub struct Trader {
    /// The key.
    pub key: PrivateKeySigner,
    /// The address.
    pub address: Address,
}

impl Trader {
    /// A trader whose key is `keccak256(seed)` (deterministic).
    ///
    /// # Panics
    /// Never in practice: a keccak digest is a valid secp256k1 key except
    /// with negligible probability.
    pub fn from_seed(seed: &str) -> Self {
        let key = PrivateKeySigner::from_bytes(&keccak256(seed.as_bytes()))
            .expect("a keccak digest is a valid key");
        let address = key.address();
        Trader { key, address }
    }

    /// The trader's sub-account `index`.
    pub fn account(&self, index: u8) -> B256 {
        account::encode(self.address, index)
    }
}

/// The deployed system.
pub struct System {
    /// The runtime everything lives in.
    pub rt: Runtime,
    /// Deployer and admin of every contract.
    pub admin: Address,
    /// Holder of the Exchange's matcher role.
    pub matcher: Address,
    /// USDC mock (6 decimals), the quote asset.
    pub usdc: Address,
    /// WETH mock (18 decimals).
    pub weth: Address,
    /// USDC / USD feed (8 decimals).
    pub usdc_feed: Address,
    /// ETH / USD feed (8 decimals).
    pub eth_feed: Address,
    /// RiskModule.
    pub risk: Address,
    /// CollateralVault.
    pub vault: Address,
    /// RiskEngine.
    pub engine: Address,
    /// PerpMarkets.
    pub markets: Address,
    /// Clearinghouse.
    pub clearinghouse: Address,
    /// MarginEngine.
    pub margin: Address,
    /// OptionMarkets (option parameters, classes, series, implied volatility, settlement).
    pub options: Address,
    /// MarginMath: the stateless margin function with options (the MarginEngine calls it for
    /// accounts holding options).
    pub math: Address,
    /// OptionBook: option positions (the Exchange settles option orders into it).
    pub book: Address,
    /// Exchange.
    pub exchange: Address,
    /// InsuranceFund.
    pub fund: Address,
    /// CircuitBreaker.
    pub breaker: Address,
    /// Liquidator.
    pub liquidator: Address,
    /// Backstop.
    pub backstop: Address,
    /// VaultPolicy (the quote market's rates, accrual and reserve; deposit caps).
    pub policy: Address,
    /// Holder of the guardian roles (breaker, vault, timelock).
    pub guardian: Address,
    /// The Timelock: the admin of every contract once the deployment is
    /// bootstrapped; [`System::admin`] is its admin (governance).
    pub timelock: Address,
    /// The timelock's delay, seconds.
    pub delay: u64,
    /// Whether admin calls go through the timelock (after the bootstrap).
    pub governed: bool,
    /// Salt of the next queued call.
    salt: u64,
    /// The insurance fund's sub-account (credited with the insurance share
    /// of fees and penalties).
    pub insurance: B256,
    /// Sub-account credited with the rest of the fees.
    pub treasury: B256,
    /// Current ETH price in whole dollars (what the feed says).
    pub eth_price: i64,
    /// Assets listed after the deployment ([`Self::list_token`]): token, feed and price in
    /// whole dollars; their feeds are refreshed with the others.
    pub extra: Vec<(Address, Address, i64)>,
}

/// Deploys `code` as `admin` with the StylusDeployer-style constructor call `data`.
fn deploy_constructed(
    rt: &mut Runtime,
    admin: Address,
    what: &'static str,
    code: &[u8],
    data: Vec<u8>,
) -> Result<Address, SimError> {
    let mut init = stylus_runtime::constructor_selector().to_vec();
    init.extend(data);
    rt.deploy_with_init_data(admin, code, init, U256::ZERO)
        .map_err(|e| SimError::Deploy(what, e))
}

pub(crate) fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

pub(crate) fn frac(num: u64, den: u64) -> U256 {
    U256::from(num) * WAD / U256::from(den)
}

impl System {
    /// Every contract of the deployment (the token and feed mocks included).
    pub fn contracts(&self) -> Vec<Address> {
        let mut all = vec![
            self.usdc,
            self.weth,
            self.usdc_feed,
            self.eth_feed,
            self.risk,
            self.vault,
            self.engine,
            self.markets,
            self.clearinghouse,
            self.margin,
            self.options,
            self.math,
            self.book,
            self.exchange,
            self.fund,
            self.breaker,
            self.liquidator,
            self.backstop,
            self.policy,
            self.timelock,
        ];
        for (token, feed, _) in &self.extra {
            all.extend([*token, *feed]);
        }
        all
    }

    /// Puts every contract's program in the chain's program cache (Arbitrum's CacheManager),
    /// so calls pay the cached entry gas from then on.
    pub fn cache_all(&mut self) {
        for c in self.contracts() {
            self.rt.cache_program(c);
        }
    }

    /// Deploys and wires everything at the runtime's default block:
    ///
    /// - USDC (price 1.00, 0.1 % daily volatility, haircut floor 0.5 %, cap
    ///   20 %, stables bucket) and WETH (price 3000, 3.5 % daily volatility,
    ///   floor 1 %, cap 50 %, majors bucket), deposit caps 10^9 tokens;
    /// - the ETH perp: min size and tick 0.01, maker 2 bp, taker 5 bp, open
    ///   interest cap 10,000 ETH, funding cap 0.75 % per 8 hours;
    /// - the insurance fund, the circuit breaker (defaults of DESIGN section
    ///   12), the liquidator and the backstop, wired with their roles;
    /// - OptionMarkets with every option parameter at its default (the
    ///   MarginEngine reads the portfolio minimum equity there), no class
    ///   enabled; MarginMath (stateless, no constructor);
    /// - the Timelock (delay 1 h): once the contracts are deployed and wired
    ///   (the bootstrap, by the deployer), every contract's admin role passes
    ///   to it and the deployer keeps none; the assets and the market are
    ///   then listed through it (queued, executed after the delay), as every
    ///   later [`System::admin_call`] is;
    /// - fees 50 % to the insurance fund's sub-account, the rest to the
    ///   treasury (index 2 of the admin).
    ///
    /// # Errors
    /// [`SimError`] naming the step that failed.
    pub fn deploy() -> Result<Self, SimError> {
        let wasm = |name: &str| read_wasm(name).map_err(SimError::Load);
        let mut rt = Runtime::new();
        let admin = rt.new_account();
        let matcher = rt.new_account();
        let guardian = rt.new_account();
        let token = wasm("mock-erc20")?;
        let feed = wasm("mock-aggregator")?;
        let dep = |rt: &mut Runtime, what: &'static str, code: &[u8], data: Vec<u8>| {
            deploy_constructed(rt, admin, what, code, data)
        };
        use alloy_sol_types::SolConstructor;
        let usdc = dep(
            &mut rt,
            "USDC",
            &token,
            Token::constructorCall {
                name: "USD Coin".into(),
                symbol: "USDC".into(),
                decimals: 6,
                transferFeeBps: 0,
            }
            .abi_encode(),
        )?;
        let weth = dep(
            &mut rt,
            "WETH",
            &token,
            Token::constructorCall {
                name: "Wrapped Ether".into(),
                symbol: "WETH".into(),
                decimals: 18,
                transferFeeBps: 0,
            }
            .abi_encode(),
        )?;
        let usdc_feed = dep(
            &mut rt,
            "USDC feed",
            &feed,
            Feed::constructorCall {
                decimals: 8,
                description: "USDC / USD".into(),
            }
            .abi_encode(),
        )?;
        let eth_feed = dep(
            &mut rt,
            "ETH feed",
            &feed,
            Feed::constructorCall {
                decimals: 8,
                description: "ETH / USD".into(),
            }
            .abi_encode(),
        )?;
        let risk = dep(
            &mut rt,
            "RiskModule",
            &wasm("risk-module")?,
            Risk::constructorCall { admin }.abi_encode(),
        )?;
        let vault = dep(
            &mut rt,
            "CollateralVault",
            &wasm("collateral-vault")?,
            Vault::constructorCall {
                admin,
                quoteAsset: usdc,
            }
            .abi_encode(),
        )?;
        let engine = dep(
            &mut rt,
            "RiskEngine",
            &wasm("risk-engine")?,
            Engine::constructorCall { admin, risk, vault }.abi_encode(),
        )?;
        let markets = dep(
            &mut rt,
            "PerpMarkets",
            &wasm("perp-markets")?,
            Markets::constructorCall {
                admin,
                riskModule: risk,
            }
            .abi_encode(),
        )?;
        let clearinghouse = dep(
            &mut rt,
            "Clearinghouse",
            &wasm("clearinghouse")?,
            Ledger::constructorCall {
                admin,
                vault,
                markets,
            }
            .abi_encode(),
        )?;
        let options = dep(
            &mut rt,
            "OptionMarkets",
            &wasm("option-markets")?,
            Options::constructorCall {
                admin,
                riskModule: risk,
            }
            .abi_encode(),
        )?;
        let math = rt
            .deploy_without_constructor(admin, &wasm("margin-math")?)
            .map_err(|e| SimError::Deploy("MarginMath", e))?;
        let book = dep(
            &mut rt,
            "OptionBook",
            &wasm("option-book")?,
            Book::constructorCall {
                admin,
                vault,
                optionMarkets: options,
                clearinghouse,
                riskModule: risk,
            }
            .abi_encode(),
        )?;
        let margin = dep(
            &mut rt,
            "MarginEngine",
            &wasm("margin-engine")?,
            Margin::constructorCall {
                risk,
                riskEngine: engine,
                clearinghouse,
                optionMarkets: options,
                optionBook: book,
                marginMath: math,
            }
            .abi_encode(),
        )?;
        let exchange = dep(
            &mut rt,
            "Exchange",
            &wasm("exchange")?,
            Exchange::constructorCall {
                admin,
                clearinghouse,
                markets,
                marginEngine: margin,
                vault,
                optionBook: book,
            }
            .abi_encode(),
        )?;
        let fund = dep(
            &mut rt,
            "InsuranceFund",
            &wasm("insurance-fund")?,
            Fund::constructorCall {
                admin,
                vault,
                quoteAsset: usdc,
                quoteDecimals: 6,
            }
            .abi_encode(),
        )?;
        let breaker = dep(
            &mut rt,
            "CircuitBreaker",
            &wasm("circuit-breaker")?,
            Breaker::constructorCall {
                admin,
                riskModule: risk,
                insuranceFund: fund,
                rateLimit: WAD / U256::from(5u8),
            }
            .abi_encode(),
        )?;
        let liquidator = dep(
            &mut rt,
            "Liquidator",
            &wasm("liquidator")?,
            Liquidator::constructorCall {
                admin,
                clearinghouse,
                markets,
                marginEngine: margin,
                riskEngine: engine,
                riskModule: risk,
                vault,
                breaker,
                insuranceFund: fund,
                optionBook: book,
            }
            .abi_encode(),
        )?;
        let policy = dep(
            &mut rt,
            "VaultPolicy",
            &wasm("vault-policy")?,
            Policy::constructorCall { admin, vault }.abi_encode(),
        )?;
        let backstop = dep(
            &mut rt,
            "Backstop",
            &wasm("backstop")?,
            Backstop::constructorCall {
                liquidator,
                clearinghouse,
                markets,
                marginEngine: margin,
                riskEngine: engine,
                riskModule: risk,
                vault,
                breaker,
                insuranceFund: fund,
                vaultPolicy: policy,
            }
            .abi_encode(),
        )?;
        let delay = 3_600;
        let timelock = dep(
            &mut rt,
            "Timelock",
            &wasm("timelock")?,
            Timelock::constructorCall {
                admin,
                guardian,
                delay,
                grace: clearing_core::governance::DEFAULT_TIMELOCK_GRACE,
            }
            .abi_encode(),
        )?;
        let mut s = System {
            rt,
            admin,
            matcher,
            usdc,
            weth,
            usdc_feed,
            eth_feed,
            risk,
            vault,
            engine,
            markets,
            clearinghouse,
            margin,
            options,
            math,
            book,
            exchange,
            fund,
            breaker,
            liquidator,
            backstop,
            policy,
            guardian,
            timelock,
            delay,
            governed: false,
            salt: 0,
            insurance: account::encode(fund, 0),
            treasury: account::encode(admin, 2),
            eth_price: 3000,
            extra: Vec::new(),
        };
        s.refresh_prices()?;
        s.admin_call(
            "wire markets",
            markets,
            &Markets::setClearinghouseCall { clearinghouse },
        )?;
        s.admin_call(
            "wire clearinghouse",
            clearinghouse,
            &Ledger::setExchangeCall { exchange },
        )?;
        let clearing_role = keccak256("CLEARING_ROLE");
        s.admin_call(
            "wire option book (exchange)",
            book,
            &Book::setExchangeCall { exchange },
        )?;
        s.admin_call(
            "wire option book (liquidator)",
            book,
            &Book::setLiquidatorCall { liquidator },
        )?;
        for c in [
            clearinghouse,
            exchange,
            fund,
            liquidator,
            backstop,
            policy,
            book,
        ] {
            s.admin_call(
                "grant clearing role",
                vault,
                &Vault::grantRoleCall {
                    role: clearing_role,
                    account: c,
                },
            )?;
        }
        s.admin_call(
            "wire liquidator (ledger)",
            clearinghouse,
            &Ledger::setLiquidatorCall { liquidator },
        )?;
        s.admin_call(
            "wire backstop (markets)",
            markets,
            &Markets::setLiquidatorCall {
                liquidator: backstop,
            },
        )?;
        for c in [liquidator, backstop] {
            s.admin_call(
                "grant breaker liquidator role",
                breaker,
                &Breaker::grantRoleCall {
                    role: keccak256("LIQUIDATOR_ROLE"),
                    account: c,
                },
            )?;
        }
        s.admin_call(
            "grant guardian role",
            breaker,
            &Breaker::grantRoleCall {
                role: keccak256("GUARDIAN_ROLE"),
                account: guardian,
            },
        )?;
        s.admin_call(
            "grant cover role",
            fund,
            &Fund::grantRoleCall {
                role: keccak256("COVER_ROLE"),
                account: backstop,
            },
        )?;
        s.admin_call(
            "grant matcher role",
            exchange,
            &Exchange::grantRoleCall {
                role: keccak256("MATCHER_ROLE"),
                account: matcher,
            },
        )?;
        let (insurance, treasury) = (s.insurance, s.treasury);
        s.admin_call(
            "fee config",
            clearinghouse,
            &Ledger::setFeeConfigCall {
                insuranceAccount: insurance,
                treasuryAccount: treasury,
                insuranceShare: frac(1, 2),
            },
        )?;
        s.admin_call(
            "grant vault policy guardian role",
            policy,
            &Policy::grantRoleCall {
                role: keccak256("GUARDIAN_ROLE"),
                account: guardian,
            },
        )?;
        s.admin_call(
            "reserve account",
            policy,
            &Policy::setReserveAccountCall { account: insurance },
        )?;
        s.hand_over()?;
        s.list_asset(
            usdc,
            usdc_feed,
            6,
            86_400,
            (frac(1, 2), wad(2)),
            2,
            frac(1, 1000),
            (frac(5, 1000), frac(20, 100)),
        )?;
        s.list_asset(
            weth,
            eth_feed,
            18,
            3_600,
            (wad(100), wad(100_000)),
            0,
            frac(35, 1000),
            (frac(1, 100), frac(50, 100)),
        )?;
        s.admin_call(
            "list ETH perp",
            markets,
            &Markets::listMarketCall {
                underlying: weth,
                minSize: frac(1, 100),
                tick: frac(1, 100),
                makerFee: frac(2, 10_000),
                takerFee: frac(5, 10_000),
                maxOpenInterest: wad(10_000),
                fundingCap: frac(75, 10_000),
            },
        )?;
        Ok(s)
    }

    /// Deploys an 18-decimal token and its 8-decimal feed at `price` whole dollars, and lists
    /// the token through governance as collateral (majors bucket, 3.5 % daily volatility,
    /// haircut floor 1 %, cap 50 %, as WETH). Block time moves by three timelock delays.
    ///
    /// # Errors
    /// [`SimError`] naming the step that failed.
    pub fn list_token(&mut self, symbol: &str, price: i64) -> Result<Address, SimError> {
        use alloy_sol_types::SolConstructor;
        let admin = self.admin;
        let dep = |rt: &mut Runtime, what: &'static str, name: &str, data: Vec<u8>| {
            let code = read_wasm(name).map_err(SimError::Load)?;
            deploy_constructed(rt, admin, what, &code, data)
        };
        let token = dep(
            &mut self.rt,
            "token",
            "mock-erc20",
            Token::constructorCall {
                name: symbol.into(),
                symbol: symbol.into(),
                decimals: 18,
                transferFeeBps: 0,
            }
            .abi_encode(),
        )?;
        let feed = dep(
            &mut self.rt,
            "feed",
            "mock-aggregator",
            Feed::constructorCall {
                decimals: 8,
                description: symbol.into(),
            }
            .abi_encode(),
        )?;
        self.extra.push((token, feed, price));
        self.refresh_prices()?;
        let p = u64::try_from(price).unwrap_or(1).max(1);
        self.list_asset(
            token,
            feed,
            18,
            3_600,
            (wad(p) / U256::from(100u8), wad(p) * U256::from(100u8)),
            0,
            frac(35, 1000),
            (frac(1, 100), frac(50, 100)),
        )?;
        Ok(token)
    }

    /// Withdraws `amount` of `asset` from the trader's sub-account `sub` to its address.
    ///
    /// # Errors
    /// The Exchange's revert (or the vault's, passed through).
    pub fn withdraw(
        &mut self,
        who: &Trader,
        sub: u8,
        asset: Address,
        amount: U256,
    ) -> Result<(), CallError> {
        let exchange = self.exchange;
        self.rt
            .call(
                who.address,
                exchange,
                &Exchange::withdrawCall {
                    subaccount: sub,
                    asset,
                    amount,
                },
                U256::ZERO,
            )
            .map(drop)
    }

    /// The quote market: `(supply, borrow, utilisation, borrowRate, supplyRate, supplyIndex,
    /// borrowIndex, reserve, cash)` (see `VaultPolicy.quoteMarket`), accrued to now.
    ///
    /// # Errors
    /// The vault's revert.
    pub fn quote_market(&mut self) -> Result<[U256; 9], CallError> {
        let (admin, policy) = (self.admin, self.policy);
        let r = self.rt.view(admin, policy, &Policy::quoteMarketCall {})?;
        Ok([r._0, r._1, r._2, r._3, r._4, r._5, r._6, r._7, r._8])
    }

    /// Accrues the quote market's interest to now (`VaultPolicy.accrue`, as a keeper).
    ///
    /// # Errors
    /// The policy's revert.
    pub fn accrue(&mut self) -> Result<(), CallError> {
        let (admin, policy) = (self.admin, self.policy);
        self.rt
            .call(admin, policy, &Policy::accrueCall {}, U256::ZERO)
            .map(drop)
    }

    /// A token balance of a sub-account in the vault (token units).
    ///
    /// # Errors
    /// The vault's revert.
    pub fn vault_balance(&mut self, account: B256, asset: Address) -> Result<U256, CallError> {
        let (admin, vault) = (self.admin, self.vault);
        Ok(self
            .rt
            .view(admin, vault, &Vault::balanceOfCall { account, asset })?
            ._0)
    }

    /// Mints `amount` quote tokens to `who`, approves the vault and restores liquidity: repays
    /// `account`'s debt and takes its `asset` into `who`'s sub-account `sub`. Returns the
    /// collateral received.
    ///
    /// # Errors
    /// The Backstop's revert (or a callee's passed through); mint or approve failures.
    pub fn restore_liquidity(
        &mut self,
        who: &Trader,
        sub: u8,
        account: B256,
        asset: Address,
        amount: U256,
    ) -> Result<U256, CallError> {
        let (usdc, backstop, z) = (self.usdc, self.backstop, U256::ZERO);
        let a = who.address;
        self.mint_and_approve(who, usdc, amount)
            .map_err(|(_, e)| e)?;
        Ok(self
            .rt
            .call(
                a,
                backstop,
                &Backstop::restoreLiquidityCall {
                    account,
                    providerSubaccount: sub,
                    asset,
                    amount,
                },
                z,
            )?
            ._0)
    }

    #[allow(clippy::too_many_arguments)]
    fn list_asset(
        &mut self,
        asset: Address,
        feed: Address,
        decimals: u8,
        heartbeat: u64,
        band: (U256, U256),
        bucket: u8,
        volatility: U256,
        haircut: (U256, U256),
    ) -> Result<(), SimError> {
        let (risk, vault, engine) = (self.risk, self.vault, self.engine);
        self.admin_call(
            "list asset (risk)",
            risk,
            &Risk::listAssetCall {
                asset,
                feed,
                heartbeat,
                minPrice: band.0,
                maxPrice: band.1,
                bucket,
                depth: U256::ZERO,
                initialVolatility: volatility,
            },
        )?;
        self.admin_call(
            "list asset (vault)",
            vault,
            &Vault::listAssetCall {
                asset,
                decimals,
                depositCap: U256::from(1_000_000_000u64)
                    * U256::from(10u64).pow(U256::from(decimals)),
                depositEnabled: true,
                collateralEnabled: true,
            },
        )?;
        self.admin_call(
            "haircut config",
            engine,
            &Engine::setHaircutConfigCall {
                asset,
                floor: haircut.0,
                cap: haircut.1,
                multiplier: WAD,
            },
        )?;
        Ok(())
    }

    /// Queues `data` for `to` on the timelock as governance, with a fresh
    /// salt; returns the proposal's id and its salt.
    ///
    /// # Errors
    /// The timelock's revert.
    pub fn queue(&mut self, to: Address, data: &Bytes) -> Result<(B256, B256), CallError> {
        self.salt += 1;
        let salt = B256::from(U256::from(self.salt));
        let (admin, timelock) = (self.admin, self.timelock);
        let id = self
            .rt
            .call(
                admin,
                timelock,
                &Timelock::queueCall {
                    target: to,
                    data: data.clone(),
                    salt,
                },
                U256::ZERO,
            )?
            ._0;
        Ok((id, salt))
    }

    /// Executes the queued proposal `(to, data, salt)` on the timelock as
    /// governance.
    ///
    /// # Errors
    /// The timelock's revert, or the target's revert passed through.
    pub fn execute(&mut self, to: Address, data: &Bytes, salt: B256) -> Result<(), CallError> {
        let (admin, timelock) = (self.admin, self.timelock);
        self.rt
            .call(
                admin,
                timelock,
                &Timelock::executeCall {
                    target: to,
                    data: data.clone(),
                    salt,
                },
                U256::ZERO,
            )
            .map(drop)
    }

    /// An admin action on `to`: during the bootstrap, a call by the
    /// deployer; once governed, queued on the timelock by governance,
    /// executed after the delay (block time moves by the delay and the feeds
    /// are refreshed). The call's return value is not kept.
    ///
    /// # Errors
    /// [`SimError::Call`] named `what`.
    pub fn admin_call<C: SolCall>(
        &mut self,
        what: &'static str,
        to: Address,
        call: &C,
    ) -> Result<(), SimError> {
        let admin = self.admin;
        if !self.governed {
            return self
                .rt
                .call(admin, to, call, U256::ZERO)
                .map(drop)
                .map_err(|e| SimError::Call(what, e));
        }
        let data = Bytes::from(call.abi_encode());
        let (_, salt) = self.queue(to, &data).map_err(|e| SimError::Call(what, e))?;
        let delay = self.delay;
        self.advance(delay)?;
        self.execute(to, &data, salt)
            .map_err(|e| SimError::Call(what, e))
    }

    /// Opens the circuit breaker's liquidation rate limit from its default
    /// (20 % of open interest per window) to 100 % through governance: four
    /// risk-raising steps of 20 points, each queued in the timelock, executed
    /// after its delay, and a day after the previous one (the parameter's
    /// minimum interval). For books where one position is most of the open
    /// interest. Moves block time forward by about four days.
    ///
    /// # Errors
    /// [`SimError::Call`].
    pub fn open_rate_limit(&mut self) -> Result<(), SimError> {
        let breaker = self.breaker;
        for (i, pct) in [40u64, 60, 80, 100].into_iter().enumerate() {
            if i > 0 {
                self.advance(DAY)?;
            }
            self.admin_call(
                "rate limit",
                breaker,
                &Breaker::setParameterCall {
                    code: 4,
                    value: WAD * U256::from(pct) / U256::from(100u8),
                },
            )?;
        }
        Ok(())
    }

    /// Ends the bootstrap: the timelock gets the admin role of every
    /// contract with access control and the deployer gives it up; from now
    /// on [`Self::admin_call`] goes through the timelock.
    ///
    /// # Errors
    /// [`SimError::Call`].
    pub fn hand_over(&mut self) -> Result<(), SimError> {
        let (admin, timelock) = (self.admin, self.timelock);
        let targets = [
            self.risk,
            self.vault,
            self.engine,
            self.markets,
            self.clearinghouse,
            self.exchange,
            self.fund,
            self.breaker,
            self.liquidator,
            self.policy,
            self.options,
            self.book,
        ];
        for t in targets {
            self.rt
                .call(
                    admin,
                    t,
                    &Roles::grantRoleCall {
                        role: B256::ZERO,
                        account: timelock,
                    },
                    U256::ZERO,
                )
                .map_err(|e| SimError::Call("hand over (grant)", e))?;
            self.rt
                .call(
                    admin,
                    t,
                    &Roles::revokeRoleCall {
                        role: B256::ZERO,
                        account: admin,
                    },
                    U256::ZERO,
                )
                .map_err(|e| SimError::Call("hand over (revoke)", e))?;
        }
        self.governed = true;
        Ok(())
    }

    /// Writes fresh rounds at the current block time to both feeds (the ETH
    /// feed at [`Self::eth_price`], USDC at 1.00).
    ///
    /// # Errors
    /// [`SimError::Call`].
    pub fn refresh_prices(&mut self) -> Result<(), SimError> {
        let now = U256::from(self.rt.block().timestamp);
        let (admin, usdc_feed, eth_feed, eth) =
            (self.admin, self.usdc_feed, self.eth_feed, self.eth_price);
        let extra: Vec<(Address, i64)> = self.extra.iter().map(|e| (e.1, e.2 * E8)).collect();
        for (feed, answer) in [(usdc_feed, E8), (eth_feed, eth * E8)]
            .into_iter()
            .chain(extra)
        {
            self.rt
                .call(
                    admin,
                    feed,
                    &Feed::setAnswerCall {
                        answer: I256::try_from(answer).unwrap_or_default(),
                        updatedAt: now,
                    },
                    U256::ZERO,
                )
                .map_err(|e| SimError::Call("price", e))?;
        }
        Ok(())
    }

    /// Sets the ETH price (whole dollars) with a fresh round.
    ///
    /// # Errors
    /// [`SimError::Call`].
    pub fn set_eth_price(&mut self, dollars: i64) -> Result<(), SimError> {
        self.eth_price = dollars;
        self.refresh_prices()
    }

    /// Moves block time forward and refreshes both feeds.
    ///
    /// # Errors
    /// [`SimError::Call`].
    pub fn advance(&mut self, seconds: u64) -> Result<(), SimError> {
        self.rt.advance_time(seconds);
        self.refresh_prices()
    }

    /// Mints `amount` of `token` to the trader, approves the vault and
    /// deposits it into sub-account `sub`.
    ///
    /// # Errors
    /// [`SimError::Call`].
    pub fn deposit(
        &mut self,
        who: &Trader,
        sub: u8,
        token: Address,
        amount: U256,
    ) -> Result<(), SimError> {
        let (vault, z) = (self.vault, U256::ZERO);
        let a = who.address;
        self.mint_and_approve(who, token, amount)
            .map_err(|(what, e)| SimError::Call(what, e))?;
        self.rt
            .call(
                a,
                vault,
                &Vault::depositCall {
                    subaccount: sub,
                    asset: token,
                    amount,
                },
                z,
            )
            .map_err(|e| SimError::Call("deposit", e))?;
        Ok(())
    }

    /// Mints `amount` of `token` to the trader and approves the vault for it; a failure names
    /// its step (`mint` or `approve`).
    fn mint_and_approve(
        &mut self,
        who: &Trader,
        token: Address,
        amount: U256,
    ) -> Result<(), (&'static str, CallError)> {
        let (a, vault, z) = (who.address, self.vault, U256::ZERO);
        self.rt
            .call(a, token, &Token::mintCall { to: a, amount }, z)
            .map_err(|e| ("mint", e))?;
        self.rt
            .call(
                a,
                token,
                &Token::approveCall {
                    spender: vault,
                    value: amount,
                },
                z,
            )
            .map_err(|e| ("approve", e))?;
        Ok(())
    }

    /// An order of the trader's sub-account `sub` in the ETH perp, valid for
    /// an hour from now.
    pub fn order(&self, who: &Trader, sub: u8, size: I256, price: U256, nonce: u64) -> Order {
        Order {
            account: who.account(sub),
            market: ETH_PERP,
            size,
            limitPrice: price,
            expiry: self.rt.block().timestamp + 3600,
            nonce,
            reduceOnly: false,
        }
    }

    /// The order's EIP-712 digest in the Exchange's domain.
    pub fn digest(&self, order: &Order) -> B256 {
        let domain = eip712_domain! {
            name: DOMAIN_NAME,
            version: "1",
            chain_id: CHAIN_ID,
            verifying_contract: self.exchange,
        };
        order.eip712_signing_hash(&domain)
    }

    /// `signer`'s 65-byte signature `r || s || v` of the order.
    ///
    /// # Panics
    /// Never in practice: signing a digest with a valid key succeeds.
    pub fn sign(&self, signer: &Trader, order: &Order) -> Bytes {
        let sig = signer
            .key
            .sign_hash_sync(&self.digest(order))
            .expect("signing a digest succeeds");
        Bytes::from(sig.as_bytes().to_vec())
    }

    /// Settles a fill of `size` between a signed maker and taker order, as
    /// the matcher.
    ///
    /// # Errors
    /// The Exchange's revert ([`CallError`]).
    pub fn settle(
        &mut self,
        maker: (&Order, &Bytes),
        taker: (&Order, &Bytes),
        size: U256,
    ) -> Result<(), CallError> {
        let (matcher, exchange) = (self.matcher, self.exchange);
        self.rt
            .call(
                matcher,
                exchange,
                &Exchange::settleFillCall {
                    maker: maker.0.clone(),
                    makerSig: maker.1.clone(),
                    taker: taker.0.clone(),
                    takerSig: taker.1.clone(),
                    fillSize: size,
                },
                U256::ZERO,
            )
            .map(drop)
    }

    /// Signs a maker and a taker order at `price` (maker buys `size` if
    /// positive) and settles them in full.
    ///
    /// # Errors
    /// The Exchange's revert ([`CallError`]).
    pub fn trade(
        &mut self,
        maker: (&Trader, u8),
        taker: (&Trader, u8),
        size: I256,
        price: U256,
        nonce: u64,
    ) -> Result<(), CallError> {
        let m = self.order(maker.0, maker.1, size, price, nonce);
        let t = self.order(taker.0, taker.1, -size, price, nonce);
        let (ms, ts) = (self.sign(maker.0, &m), self.sign(taker.0, &t));
        self.settle((&m, &ms), (&t, &ts), size.unsigned_abs())
    }

    /// `(equity, maintenance, initial)` of an account.
    ///
    /// # Errors
    /// The MarginEngine's revert.
    pub fn health(&mut self, account: B256) -> Result<(I256, U256, U256), CallError> {
        let (admin, margin) = (self.admin, self.margin);
        let r = self
            .rt
            .view(admin, margin, &Margin::healthCall { account })?;
        Ok((r._0, r._1, r._2))
    }

    /// Switches `who`'s sub-account `sub` to portfolio mode (`portfolio`) or back to cross mode.
    ///
    /// # Errors
    /// The MarginEngine's revert.
    pub fn set_margin_mode(
        &mut self,
        who: &Trader,
        sub: u8,
        portfolio: bool,
    ) -> Result<(), CallError> {
        let margin = self.margin;
        self.rt
            .call(
                who.address,
                margin,
                &Margin::setMarginModeCall {
                    subaccount: sub,
                    portfolio,
                },
                U256::ZERO,
            )
            .map(drop)
    }

    /// Sets the portfolio minimum equity (OptionMarkets' `PortfolioMinEquity`, WAD quote)
    /// through governance: queued on the timelock and executed after its delay (block time
    /// moves by the delay, the feeds are refreshed). The parameter's rule applies: at most
    /// 100,000 per change, a day between changes.
    ///
    /// # Errors
    /// [`SimError::Call`].
    pub fn set_portfolio_min_equity(&mut self, value: U256) -> Result<(), SimError> {
        let options = self.options;
        self.admin_call(
            "portfolio minimum equity",
            options,
            &Options::setOptionParameterCall {
                code: clearing_core::OptionParam::PortfolioMinEquity as u8,
                value,
            },
        )
    }

    /// Switches the sub-accounts `(trader, sub)` to portfolio mode: for tests that run in both
    /// modes (nothing happens when `portfolio` is false).
    ///
    /// # Errors
    /// The MarginEngine's revert.
    pub fn join_portfolio(
        &mut self,
        portfolio: bool,
        accounts: &[(&Trader, u8)],
    ) -> Result<(), CallError> {
        if portfolio {
            for (who, sub) in accounts {
                self.set_margin_mode(who, *sub, true)?;
            }
        }
        Ok(())
    }

    /// Whether an account is in portfolio mode.
    ///
    /// # Errors
    /// The MarginEngine's revert.
    pub fn margin_mode(&mut self, account: B256) -> Result<bool, CallError> {
        let (admin, margin) = (self.admin, self.margin);
        Ok(self
            .rt
            .view(admin, margin, &Margin::marginModeCall { account })?
            ._0)
    }

    /// `(size, openNotional, fundingIndex, pendingFunding)` of a position.
    ///
    /// # Errors
    /// The Clearinghouse's revert.
    pub fn position(
        &mut self,
        account: B256,
        market: u32,
    ) -> Result<(I256, I256, I256, I256), CallError> {
        let (admin, ch) = (self.admin, self.clearinghouse);
        let r = self
            .rt
            .view(admin, ch, &Ledger::positionCall { account, market })?;
        Ok((r._0, r._1, r._2, r._3))
    }

    /// The signed quote balance of an account (WAD).
    ///
    /// # Errors
    /// The vault's revert.
    pub fn quote_balance(&mut self, account: B256) -> Result<I256, CallError> {
        let (admin, vault) = (self.admin, self.vault);
        Ok(self
            .rt
            .view(admin, vault, &Vault::quoteBalanceCall { account })?
            ._0)
    }

    /// `keeper` liquidates at most `max_size` of `account`'s position in
    /// `market` into its sub-account `sub`; returns the size taken over.
    ///
    /// # Errors
    /// The Liquidator's revert.
    pub fn liquidate(
        &mut self,
        keeper: &Trader,
        sub: u8,
        account: B256,
        market: u32,
        max_size: U256,
    ) -> Result<U256, CallError> {
        let liquidator = self.liquidator;
        Ok(self
            .rt
            .call(
                keeper.address,
                liquidator,
                &Liquidator::liquidateCall {
                    account,
                    liquidatorSubaccount: sub,
                    market,
                    maxSize: max_size,
                },
                U256::ZERO,
            )?
            ._0)
    }

    /// Settles `account`'s bad debt (anyone may); returns `(covered,
    /// socialised)`.
    ///
    /// # Errors
    /// The Backstop's revert.
    pub fn settle_bad_debt(
        &mut self,
        caller: Address,
        account: B256,
    ) -> Result<(U256, U256), CallError> {
        let backstop = self.backstop;
        let r = self.rt.call(
            caller,
            backstop,
            &Backstop::settleBadDebtCall { account },
            U256::ZERO,
        )?;
        Ok((r._0, r._1))
    }

    /// A keeper's poke of the breaker for WETH; whether it tripped.
    ///
    /// # Errors
    /// The breaker's revert.
    pub fn poke_breaker(&mut self, keeper: Address) -> Result<bool, CallError> {
        let (breaker, weth) = (self.breaker, self.weth);
        Ok(self
            .rt
            .call(
                keeper,
                breaker,
                &Breaker::pokeCall { asset: weth },
                U256::ZERO,
            )?
            ._0)
    }

    /// The circuit breaker's liquidation rate limit (WAD share of open interest).
    ///
    /// # Errors
    /// The breaker's revert.
    pub fn rate_limit(&mut self) -> Result<U256, CallError> {
        let (admin, breaker) = (self.admin, self.breaker);
        Ok(self
            .rt
            .view(admin, breaker, &Breaker::parametersCall {})?
            ._3)
    }

    /// The insurance fund's balance (WAD).
    ///
    /// # Errors
    /// The fund's revert.
    pub fn fund_balance(&mut self) -> Result<I256, CallError> {
        let (admin, fund) = (self.admin, self.fund);
        Ok(self.rt.view(admin, fund, &Fund::balanceCall {})?._0)
    }
}
