//! Helpers for drivers that run many agents over moving prices (the risk simulator,
//! `crates/risk-sim`): prices per feed at cent precision and chosen times (so a feed can go
//! silent), keepers' housekeeping (the EWMA, the haircut ramp, the breaker), a second perpetual
//! market, orders in any market, and the views a risk report reads.

use crate::{abi::*, frac, wad, System, Trader};
use alloy_primitives::{Address, Bytes, B256, I256, U256};
use alloy_sol_types::sol;
use stylus_runtime::CallError;

sol! {
    /// RiskEngine's keeper entry point (the haircut ramp's stored state).
    interface Haircuts {
        function updateHaircut(address asset) external returns (uint256);
    }
}

/// A price in 8-decimal feed units from a float (rounded to the nearest unit).
pub fn e8(price: f64) -> I256 {
    I256::try_from((price * 1e8).round() as i128).unwrap_or(I256::ZERO)
}

impl System {
    /// Writes a round of `price` (quote per unit, cent precision or finer) at the current block
    /// time to `feed`, leaving the other feeds alone (a driver that wants a feed to go silent
    /// simply does not call this for it).
    ///
    /// # Errors
    /// The feed's revert.
    pub fn publish(&mut self, feed: Address, price: f64) -> Result<(), CallError> {
        let now = U256::from(self.rt.block().timestamp);
        let admin = self.admin;
        self.rt
            .call(
                admin,
                feed,
                &Feed::setAnswerCall {
                    answer: e8(price),
                    updatedAt: now,
                },
                U256::ZERO,
            )
            .map(drop)
    }

    /// A keeper's housekeeping for `asset`: folds new oracle rounds into the EWMA
    /// (`RiskModule.poke`), stores the haircut ramp (`RiskEngine.updateHaircut`) and pokes the
    /// breaker for it; returns whether the breaker tripped. Failures of the first two (a stale
    /// feed) are ignored, as a keeper would retry next block.
    ///
    /// # Errors
    /// The breaker's revert.
    pub fn housekeeping(&mut self, keeper: Address, asset: Address) -> Result<bool, CallError> {
        let (risk, engine, breaker) = (self.risk, self.engine, self.breaker);
        let z = U256::ZERO;
        let _ = self.rt.call(keeper, risk, &Risk::pokeCall { asset }, z);
        let _ = self
            .rt
            .call(keeper, engine, &Haircuts::updateHaircutCall { asset }, z);
        Ok(self
            .rt
            .call(keeper, breaker, &Breaker::pokeCall { asset }, z)?
            ._0)
    }

    /// The breaker's global poke (the insurance drawdown trip); whether it tripped.
    ///
    /// # Errors
    /// The breaker's revert.
    pub fn poke_global(&mut self, keeper: Address) -> Result<bool, CallError> {
        let breaker = self.breaker;
        Ok(self
            .rt
            .call(keeper, breaker, &Breaker::pokeGlobalCall {}, U256::ZERO)?
            ._0)
    }

    /// The breaker's state of a scope (an asset, or the zero address for the global scope):
    /// `(reason, trippedUntil, graceUntil)`; reason 0 is not tripped.
    ///
    /// # Errors
    /// The breaker's revert.
    pub fn breaker_state(&mut self, scope: Address) -> Result<(u8, u64, u64), CallError> {
        let (admin, breaker) = (self.admin, self.breaker);
        let r = self
            .rt
            .view(admin, breaker, &Breaker::scopeStateCall { scope })?;
        Ok((r._0, r._1, r._2))
    }

    /// Whether the breaker allows liquidations that depend on `asset` now.
    ///
    /// # Errors
    /// The breaker's revert.
    pub fn liquidation_allowed(&mut self, asset: Address) -> Result<bool, CallError> {
        let (admin, breaker) = (self.admin, self.breaker);
        Ok(self
            .rt
            .view(admin, breaker, &Breaker::liquidationAllowedCall { asset })?
            ._0)
    }

    /// Lists a perpetual on `underlying` through governance (as the ETH perp: maker 2 bp, taker
    /// 5 bp, funding cap 0.75 % per 8 hours) with min size and tick `step` (WAD) and an
    /// open-interest cap of `max_oi` whole units. Block time moves by the timelock's delay.
    ///
    /// # Errors
    /// [`crate::SimError`].
    pub fn list_perp(
        &mut self,
        underlying: Address,
        step: U256,
        max_oi: u64,
    ) -> Result<(), crate::SimError> {
        let markets = self.markets;
        self.admin_call(
            "list perp",
            markets,
            &Markets::listMarketCall {
                underlying,
                minSize: step,
                tick: step,
                makerFee: frac(2, 10_000),
                takerFee: frac(5, 10_000),
                maxOpenInterest: wad(max_oi),
                fundingCap: frac(75, 10_000),
            },
        )
    }

    /// An order of `who`'s sub-account `sub` in `market`, valid for an hour.
    pub fn order_in(
        &self,
        who: &Trader,
        sub: u8,
        market: u32,
        size: I256,
        price: U256,
        nonce: u64,
    ) -> Order {
        let mut o = self.order(who, sub, size, price, nonce);
        o.market = market;
        o
    }

    /// Signs a maker and a taker order in `market` at `price` (maker buys `size` if positive)
    /// and settles them in full, as the matcher.
    ///
    /// # Errors
    /// The Exchange's revert.
    pub fn trade_in(
        &mut self,
        market: u32,
        maker: (&Trader, u8),
        taker: (&Trader, u8),
        size: I256,
        price: U256,
        nonce: u64,
    ) -> Result<(), CallError> {
        let m = self.order_in(maker.0, maker.1, market, size, price, nonce);
        let t = self.order_in(taker.0, taker.1, market, -size, price, nonce);
        let (ms, ts) = (self.sign(maker.0, &m), self.sign(taker.0, &t));
        self.settle((&m, &ms), (&t, &ts), size.unsigned_abs())
    }

    /// A perp market's open interest (one side, WAD).
    ///
    /// # Errors
    /// PerpMarkets' revert.
    pub fn open_interest(&mut self, market: u32) -> Result<U256, CallError> {
        let (admin, markets) = (self.admin, self.markets);
        Ok(self
            .rt
            .view(admin, markets, &Markets::marketCall { market })?
            ._7)
    }

    /// Losses socialised in a market so far: `(longs paid, shorts paid)` (WAD quote).
    ///
    /// # Errors
    /// PerpMarkets' revert.
    pub fn socialised(&mut self, market: u32) -> Result<(U256, U256), CallError> {
        let (admin, markets) = (self.admin, self.markets);
        let r = self
            .rt
            .view(admin, markets, &Markets::socialisedLossesCall { market })?;
        Ok((r._0, r._1))
    }

    /// The insurance fund's `(peak, balance, drawdown)` (WAD; drawdown a WAD share).
    ///
    /// # Errors
    /// The fund's revert.
    pub fn fund_drawdown(&mut self) -> Result<(U256, I256, U256), CallError> {
        let (admin, fund) = (self.admin, self.fund);
        let r = self.rt.view(admin, fund, &Fund::drawdownCall {})?;
        Ok((r._0, r._1, r._2))
    }

    /// The markets an account has a position in.
    ///
    /// # Errors
    /// The Clearinghouse's revert.
    pub fn open_markets(&mut self, account: B256) -> Result<Vec<u32>, CallError> {
        let (admin, ch) = (self.admin, self.clearinghouse);
        Ok(self
            .rt
            .view(admin, ch, &Ledger::openMarketsCall { account })?
            ._0)
    }

    /// `keeper` sells `account`'s collateral `asset` (at most `max_amount`) into its
    /// sub-account `sub` (Backstop); returns the amount bought.
    ///
    /// # Errors
    /// The Backstop's revert.
    pub fn liquidate_collateral(
        &mut self,
        keeper: &Trader,
        sub: u8,
        account: B256,
        asset: Address,
        max_amount: U256,
    ) -> Result<U256, CallError> {
        let backstop = self.backstop;
        Ok(self
            .rt
            .call(
                keeper.address,
                backstop,
                &Backstop::liquidateCollateralCall {
                    account,
                    liquidatorSubaccount: sub,
                    asset,
                    maxAmount: max_amount,
                },
                U256::ZERO,
            )?
            ._0)
    }

    /// Queues `call` on `to` through the timelock without waiting: returns the data and salt
    /// to [`System::execute`] once the delay has passed (block time does not move).
    ///
    /// # Errors
    /// The timelock's revert.
    pub fn propose<C: alloy_sol_types::SolCall>(
        &mut self,
        to: Address,
        call: &C,
    ) -> Result<(Bytes, B256), CallError> {
        let data = Bytes::from(call.abi_encode());
        let (_, salt) = self.queue(to, &data)?;
        Ok((data, salt))
    }

    /// Mints `amount` USDC (token units) to `who` and tops the insurance fund up with it.
    ///
    /// # Errors
    /// The token's or the fund's revert.
    pub fn top_up_fund(&mut self, who: &Trader, amount: U256) -> Result<(), CallError> {
        let (usdc, fund, a, z) = (self.usdc, self.fund, who.address, U256::ZERO);
        self.rt
            .call(a, usdc, &Token::mintCall { to: a, amount }, z)?;
        self.rt.call(
            a,
            usdc,
            &Token::approveCall {
                spender: fund,
                value: amount,
            },
            z,
        )?;
        self.rt
            .call(a, fund, &Fund::topUpCall { amount }, z)
            .map(drop)
    }
}
