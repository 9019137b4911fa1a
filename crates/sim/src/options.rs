//! Options on the deployed system: the ETH option class, series, implied volatility and
//! option orders (DESIGN section 13). Order market ids name series (ids from 2^31); the
//! Exchange settles them into the OptionBook.

use crate::abi::*;
use crate::{frac, wad, SimError, System, Trader};
use alloy_primitives::{aliases::U80, keccak256, Address, B256, I256, U256};
use clearing_core::governance::params::DAY;
use stylus_runtime::CallError;

/// Expiries fall at 08:00 UTC (DESIGN section 13).
pub const EXPIRY_HOUR: u64 = 8 * 3600;

impl System {
    /// Enables the ETH option class through governance (90-day horizon, strike tick 50, min
    /// size 0.1, open-interest cap 1,000 contracts per series, maker 0.03 % and taker 0.05 %
    /// of the underlying notional, implied-volatility heartbeat one hour), and grants the
    /// admin `LISTER_ROLE` and `VOL_ORACLE_ROLE`. Block time moves by three timelock delays
    /// once governed.
    ///
    /// # Errors
    /// [`SimError::Call`] naming the step that failed.
    pub fn enable_eth_options(&mut self) -> Result<(), SimError> {
        let (options, weth, admin) = (self.options, self.weth, self.admin);
        self.admin_call(
            "enable the ETH option class",
            options,
            &Options::enableClassCall {
                underlying: weth,
                maxHorizon: 90 * DAY,
                strikeTick: wad(50),
                minSize: frac(1, 10),
                maxOpenInterest: wad(1000),
                makerFee: frac(3, 10_000),
                takerFee: frac(5, 10_000),
                ivHeartbeat: 3600,
            },
        )?;
        for role in ["LISTER_ROLE", "VOL_ORACLE_ROLE"] {
            self.admin_call(
                "grant an option role",
                options,
                &Options::grantRoleCall {
                    role: keccak256(role),
                    account: admin,
                },
            )?;
        }
        Ok(())
    }

    /// The 08:00 UTC expiry `days` days after today's (today's if `days` is 0 and 08:00 has
    /// not passed yet).
    pub fn expiry_in(&self, days: u64) -> u64 {
        let now = self.rt.block().timestamp;
        let today = now - now % DAY + EXPIRY_HOUR;
        let first = if today > now { today } else { today + DAY };
        first + days * DAY
    }

    /// Lists an ETH series as the lister (the admin): `strike` in whole dollars, a call when
    /// `call`. Returns its id.
    ///
    /// # Errors
    /// OptionMarkets' revert.
    pub fn list_eth_series(
        &mut self,
        expiry: u64,
        strike: u64,
        call: bool,
    ) -> Result<u32, CallError> {
        let (admin, options, weth) = (self.admin, self.options, self.weth);
        Ok(self
            .rt
            .call(
                admin,
                options,
                &Options::listSeriesCall {
                    underlying: weth,
                    expiry,
                    strike: wad(strike),
                    isCall: call,
                },
                U256::ZERO,
            )?
            ._0)
    }

    /// Posts the implied volatility (annualised, WAD) of ETH's expiry `expiry` as the volatility
    /// oracle (the admin).
    ///
    /// # Errors
    /// OptionMarkets' revert.
    pub fn post_eth_vol(&mut self, expiry: u64, vol: U256) -> Result<(), CallError> {
        let (admin, options, weth) = (self.admin, self.options, self.weth);
        self.rt
            .call(
                admin,
                options,
                &Options::postVolatilityCall {
                    underlying: weth,
                    expiry,
                    vol,
                },
                U256::ZERO,
            )
            .map(drop)
    }

    /// An order of the trader's sub-account `sub` for `size` contracts of option series
    /// `series` (positive buys) at `premium` per contract (WAD quote), valid for an hour.
    pub fn option_order(
        &self,
        who: &Trader,
        sub: u8,
        series: u32,
        size: I256,
        premium: U256,
        nonce: u64,
    ) -> Order {
        Order {
            market: series,
            ..self.order(who, sub, size, premium, nonce)
        }
    }

    /// Signs a maker and a taker order in option series `series` at `premium` (the maker buys
    /// `size` contracts if positive) and settles them in full.
    ///
    /// # Errors
    /// The Exchange's revert ([`CallError`]).
    pub fn trade_option(
        &mut self,
        maker: (&Trader, u8),
        taker: (&Trader, u8),
        series: u32,
        size: I256,
        premium: U256,
        nonce: u64,
    ) -> Result<(), CallError> {
        let m = self.option_order(maker.0, maker.1, series, size, premium, nonce);
        let t = self.option_order(taker.0, taker.1, series, -size, premium, nonce);
        let (ms, ts) = (self.sign(maker.0, &m), self.sign(taker.0, &t));
        self.settle((&m, &ms), (&t, &ts), size.unsigned_abs())
    }

    /// Records the settlement price of ETH's expiry `expiry` as `caller` (anyone may), naming
    /// the ETH feed's round in force at expiry: the latest round updated at or before it (the
    /// feed's rounds are walked back from the latest). Returns the settlement price (WAD).
    ///
    /// # Errors
    /// OptionMarkets' revert (for example `ExpiryNotReached`), or the feed's.
    pub fn settle_eth_expiry(&mut self, caller: Address, expiry: u64) -> Result<U256, CallError> {
        let (options, weth, feed) = (self.options, self.weth, self.eth_feed);
        let mut round = self
            .rt
            .view(caller, feed, &Feed::latestRoundDataCall {})?
            .roundId;
        while round > U80::from(1u8) {
            let r = self
                .rt
                .view(caller, feed, &Feed::getRoundDataCall { roundId: round })?;
            if r.updatedAt <= U256::from(expiry) {
                break;
            }
            round -= U80::from(1u8);
        }
        Ok(self
            .rt
            .call(
                caller,
                options,
                &Options::settleExpiryCall {
                    underlying: weth,
                    expiry,
                    roundId: round,
                },
                U256::ZERO,
            )?
            ._0)
    }

    /// `account`'s position in option series `series`, signed WAD contracts.
    ///
    /// # Errors
    /// The OptionBook's revert.
    pub fn option_position(&mut self, account: B256, series: u32) -> Result<I256, CallError> {
        let (admin, book) = (self.admin, self.book);
        Ok(self
            .rt
            .view(admin, book, &Book::positionCall { account, series })?
            ._0)
    }

    /// Pays `account`'s expired series through the OptionBook's permissionless
    /// `settleAccount`, called by `caller`; returns the sum of the payouts into its quote
    /// balance (signed WAD: positive when the account received).
    ///
    /// # Errors
    /// The OptionBook's revert.
    pub fn settle_option_account(
        &mut self,
        caller: Address,
        account: B256,
    ) -> Result<I256, CallError> {
        let book = self.book;
        Ok(self
            .rt
            .call(
                caller,
                book,
                &Book::settleAccountCall { account },
                U256::ZERO,
            )?
            ._0)
    }
}
